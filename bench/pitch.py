"""--pitch measured: how far the output's F0 moves, and what it costs in intelligibility.

    python bench/pitch.py                          # af_heart and am_michael, 40 sentences
    python bench/pitch.py --sentences 10 --pitches -4,0,4 --voices af_heart
    python bench/pitch.py --whisper                # also score English with Whisper base
    python bench/pitch.py --seeds 3 --pitches 0    # WER's own spread: pitch 0, other noise

Each sentence (Harvard sentences, IEEE 1969, lists 1-4; public domain) is spoken alone, once
per pitch, through pipeline.synthesize() with SynthesisConfig(pitch=N). Its F0 is tracked with
librosa's pYIN (tests/pitch_helpers.py). "shift" is how far the median F0 of all voiced frames
of all sentences lies from the same at pitch 0, in semitones; the notes add the median of the
sentences' own shifts (each sentence's median F0 against itself at pitch 0) and the worst
sentence's error. One sentence's median is a noisy figure: its ~80 voiced frames often fall
into two clusters (phrase start and end) and the median hops between them, while the whole
distribution moves as asked (its 10th and 90th percentiles do). WER is
pocketsphinx en-us free recognition pooled over the sentences (tests/test_intelligibility.py's
scoring: homophones match, 0.3 s of lead-in silence), and with --whisper also Whisper base
(faster-whisper int8, greedy). Prints the load average before and after: pYIN and the model
share the 2 cores with whatever else runs.

What a WER difference means: the model's harmonic source draws random phases and noise, seeded
from the chunk, so one text always sounds the same; `--seeds N` speaks the sentences at pitch 0
with N other seeds, and the spread of their WER is what a difference of nothing looks like.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

HARVARD = [
    # list 1
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
    # list 2
    "The boy was there when the sun rose.",
    "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.",
    "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.",
    "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.",
    "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.",
    "The girl at the booth sold fifty bonds.",
    # list 3
    "The small pup gnawed a hole in the sock.",
    "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.",
    "The swan dive was far short of perfect.",
    "The beauty of the view stunned the young boy.",
    "Two blue fish swam in the tank.",
    "Her purse was full of useless trash.",
    "The colt reared and threw the tall rider.",
    "It snowed, rained, and hailed the same morning.",
    "Read verse out loud for pleasure.",
    # list 4
    "Hoist the load to your left shoulder.",
    "Take the winding path to reach the lake.",
    "Note closely the size of the gas tank.",
    "Wipe the grease off his dirty face.",
    "Mend the coat before you go out.",
    "The wrist was badly strained and hung limp.",
    "The stray cat gave birth to kittens.",
    "The young girl gave no clear response.",
    "The meal was cooked before the bell rang.",
    "What joy there is in living.",
]


def reference(text: str) -> str:
    """The words as the recognizers write them: lower case, no punctuation."""
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c in " '").split())


def speak(model, text: str, voice: str, pitch: float, seed: int | None = None) -> np.ndarray:  # noqa: ANN001
    import torch

    from kokoro_cli.pipeline import SynthesisConfig, synthesize

    config = SynthesisConfig(voice=voice, pitch=pitch, fast_start=False)
    model.generator = None if seed is None else torch.Generator().manual_seed(seed)
    try:
        return np.concatenate([c.audio for c in synthesize(text, config, model)])
    finally:
        model.generator = None


def load_whisper():  # noqa: ANN201 - a faster_whisper.WhisperModel
    import faster_whisper

    from tests.test_cjk_intelligibility import whisper_dir

    folder = whisper_dir(ROOT / ".pytest_cache" / "kokoro-cjk")
    return faster_whisper.WhisperModel(str(folder), device="cpu", compute_type="int8",
                                       cpu_threads=2)  # fmt: skip


def whisper_text(whisper, audio: np.ndarray) -> str:  # noqa: ANN001
    from tests.test_cjk_intelligibility import to_16k

    segments, _ = whisper.transcribe(
        to_16k(audio), language="en", beam_size=1, without_timestamps=True,
        condition_on_previous_text=False, vad_filter=False,
    )  # fmt: skip
    return reference(" ".join(s.text for s in segments))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--voices", default="af_heart,am_michael")
    ap.add_argument("--pitches", default="-12,-8,-4,-2,0,2,4,8,12")
    ap.add_argument("--sentences", type=int, default=len(HARVARD))
    ap.add_argument("--whisper", action="store_true", help="also score with Whisper base")
    ap.add_argument("--seeds", type=int, default=0, help="pitch 0 again with N noise seeds")
    args = ap.parse_args()
    os.environ.setdefault("KOKORO_CACHE_DIR", str(ROOT / ".pytest_cache" / "kokoro-weights"))

    import pocketsphinx

    from bench.table import print_table
    from kokoro_cli.model.weights import load_model
    from tests.pitch_helpers import semitones, voiced_f0
    from tests.test_intelligibility import ASR_RATE, LEAD_IN, overall_wer, pcm16, recognize

    pitches = [float(p) for p in args.pitches.split(",")]
    if 0.0 not in pitches:
        pitches.insert(0, 0.0)
    texts = HARVARD[: args.sentences]
    refs = [reference(t) for t in texts]
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    started = time.perf_counter()
    model = load_model()
    decoder = pocketsphinx.Decoder(samprate=ASR_RATE, loglevel="FATAL")
    whisper = load_whisper() if args.whisper else None
    room = np.zeros(round(LEAD_IN * 24_000), dtype=np.float32)
    rows = []
    for voice in args.voices.split(","):
        base: list[float] = []
        pooled0 = wer0 = whisper0 = 0.0
        runs = [(p, None) for p in sorted(pitches, key=lambda p: (p != 0, p))]  # 0 first
        runs += [(0.0, seed) for seed in range(1, args.seeds + 1)]
        for pitch, seed in runs:
            tracks, hyps, heard = [], [], []
            for text in texts:
                audio = speak(model, text, voice, pitch, seed)
                tracks.append(voiced_f0(audio))
                hyps.append(recognize(decoder, pcm16(np.concatenate([room, audio, room]))))
                if whisper is not None:
                    heard.append(whisper_text(whisper, audio))
            wer, _ = overall_wer(refs, hyps)
            f0s = [float(np.median(t)) for t in tracks]
            pooled = float(np.median(np.concatenate(tracks)))
            if pitch == 0 and seed is None:
                base, pooled0, wer0 = f0s, pooled, wer
            shifts = [semitones(f, b) for f, b in zip(f0s, base, strict=True)]
            worst = max(abs(s - pitch) for s in shifts)
            note = (
                f"sentences {np.median(shifts):+.2f} st, worst off by {worst:.2f}; "
                f"F0 {pooled:.0f} Hz; WER {wer:.3f} ({wer - wer0:+.3f})"
            )
            if whisper is not None:
                wwer, _ = overall_wer(refs, heard)
                whisper0 = wwer if pitch == 0 and seed is None else whisper0
                note += f"; Whisper WER {wwer:.3f} ({wwer - whisper0:+.3f})"
            value = f"{semitones(pooled, pooled0):+.2f} st"
            name = f"{voice} pitch {pitch:+g}" + (f", noise seed {seed}" if seed else "")
            rows.append((name, value, note))
            print(rows[-1], file=sys.stderr, flush=True)
    print_table(rows, heading=f"F0 shift over {len(texts)} sentences")
    print(f"\n{time.perf_counter() - started:.0f} s; load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
