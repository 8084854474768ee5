"""Hyper-parameters of the published Kokoro-82M v1.0 checkpoint (config.json beside this file)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

# Facts of the published model that the rest of the tool builds on (torch-free, so any layer may
# import them cheaply).
SAMPLE_RATE = 24_000  # output rate (config.json "sample_rate")
MAX_TOKENS = 510  # phoneme tokens per forward: 512 ALBERT positions minus the two pad tokens
# a voicepack: one 256-value style vector (128 timbre + 128 prosody) per utterance length
PACK_SHAPE = (MAX_TOKENS, 1, 256)
# audio samples per predicted duration frame: the decoder's upsampling (10 x 6) times the
# inverse STFT's hop (5), doubled because F0 runs at twice the frame rate (300 per F0 step)
FRAME_SAMPLES = 600


@dataclass(frozen=True)
class ALBERTConfig:
    vocab_size: int
    embedding_size: int = 128
    hidden_size: int = 768
    num_attention_heads: int = 12
    intermediate_size: int = 2048
    num_hidden_layers: int = 12  # all share one layer (ALBERT's cross-layer parameter sharing)
    max_position_embeddings: int = 512
    layer_norm_eps: float = 1e-12


@dataclass(frozen=True)
class ISTFTNetConfig:
    upsample_rates: tuple[int, ...]
    upsample_kernel_sizes: tuple[int, ...]
    upsample_initial_channel: int
    resblock_kernel_sizes: tuple[int, ...]
    resblock_dilation_sizes: tuple[tuple[int, ...], ...]
    gen_istft_n_fft: int
    gen_istft_hop_size: int


@dataclass(frozen=True)
class ModelConfig:
    n_token: int
    hidden_dim: int
    style_dim: int
    max_dur: int
    n_layer: int
    text_encoder_kernel_size: int
    sample_rate: int
    plbert: ALBERTConfig
    istftnet: ISTFTNetConfig
    vocab: dict[str, int]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        """From config.json; keys the model does not use (dropout, n_mels, ...) are ignored."""
        return cls(
            **_pick(cls, d, skip=("plbert", "istftnet")),
            plbert=ALBERTConfig(vocab_size=d["n_token"], **_pick(ALBERTConfig, d["plbert"])),
            istftnet=ISTFTNetConfig(**_pick(ISTFTNetConfig, d["istftnet"])),
        )


def _pick(kind: type, d: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The entries of `d` that are fields of the dataclass `kind`; JSON lists become tuples."""

    def frozen(v: Any) -> Any:
        return tuple(frozen(x) for x in v) if isinstance(v, list) else v

    names = {f.name for f in fields(kind)} - set(skip)
    return {k: frozen(v) for k, v in d.items() if k in names}


def load_config_dict() -> dict[str, Any]:
    """The packaged config.json as a dict (the same file the hub repo ships)."""
    from importlib import resources  # not at import: audio code reads SAMPLE_RATE from here

    return json.loads(resources.files(__package__).joinpath("config.json").read_text("utf-8"))


def default_config() -> ModelConfig:
    return ModelConfig.from_dict(load_config_dict())
