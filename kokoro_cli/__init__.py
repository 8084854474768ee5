"""kokoro-cli: a command-line speech synthesizer built on Kokoro-82M, and its Python API.

    from kokoro_cli import Kokoro, KokoroError

Importing the package stays cheap (no torch, no numpy): `Kokoro` and the other API names are
looked up on first access (PEP 562), and torch loads only when a model or voice is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

SAMPLE_RATE = 24_000  # Kokoro v1.0 output rate (config.json "sample_rate")
MAX_TOKENS = 510  # phoneme tokens per forward: 512 ALBERT positions minus the two pad tokens
# a voicepack: one 256-value style vector (128 timbre + 128 prosody) per utterance length
PACK_SHAPE = (MAX_TOKENS, 1, 256)
# audio samples per predicted duration frame: the decoder's upsampling (10 x 6) times the
# inverse STFT's hop (5), doubled because F0 runs at twice the frame rate (300 per F0 step)
FRAME_SAMPLES = 600

if TYPE_CHECKING:
    from kokoro_cli.api import Kokoro
    from kokoro_cli.errors import KokoroError, UsageError
    from kokoro_cli.pipeline import AudioChunk
    from kokoro_cli.voices import VoiceInfo

# public name -> the module that defines it
_LAZY = {
    "Kokoro": "kokoro_cli.api",
    "KokoroError": "kokoro_cli.errors",
    "UsageError": "kokoro_cli.errors",
    "AudioChunk": "kokoro_cli.pipeline",
    "VoiceInfo": "kokoro_cli.voices",
}
__all__ = ["SAMPLE_RATE", "AudioChunk", "Kokoro", "KokoroError", "UsageError", "VoiceInfo"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kokoro_cli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
