"""How exactly the output's F0 follows --pitch, frame by frame (bench/pitch.py gives medians).

    python bench/pitch_frames.py                   # 10 Harvard sentences, -4 and +4
    python bench/pitch_frames.py --sentences 3 --pitches -12,12

A shift leaves the durations alone, so the model's raw output (KModel.speak, before any
trimming) has the same length at every pitch and its frames line up. pYIN tracks each output
at the F0 curve's own rate (a value per 300 samples, 12.5 ms); for the frames voiced in both,
the shift is 12 * log2(F0 shifted / F0 at pitch 0), and the table gives its median per pitch.
The last row compares the tracked F0 at pitch 0 with the F0 curve the model predicted (its
frames above 50 Hz): how faithfully the decoder sings what it is given.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

HOP = 300  # samples per F0 curve value (model.config.FRAME_SAMPLES / 2)


def track(audio: np.ndarray) -> np.ndarray:
    """pYIN F0 per curve frame (NaN where unvoiced), at 16 kHz like tests/pitch_helpers.py."""
    import librosa

    from tests.pitch_helpers import FMAX, FMIN, FRAME, TRACK_RATE

    y = librosa.resample(audio, orig_sr=24_000, target_sr=TRACK_RATE)
    hop = HOP * TRACK_RATE // 24_000
    f0, voiced, _ = librosa.pyin(
        y, fmin=FMIN, fmax=FMAX, sr=TRACK_RATE, frame_length=FRAME, hop_length=hop
    )
    return np.where(voiced, f0, np.nan)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--voice", default="af_heart")
    ap.add_argument("--pitches", default="-4,4")
    ap.add_argument("--sentences", type=int, default=10)
    args = ap.parse_args()
    os.environ.setdefault("KOKORO_CACHE_DIR", str(ROOT / ".pytest_cache" / "kokoro-weights"))

    import torch

    from bench.pitch import HARVARD
    from bench.table import print_table
    from kokoro_cli import text as front_end
    from kokoro_cli.model import voices
    from kokoro_cli.model.weights import load_model

    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    model, pack = load_model(), voices.load_voice(args.voice)
    pitches = [float(p) for p in args.pitches.split(",")]
    shifts: dict[float, list[np.ndarray]] = {p: [] for p in pitches}
    faithful = []
    for text in HARVARD[: args.sentences]:
        tokens = next(front_end.chunks(text, "en-us", fast_start=False)).tokens
        ids = torch.tensor([[0, *tokens, 0]])
        with torch.inference_mode():
            predicted = model.align(ids, pack[len(tokens) - 1], 1.0, None)[1][0].numpy()
        plain = track(model.speak(tokens, pack))
        n = min(len(predicted), len(plain))
        sung = (predicted[:n] > 50) & np.isfinite(plain[:n])
        faithful.append(12 * np.log2(plain[:n][sung] / predicted[:n][sung]))
        for p in pitches:
            moved = track(model.speak(tokens, pack, 1.0, p))[:n]
            both = np.isfinite(plain[:n]) & np.isfinite(moved)
            shifts[p].append(12 * np.log2(moved[both] / plain[:n][both]))
    rows = []
    for p in pitches:
        frames = np.concatenate(shifts[p])
        spread = f"10th-90th percentile {np.percentile(frames, 10):+.2f} to "
        spread += f"{np.percentile(frames, 90):+.2f}; {len(frames)} frames"
        rows.append((f"{args.voice} pitch {p:+g}", f"{np.median(frames):+.2f} st", spread))
    frames = np.concatenate(faithful)
    rows.append(("pitch 0: tracked vs predicted F0", f"{np.median(frames):+.2f} st", ""))
    print_table(rows, heading=f"frame-matched F0 shift, {args.sentences} sentences")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
