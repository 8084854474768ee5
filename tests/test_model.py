"""Structure tests on a randomly initialised KModel: shapes, names, determinism, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from kokoro_cli.errors import UsageError
from kokoro_cli.model.config import MAX_TOKENS
from kokoro_cli.model.kmodel import KModel


@pytest.fixture(scope="module")
def model() -> KModel:
    torch.manual_seed(0)
    m = KModel().eval()
    m.noise = False
    return m


def test_parameter_count_matches_kokoro_82m(model: KModel) -> None:
    # 81,763,410 in the official checkpoint, of which ALBERT's unused pooler is 768 * 768 + 768
    assert sum(p.numel() for p in model.parameters()) == 81_763_410 - (768 * 768 + 768)


def test_state_dict_uses_checkpoint_names(model: KModel) -> None:
    keys = set(model.state_dict())
    for k in (
        "bert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight",
        "predictor.text_encoder.lstms.1.fc.weight",
        "predictor.F0.1.pool.weight_g",
        "text_encoder.cnn.2.1.gamma",
        "decoder.generator.noise_res.1.alpha2.2",
        "decoder.generator.m_source.l_linear.weight",
        "predictor.duration_proj.linear_layer.bias",
        "text_encoder.lstm.weight_hh_l0_reverse",
    ):
        assert k in keys, k
    assert {k.split(".")[0] for k in keys} == {
        "bert",
        "bert_encoder",
        "predictor",
        "text_encoder",
        "decoder",
    }


def test_audio_is_600_samples_per_frame(model: KModel) -> None:
    ids = torch.tensor([[0, 50, 83, 54, 156, 57, 0]])
    audio, dur = model(ids, torch.randn(1, 256))
    assert dur.shape == (7,) and bool((dur >= 1).all())
    assert audio.shape == (600 * int(dur.sum()),)
    forced = torch.tensor([1, 2, 3, 4, 5, 6, 7])
    audio2, dur2 = model(ids, torch.randn(1, 256), durations=forced)
    assert torch.equal(dur2, forced) and audio2.shape == (600 * 28,)


def test_deterministic_mode_repeats_exactly_and_noise_does_not(model: KModel) -> None:
    ids = torch.tensor([[0, 50, 83, 54, 0]])
    s = torch.randn(1, 256)
    forced = torch.tensor([3, 3, 3, 3, 3])
    a, _ = model(ids, s, durations=forced)
    b, _ = model(ids, s, durations=forced)
    assert torch.equal(a, b)
    model.noise = True
    try:
        c, _ = model(ids, s, durations=forced)
    finally:
        model.noise = False
    assert not torch.equal(a, c)


def test_speed_shortens_durations(model: KModel) -> None:
    ids = torch.tensor([[0, *range(43, 63), 0]])
    s = torch.randn(1, 256)
    _, slow = model(ids, s, speed=0.5)
    _, fast = model(ids, s, speed=2.0)
    assert int(fast.sum()) < int(slow.sum())


def test_fold_weight_norm_keeps_output(model: KModel) -> None:
    import copy

    ids = torch.tensor([[0, 50, 83, 54, 0]])
    s = torch.randn(1, 256)
    forced = torch.tensor([2, 2, 2, 2, 2])
    folded = copy.deepcopy(model)
    folded.fold_weight_norm()
    a, _ = model(ids, s, durations=forced)
    b, _ = folded(ids, s, durations=forced)
    assert torch.allclose(a, b, atol=1e-4)


@pytest.mark.parametrize(
    "tokens, pack, message",
    [
        ([], torch.zeros(510, 1, 256), "empty"),
        ([50] * (MAX_TOKENS + 1), torch.zeros(510, 1, 256), "exceed"),
        ([50, 51], torch.zeros(510, 256), "shape"),
    ],
)
def test_speak_rejects_bad_input(model: KModel, tokens, pack, message) -> None:
    with pytest.raises(UsageError, match=message):
        model.speak(tokens, pack)


@pytest.mark.parametrize("dilation", [1, 3, 5])
def test_long_convolutions_in_segments_equal_one_pass(dilation: int) -> None:
    import torch.nn.functional as F

    from kokoro_cli.model.modules import SEGMENT, _segmented_conv1d

    x = torch.randn(1, 8, 2 * SEGMENT + 777)
    w = torch.randn(8, 8, 11)
    b = torch.randn(8)
    pad = (11 * dilation - dilation) // 2
    whole = F.conv1d(x, w, b, padding=pad, dilation=dilation)

    def conv(piece: torch.Tensor, padding: int) -> torch.Tensor:
        return F.conv1d(piece, w, b, padding=padding, dilation=dilation)

    pieces = _segmented_conv1d(x, conv, 8, dilation * 10, pad)
    assert torch.allclose(pieces, whole, atol=1e-4)


@pytest.mark.parametrize(
    "shape",  # c_in, c_out, kernel, stride, dilation, groups, bias, width (long: in segments)
    [
        (64, 96, 3, 1, 1, 1, True, 101),
        (32, 32, 11, 1, 5, 1, True, 2 * 8192 + 333),
        (1, 1, 3, 2, 1, 1, True, 200),
        (48, 16, 1, 1, 1, 1, False, 77),
        (16, 16, 3, 1, 1, 16, True, 50),
    ],
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_prepacked_conv_equals_the_plain_one(shape: tuple, dtype: torch.dtype) -> None:
    from kokoro_cli.model.modules import WNConv1d

    c_in, c_out, k, stride, dilation, groups, bias, width = shape
    pad = dilation * (k - 1) // 2
    conv = WNConv1d(c_in, c_out, k, stride, pad, dilation, groups, bias)
    if bias:
        nn.init.normal_(conv.bias)
    conv.fold()
    conv.to(dtype)
    x = torch.randn(1, c_in, width, dtype=dtype)
    plain = conv(x)
    if k == 1:  # kept plain on purpose: oneDNN's packed 1x1 is very slow on short inputs
        assert not conv.prepack() and conv.weight is not None
        assert torch.equal(conv(x), plain)
        return
    assert conv.prepack(), "this torch build has oneDNN: packing must happen"
    assert conv.weight is None  # the plain copy is freed, so the packed path really runs
    packed = conv(x)
    assert packed.shape == plain.shape
    tol = 1e-4 if dtype == torch.float32 else 2e-2
    assert torch.allclose(packed.float(), plain.float(), rtol=tol, atol=tol)


def test_seeded_noise_repeats(model: KModel) -> None:
    ids = torch.tensor([[0, 50, 83, 54, 0]])
    s = torch.randn(1, 256)
    forced = torch.tensor([3, 3, 3, 3, 3])
    model.noise = True
    try:
        runs = []
        for _ in range(2):
            model.generator = torch.Generator().manual_seed(1234)
            runs.append(model(ids, s, durations=forced)[0])
    finally:
        model.noise, model.generator = False, None
    assert torch.equal(runs[0], runs[1])


def test_run_lstm_equals_torch_lstm() -> None:
    """One utterance as it is; in a padded batch the padding stays out of both directions."""
    from kokoro_cli.model.text_encoder import run_lstm

    lstm = torch.nn.LSTM(12, 8, 1, batch_first=True, bidirectional=True)
    x = torch.randn(1, 37, 12)
    with torch.inference_mode():
        reference = lstm(x)[0]
        ours = run_lstm(lstm, x)
        short = lstm(x[:, :30])[0]
        padded = run_lstm(lstm, x.expand(2, -1, -1), torch.tensor([37, 30]))
    assert torch.allclose(ours, reference, atol=1e-5)
    assert torch.allclose(padded[0], reference, atol=1e-5)
    assert torch.allclose(padded[1, :30], short, atol=1e-5)  # the backward pass starts at 30
    assert torch.equal(padded[1, 30:], torch.zeros(7, 16))


def test_speak_is_deterministic_per_chunk(model: KModel) -> None:
    """The same chunk always gives the same audio (resume == uninterrupted run), whatever was
    synthesized before it; another chunk draws other noise."""
    from kokoro_cli.model.voices import load_voice

    pack = load_voice("af_heart")
    noise, model.noise, model.generator = model.noise, True, None
    try:
        first = model.speak([50, 83, 54, 156, 43], pack)
        model.speak([44, 16, 102, 57], pack)  # moves torch's global generator, if it were used
        torch.manual_seed(99)
        again = model.speak([50, 83, 54, 156, 43], pack)
    finally:
        model.noise = noise
    assert np.array_equal(first, again)
