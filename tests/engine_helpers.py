"""Shared helpers for the engine tests (real weights, real voicepacks, onnxruntime reference)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import torch

VOCAB = json.loads(resources.files("kokoro_cli.model").joinpath("config.json").read_text("utf-8"))[
    "vocab"
]
# misaki-style phonemes of "Hello world, this is a test of the Kokoro model. It should sound natural and clear!"
SENTENCE = "həlˈO wˈɜɹld, ðɪs ɪz ə tˈɛst ʌv ðə kəkˈɔɹO mˈɑdᵊl. ɪt ʃʊd sˈWnd nˈæʧəɹəl ænd klˈɪɹ!"


def tokens(phonemes: str) -> list[int]:
    return [VOCAB[c] for c in phonemes if c in VOCAB]


def voicepack(name: str = "af_heart") -> torch.Tensor:
    from kokoro_cli.model.voices import load_voice

    return load_voice(name)


def ort_session(graph: bytes, extra_outputs: list[str]):
    """onnxruntime on the embedded int8 graph, also exposing some intermediate tensors."""
    import onnx
    import onnxruntime as ort

    model = onnx.load_from_string(graph)
    for name in extra_outputs:
        model.graph.output.append(
            onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        )
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
