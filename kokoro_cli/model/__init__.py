"""Our torch implementation of Kokoro-82M v1.0 (StyleTTS2 with an ISTFTNet decoder)."""

from .config import ModelConfig, default_config
from .kmodel import MAX_TOKENS, PACK_SHAPE, KModel

__all__ = ["KModel", "ModelConfig", "default_config", "MAX_TOKENS", "PACK_SHAPE"]
