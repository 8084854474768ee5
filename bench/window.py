"""Can the decoder speak a chunk's first second before the rest is decoded? (issue 23, lever 1)

Its convolutions are local: a window with enough context on each side gives the same samples.
Its normalizations are not: every AdaIN block (5 in the decoder at frame rate, 48 in the
generator) normalizes each channel by its mean and variance over the WHOLE chunk, and each
block's statistics need the whole signal of the layer before. This script measures what that
means, on the real model in fp32 (bf16 and int8 normalize the same way):

1. the local receptive field, from the checkpoint's kernel sizes, dilations and strides;
2. the first second decoded from a window of frames (1 s + that context) against the one-shot
   decode of a long chunk: with each block's own statistics over the window, and with the
   statistics recorded from the one-shot decode (what "compute the statistics first" gives);
3. the share of the forward that comes after the last normalization, the only part that could
   be decoded late without changing a sample.

    python bench/window.py
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VOICE = "af_heart"
TEXT = (
    "The lighthouse keeper woke before dawn, as he had done every morning for thirty-one years."
    " He climbed the narrow stairs and counted the steps out of habit."
)
HEAD_SECONDS = 1.0


def receptive_field(c) -> dict[str, int]:  # c: ModelConfig
    """One-sided context in output samples that each part's local operations need."""
    ist = c.istftnet
    frame = 600  # samples per duration frame (config.FRAME_SAMPLES)
    step = math.prod(ist.upsample_rates) * ist.gen_istft_hop_size  # samples per generator input
    # decoder at frame rate: encode + 3 blocks of two k3 convs, then the upsampling block
    decoder = (4 * 2 + 2) * frame
    stages, rate = [], step
    for i, (u, k) in enumerate(zip(ist.upsample_rates, ist.upsample_kernel_sizes, strict=True)):
        rate //= u
        up = math.ceil(k / u) * rate * u // 2  # the transposed conv's reach
        # a resblock: per dilation d a conv of reach (k-1)d/2 then one of reach (k-1)/2
        blocks = max(
            (rk - 1) // 2 * (sum(ds) + len(ds))
            for rk, ds in zip(ist.resblock_kernel_sizes, ist.resblock_dilation_sizes, strict=True)
        )
        noise_k = 7 if i + 1 < len(ist.upsample_rates) else 11  # Generator.noise_res kernels
        noise = (noise_k - 1) // 2 * 12
        stages.append(up + (blocks + noise) * rate)
    post = 3 * ist.gen_istft_hop_size + ist.gen_istft_n_fft  # conv_post k7, then the iSTFT
    return {"decoder": decoder, "stage 1": stages[0], "stage 2": stages[1], "post": post}


def main() -> None:
    import numpy as np
    import torch

    torch.set_num_threads(2)
    sys.path.insert(0, str(HERE))
    from table import print_table

    from kokoro_cli.model import modules
    from kokoro_cli.model.kmodel import STYLE_DIM, chunk_seed
    from kokoro_cli.model.voices import load_voice
    from kokoro_cli.model.weights import load_model
    from kokoro_cli.text import chunks

    model, pack = load_model(precision="fp32"), load_voice(VOICE)
    tokens = next(c.tokens for c in chunks(TEXT, "en-us", fast_start=False) if c.tokens)
    field = receptive_field(model.config)
    context = sum(field.values())
    rows = [(f"receptive field, {k}", f"{v / 24:.0f} ms", f"{v} samples") for k, v in field.items()]
    rows.append(("receptive field, one side", f"{context / 24:.0f} ms", "sum of the above"))

    ids = torch.tensor([[0, *tokens, 0]])
    ref = pack[len(tokens) - 1].float()
    s = ref[:, :STYLE_DIM]
    g = torch.Generator().manual_seed(chunk_seed(tokens, 1.0))
    with torch.inference_mode():
        asr, F0, N, _ = model.align(ids, ref, 1.0, None)
        source = model.decoder.generator.source(F0, g, True)  # whole chunk: phase and noise
    frames = asr.shape[-1]

    # every AdaIN normalization goes through scaled_instance_norm: record or replay its stats
    recorded: list[tuple] = []
    mode = {"record": False, "replay": None}
    original = modules.scaled_instance_norm

    def norm(x, scale, shift):
        if mode["replay"] is not None:
            mean, var = mode["replay"].pop(0)
        else:
            mean = x.mean(dim=-1, keepdim=True)
            var = x.var(dim=-1, unbiased=False, keepdim=True)
            if mode["record"]:
                recorded.append((mean, var))
        y = (x - mean) * torch.rsqrt(var + 1e-5)
        return y * scale.unsqueeze(-1) + shift.unsqueeze(-1)

    modules.scaled_instance_norm = norm

    def decode(n_frames: int) -> np.ndarray:
        with torch.inference_mode():
            a = model.decoder(
                asr[..., :n_frames], F0[..., : 2 * n_frames], N[..., : 2 * n_frames], s,
                source[..., : n_frames * 600],
            )  # fmt: skip
        return a.squeeze(0).float().numpy()

    try:
        mode["record"] = True
        whole = decode(frames)
        mode["record"] = False
        head = int(HEAD_SECONDS * 24_000)
        window = min(frames, math.ceil((head + context) / 600) + 1)
        own = decode(window)
        mode["replay"] = list(recorded)
        replayed = decode(window)
        mode["replay"] = None
    finally:
        modules.scaled_instance_norm = original

    def compare(a: np.ndarray, name: str) -> None:
        d = a[:head].astype(np.float64) - whole[:head]
        snr = 10 * np.log10(np.sum(whole[:head] ** 2.0) / max(np.sum(d * d), 1e-30))
        rows.append(
            (
                f"first {HEAD_SECONDS:g} s from a {window * 600 / 24_000:.2f} s window, {name}",
                "equal" if not d.any() else f"{snr:.1f} dB",
                f"max |difference| {np.abs(d).max():.2e} (one-shot: {whole.shape[0] / 24_000:.2f} s)",
            )
        )

    compare(own, "window's own statistics")
    compare(replayed, "the whole chunk's statistics")

    # what comes after the last normalization: each last-stage block's last conv, conv_post,
    # the inverse STFT. Timed on the whole chunk in the model as loaded (auto precision).
    auto = load_model()
    gen = auto.decoder.generator
    k = gen.num_kernels
    last = [b.convs2[-1] for b in gen.resblocks[-k:]] + [gen.conv_post]
    spent = {"late": 0.0}
    started: dict[int, float] = {}
    for m in last:
        m.register_forward_pre_hook(lambda m, a: started.__setitem__(id(m), time.perf_counter()))
        m.register_forward_hook(
            lambda m, a, o: spent.__setitem__(
                "late", spent["late"] + time.perf_counter() - started.pop(id(m))
            )
        )
    auto.speak(tokens, pack)
    totals, lates = [], []
    for _ in range(3):
        spent["late"] = 0.0
        t = time.perf_counter()
        auto.speak(tokens, pack)
        totals.append(time.perf_counter() - t)
        lates.append(spent["late"])
    share = min(lates) / min(totals)
    rows.append(
        (
            "forward after the last normalization",
            f"{100 * share:.1f} %",
            f"{1000 * min(lates):.0f} of {1000 * min(totals):.0f} ms (best of 3), without the iSTFT",
        )
    )
    print_table(rows, f"{len(tokens)} tokens, {whole.shape[0] / 24_000:.2f} s of audio")


if __name__ == "__main__":
    main()
