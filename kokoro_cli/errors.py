"""One error hierarchy for the whole tool; the CLI maps these to exit codes."""

from __future__ import annotations


class KokoroError(Exception):
    """A failure the user can act on. The message says what went wrong and how to fix it."""

    exit_code = 1


class UsageError(KokoroError):
    """Bad input from the user (arguments, text, voice names): exit code 2."""

    exit_code = 2


class ModelError(KokoroError):
    """Weights missing, corrupt or not matching the model."""


class VoiceError(UsageError):
    """Unknown voice, bad blend expression or malformed voicepack."""


class PipeClosed(Exception):
    """The reader of stdout went away (`| head`, a closed player): stop quietly. Here, not in
    audio.sinks which raises it, so that the CLI catches it without importing numpy."""
