"""The int8 generator: its pieces against float references, then the whole model.

Measured 2026-11-22 (log-spectrogram correlation with fp32, SENTENCE, same durations):
af_heart / am_michael / bf_emma: int8 0.984 / 0.982 / 0.989, bf16 0.986 / 0.983 / 0.990;
onnxruntime's int8 graph 0.981 on af_heart. On a 19 s chunk int8 0.971, bf16 0.975. With one
quantization step for all channels instead of one per channel, int8 was 0.973 / 0.967 / 0.981
and 0.950.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_helpers import SENTENCE, rms, tokens, voicepack

from kokoro_cli.model.int8 import (
    INT8_MIN_WIDTH,
    MARGIN,
    ZERO,
    QConv1d,
    _centered_stats,
    _snake_uint8,
    int8_supported,
)
from kokoro_cli.model.modules import SEGMENT, AdaIN1d
from kokoro_cli.model.weights import load_model

pytestmark = pytest.mark.skipif(not int8_supported(), reason="no oneDNN quantized conv here")


@pytest.fixture(scope="module")
def int8_model():
    m = load_model(precision="int8")
    m.noise = False
    return m


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.float() - b.float()).norm() / b.float().norm())


def test_statistics_survive_a_mean_far_from_zero() -> None:
    """Real generator channels have means up to 100x their std: the naive moments cancel."""
    torch.manual_seed(0)
    x = torch.randn(1, 5000, 16, dtype=torch.float64) * 0.5 + torch.linspace(-60, 60, 16)
    d, mean, rstd = _centered_stats(x.bfloat16())
    var, mu = torch.var_mean(x.bfloat16().double(), dim=1, correction=0)
    got_std = 1 / rstd.double().squeeze(1)
    assert torch.allclose(got_std, (var + 1e-5).sqrt(), rtol=0.02), (got_std, var.sqrt())
    k = x.bfloat16().double() - d.double()  # whatever was subtracted, it is per channel
    assert torch.allclose((k[:, 0] + mean.double().squeeze(1)), mu, atol=0.05)


# fp32: the generator's dtype on CPUs without native bf16
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
def test_quantized_snake_is_the_float_snake_within_half_a_step(
    native_path: str, dtype: torch.dtype
) -> None:
    torch.manual_seed(1)
    norm = AdaIN1d(8, 32).eval()
    x = (torch.randn(1, 3000, 32) * 2 + 3).to(dtype).float()  # what the generator holds
    s = torch.randn(1, 8)
    alpha = torch.rand(1, 32, 1) + 0.5
    with torch.inference_mode():
        q, steps = _snake_uint8(x.to(dtype), s.to(dtype), norm.to(dtype), alpha)
        u = norm.float()(x.transpose(1, 2), s, alpha).transpose(1, 2)
    want = u + torch.sin(u) ** 2
    assert q.dtype == torch.uint8 and q.shape == (1, MARGIN + 3000 + MARGIN, 32)
    assert (q[:, :MARGIN] == ZERO).all() and (q[:, -MARGIN:] == ZERO).all()  # zero padding
    q = q[:, MARGIN:-MARGIN]
    got = (q.float() - ZERO) * steps
    assert steps.shape == (32,)
    # every channel uses its own range: its loudest sample sits at the end of the code range
    assert ((q.int() - ZERO).abs().amax(dim=(0, 1)) == 127).all()
    # half a step of rounding, plus bf16 arithmetic: AdaIN's gain and bias (both paths), and
    # the normalization and the sine in the torch ops (measured 0.016; C kernels, fp32: 0.008)
    slack = 0.01 if native_path == "native" else 0.03
    err = (got - want).abs().amax(dim=(0, 1))
    assert (err <= steps / 2 + slack * want.abs().amax(dim=(0, 1))).all(), err / steps


@pytest.mark.parametrize("length", [4000, 2 * SEGMENT + 100])  # whole, and in pieces
@pytest.mark.parametrize("kernel, dilation", [(3, 1), (7, 3), (11, 5)])
def test_int8_conv_matches_the_float_conv(kernel: int, dilation: int, length: int) -> None:
    torch.manual_seed(2)
    w = torch.randn(64, 64, kernel) * 0.05
    b = torch.randn(64) * 0.1
    pad = (kernel * dilation - dilation) // 2
    conv = QConv1d(w, b, pad, dilation)
    levels = torch.randint(1, 256, (1, length, 64), dtype=torch.uint8)
    steps = torch.rand(64) * 0.1 + 0.001  # channels 100x apart in scale
    x = (levels.float() - ZERO) * steps  # exactly representable input: only the weights round
    with torch.inference_mode():
        margin = torch.full((1, MARGIN, 64), ZERO, dtype=torch.uint8)
        got = conv((torch.cat([margin, levels, margin], dim=1), steps))
    want = F.conv1d(x.transpose(1, 2), w, b, padding=pad, dilation=dilation).transpose(1, 2)
    assert got.shape == want.shape
    assert _rel(got, want) < 0.015  # measured 0.007-0.011: int8 weights, scaled per channel
    # zero padding means 0.0, not the lowest code: the edges agree as well as the middle
    edge = slice(0, pad + 1)
    assert _rel(got[:, edge], want[:, edge]) < 0.02


def test_int8_sounds_like_fp32(int8_model, native_path: str) -> None:
    """int8 moves the spectrum about as much as bf16, less than onnxruntime's int8 graph.
    (SENTENCE is long enough for both stages to run in int8.)"""
    fp32 = load_model(precision="fp32")
    fp32.noise = False
    toks = tokens(SENTENCE)
    ids = torch.tensor([[0, *toks, 0]])
    ref_s = voicepack("af_heart")[len(toks) - 1]
    a32, dur = fp32(ids, ref_s)
    a8, _ = int8_model(ids, ref_s, durations=dur)
    assert int8_model.decoder.generator.time_major
    assert a8.shape == a32.shape and torch.isfinite(a8).all()

    def logspec(a: torch.Tensor) -> np.ndarray:
        spec = torch.stft(a, 1024, 256, window=torch.hann_window(1024), return_complex=True)
        return np.log(spec.abs().numpy() + 1e-5)

    corr = np.corrcoef(logspec(a32).ravel(), logspec(a8).ravel())[0, 1]
    assert corr >= 0.975, corr
    assert rms(a8.numpy()) == pytest.approx(rms(a32.numpy()), rel=0.05)


def test_short_signals_run_the_256_channel_stage_in_float(int8_model) -> None:
    """Its first clause is ~2 s: the 256-channel stage is under INT8_MIN_WIDTH, so it takes the
    float blocks, and the audio differs from the all-int8 path's."""
    gen = int8_model.decoder.generator
    toks = tokens(SENTENCE.split(",")[0])
    ids = torch.tensor([[0, *toks, 0]])
    ref_s = voicepack("af_heart")[len(toks) - 1]
    default, dur = int8_model(ids, ref_s)
    assert int(dur.sum()) * 2 * 10 < INT8_MIN_WIDTH[256]  # frames x2 (decoder) x10 (first up)
    widths = gen.int8_min_width
    try:
        gen.int8_min_width = [0] * len(widths)
        all_int8, _ = int8_model(ids, ref_s, durations=dur)
    finally:
        gen.int8_min_width = widths
    assert default.shape == all_int8.shape and not torch.equal(default, all_int8)


def test_a_deep_copy_of_the_loaded_model_speaks_alike(int8_model) -> None:
    """The prepacked conv weights are opaque oneDNN tensors: deepcopy has to clone them."""
    from copy import deepcopy

    assert any(getattr(m, "packed", None) is not None for m in int8_model.modules())
    twin = deepcopy(int8_model)
    ids = torch.tensor([[0, 50, 83, 54, 156, 0]])
    s = torch.randn(1, 256)
    forced = torch.tensor([3, 4, 5, 4, 3, 3])
    assert torch.equal(int8_model(ids, s, durations=forced)[0], twin(ids, s, durations=forced)[0])
