"""kokoro-cli: a command-line speech synthesizer built on Kokoro-82M, and its Python API.

    from kokoro_cli import Kokoro, KokoroError

Importing the package stays cheap (no torch, no numpy): `Kokoro` and the other API names are
looked up on first access (PEP 562), and torch loads only when a model or voice is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kokoro_cli.version import __version__

if TYPE_CHECKING:
    from kokoro_cli.api import Kokoro
    from kokoro_cli.errors import KokoroError, UsageError
    from kokoro_cli.model.config import SAMPLE_RATE
    from kokoro_cli.model.voices import VoiceInfo
    from kokoro_cli.pipeline import AudioChunk

# public name -> the module that defines it
_LAZY = {
    "Kokoro": "kokoro_cli.api",
    "KokoroError": "kokoro_cli.errors",
    "UsageError": "kokoro_cli.errors",
    "AudioChunk": "kokoro_cli.pipeline",
    "VoiceInfo": "kokoro_cli.model.voices",
    "SAMPLE_RATE": "kokoro_cli.model.config",
}
__all__ = [
    "__version__",
    "SAMPLE_RATE",
    "AudioChunk",
    "Kokoro",
    "KokoroError",
    "UsageError",
    "VoiceInfo",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kokoro_cli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
