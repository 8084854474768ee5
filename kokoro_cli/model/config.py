"""Hyper-parameters of the published Kokoro-82M v1.0 checkpoint (config.json beside this file)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


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
        p, i = d["plbert"], d["istftnet"]
        plbert = ALBERTConfig(
            vocab_size=d["n_token"],
            embedding_size=p["embedding_size"],
            hidden_size=p["hidden_size"],
            num_attention_heads=p["num_attention_heads"],
            intermediate_size=p["intermediate_size"],
            num_hidden_layers=p["num_hidden_layers"],
            max_position_embeddings=p["max_position_embeddings"],
        )
        istft = ISTFTNetConfig(
            upsample_rates=tuple(i["upsample_rates"]),
            upsample_kernel_sizes=tuple(i["upsample_kernel_sizes"]),
            upsample_initial_channel=i["upsample_initial_channel"],
            resblock_kernel_sizes=tuple(i["resblock_kernel_sizes"]),
            resblock_dilation_sizes=tuple(tuple(x) for x in i["resblock_dilation_sizes"]),
            gen_istft_n_fft=i["gen_istft_n_fft"],
            gen_istft_hop_size=i["gen_istft_hop_size"],
        )
        return cls(
            n_token=d["n_token"],
            hidden_dim=d["hidden_dim"],
            style_dim=d["style_dim"],
            max_dur=d["max_dur"],
            n_layer=d["n_layer"],
            text_encoder_kernel_size=d["text_encoder_kernel_size"],
            sample_rate=d["sample_rate"],
            plbert=plbert,
            istftnet=istft,
            vocab=dict(d["vocab"]),
        )


def load_config_dict() -> dict[str, Any]:
    """The packaged config.json as a dict (the same file the hub repo ships)."""
    return json.loads(resources.files(__package__).joinpath("config.json").read_text("utf-8"))


def default_config() -> ModelConfig:
    return ModelConfig.from_dict(load_config_dict())
