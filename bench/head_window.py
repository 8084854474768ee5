"""What an inexact lever 1 would give: a live sentence's first second decoded from a window.

bench/window.py shows that a window of the decoder cannot give the one-shot samples (every AdaIN
block normalizes over the whole chunk). This measures the other way to use it, the one that
changes the sound: the prosody (PL-BERT, durations, F0, energy) and the decoder's frame-rate
blocks run on the whole sentence, so the words keep their intonation; only the generator (two
thirds of the forward) decodes the first HEAD seconds from a window with CONTEXT more frames,
and would decode the rest whole while that plays. Per ten-word sentence (af_heart, int8 as
loaded):

- the time to the first audio: align + frame-rate decoder + the generator on the window, against
  the whole forward (best of --runs);
- how far the window's first second is from the one-shot decode: the mean absolute difference
  of their log-mel spectra over the speech frames, beside the same distance for the same
  sentence drawn with another noise seed (the model's own variation between two takes);
- the level of each 100 ms of speech in the window against the one-shot decode (dB): the step
  a listener would hear where the window's audio meets the rest.

Nothing here is asserted by tests.

    python bench/head_window.py
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VOICE = "af_heart"
SENTENCES = [
    "The quick brown fox jumps over the lazy dog near the river.",
    "She walked to the market early and bought fresh bread for breakfast.",
    "Our meeting has moved to Thursday afternoon because the office is closed.",
    "Please remember to water the plants while I am away next week.",
    "The old lighthouse keeper counted every step on his way up the tower.",
    "Rain fell softly on the roof as the children finished their homework.",
]
HEAD = 1.0  # seconds of audio the window is for
CONTEXT = 16  # frames (25 ms each) decoded past the cut, so the window's end is not its edge
FRAME = 600  # samples per duration frame (model.config.FRAME_SAMPLES)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="timed forwards per sentence (best)")
    args = ap.parse_args()

    import numpy as np
    import torch

    torch.set_num_threads(2)
    import librosa

    from kokoro_cli.model.config import default_config
    from kokoro_cli.model.kmodel import STYLE_DIM, chunk_seed
    from kokoro_cli.model.voices import load_voice
    from kokoro_cli.model.weights import load_model
    from kokoro_cli.text import chunks, warm_up

    model, pack = load_model(), load_voice(VOICE)
    warm_up("en-us")
    space = default_config().vocab[" "]
    dec = model.decoder

    def mel(a):
        m = librosa.feature.melspectrogram(
            y=a.astype(np.float32), sr=24_000, n_fft=1024, hop_length=240, n_mels=80
        )
        return 10 * np.log10(m + 1e-8)

    def distance(a, b) -> float:
        A, B = mel(a), mel(b)
        speech = A.max(axis=0) > A.max() - 50
        return float(np.mean(np.abs(A - B)[:, speech]))

    def level(a) -> float:
        return 20 * np.log10(np.sqrt(np.mean(a.astype(np.float64) ** 2)) + 1e-9)

    def measure(text: str) -> tuple[str, str, str, str]:
        tokens = next(c.tokens for c in chunks(text, "en-us", fast_start=False) if c.tokens)
        ids = torch.tensor([[0, *tokens, 0]])
        ref = pack[len(tokens) - 1].float()
        s = ref[:, :STYLE_DIM]

        def whole(seed: int):
            g = torch.Generator().manual_seed(seed)
            with torch.inference_mode():
                asr, F0, N, dur = model.align(ids, ref, 1.0, None)
                src = dec.generator.source(F0, g, True)
                return dec(asr, F0, N, s, src, False).squeeze(0).float().numpy(), dur

        def head() -> tuple:
            g = torch.Generator().manual_seed(chunk_seed(tokens, 1.0))
            with torch.inference_mode():
                asr, F0, N, dur = model.align(ids, ref, 1.0, None)
                src = dec.generator.source(F0, g, True)
                # the word boundary nearest HEAD seconds (a space token's end)
                ends = np.cumsum(dur.numpy())
                cuts = [
                    int(ends[i - 1]) for i in range(1, len(tokens) + 1) if tokens[i - 1] == space
                ]
                cut = min(cuts, key=lambda f: abs(f - HEAD * 24_000 / FRAME))
                stop = min(asr.shape[-1], cut + CONTEXT)
                x = dec.frame_rate(asr, F0, N, s)
                out = dec.generator(x[..., : 2 * stop], s, src[..., : stop * FRAME], False)
                return out.squeeze(0).float().numpy(), cut * FRAME

        seed = chunk_seed(tokens, 1.0)
        one_shot, _ = whole(seed)
        window, cut = head()
        other, _ = whole(seed + 1)
        t_whole, t_head = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            whole(seed)
            t_whole.append(time.perf_counter() - t)
            t = time.perf_counter()
            head()
            t_head.append(time.perf_counter() - t)
        a, b = window[:cut], one_shot[:cut]
        steps = [level(a[k : k + 2400]) - level(b[k : k + 2400])
                 for k in range(0, cut, 2400) if level(b[k : k + 2400]) > -40]  # fmt: skip
        return (
            text[:34],
            f"{1000 * min(t_head):.0f} / {1000 * min(t_whole):.0f} ms",
            f"{distance(a, b):.2f} dB (other seed {distance(other[:cut], b):.2f})",
            f"{min(steps):+.1f} .. {max(steps):+.1f} dB",
        )

    rows = [measure(text) for text in SENTENCES]
    print(
        f"\nfirst {HEAD:g} s of each sentence from a generator window (+{CONTEXT} frames), "
        f"load average {open('/proc/loadavg').read().split()[0]} at the end"
    )
    head_row = ("sentence", "first audio (window / whole)", "log-mel distance to one-shot",
                "level per 100 ms vs one-shot")  # fmt: skip
    for row in [head_row, *rows]:
        print(f"{row[0]:<36}{row[1]:<30}{row[2]:<36}{row[3]}")


if __name__ == "__main__":
    main()
