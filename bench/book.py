"""Long-form figures for `kokoro book`: throughput against `say`, and peak RSS against length.

    python bench/book.py                   # both (several minutes on 2 cores)
    python bench/book.py --hours 0.5 2     # the lengths of the memory run (hours of speech)
    python bench/book.py --skip-throughput

Throughput: the same text through `kokoro say -f T -o x.wav` and `kokoro book T -o x.m4b
--no-cache` (and with the cache on), fresh processes, alternating, best of ROUNDS each.

Memory: the book pipeline (text reader, front-end with espeak, segmenting, M4B encoding) on
generated text files of the given lengths, in a subprocess each, with the model replaced by a
stand-in that returns as many samples as the real one would (80 ms per phoneme token) at once:
the real model's memory is per chunk and the same for every length, while what could grow with
the book (readers, buffers, the encoder, chapter lists) is all still there. Peak RSS is
ru_maxrss of that subprocess. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ROUNDS = 2
WORDS_PER_HOUR = 2.6 * 3600  # the --plan rate
SECONDS_PER_TOKEN = 0.08  # the stand-in model's audio per phoneme token
SENTENCES = [
    "The river ran quietly past the old mill, where nobody had worked for years.",
    "She counted the boats, one by one, and wrote their names in a small notebook.",
    "At noon the bells rang twice, and the children ran out into the square.",
    "Nobody knew where the stranger came from, or why he had stopped in the village.",
]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _time(args: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kokoro_cli", *args], cwd=cwd, env=_env(), check=True)
    return time.perf_counter() - t


def throughput(text: Path, chars: int | None, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        body = text.read_text("utf-8")
        if chars:  # whole sentences up to about `chars` characters
            body = body[: body.rfind(".", 0, chars) + 1]
        (work / "t.txt").write_text(body, encoding="utf-8")
        runs: dict[str, list[float]] = {"say": [], "book --no-cache": [], "book (cache)": []}
        for _ in range(rounds):
            runs["say"].append(_time(["-q", "say", "-f", "t.txt", "-o", "s.wav"], work))
            runs["book --no-cache"].append(
                _time(["-q", "book", "t.txt", "-o", "b.m4b", "--no-cache"], work)
            )
            runs["book (cache)"].append(_time(["-q", "book", "t.txt", "-o", "c.m4b"], work))
        import soundfile

        audio = soundfile.info(work / "s.wav").duration
        print(
            f"\nthroughput on {len(body)} characters of {text.name} ({audio:.1f} s of speech; "
            "wall time of each command, model load included)"
        )
        base = min(runs["say"])
        for name, times in runs.items():
            best = min(times)
            print(f"  {name:16} best {best:6.1f} s  ({best / base:5.2f} × say)  runs {times}")


def _make_text(path: Path, hours: float) -> None:
    words = int(hours * WORDS_PER_HOUR)
    per_chapter = words // max(1, round(hours * 4))  # a chapter every 15 minutes
    with path.open("w", encoding="utf-8") as f:
        written, chapter, k = 0, 0, 0
        while written < words:
            if written >= chapter * per_chapter:
                chapter += 1
                f.write(f"\nChapter {chapter}\n\n")
            para = " ".join(SENTENCES[(k + i) % 4] for i in range(4))
            f.write(para + "\n\n")
            written += len(para.split())
            k += 1


def worker(path: str, out: str) -> None:
    """Render `path` with the stand-in model; print peak RSS (MB) and audio hours."""
    import numpy as np

    from kokoro_cli import SAMPLE_RATE, book
    from kokoro_cli.documents import read_document
    from kokoro_cli.pipeline import SynthesisConfig

    class StandIn:
        def speak(self, tokens: list[int], pack: object, speed: float = 1.0) -> np.ndarray:
            n = int(len(tokens) * SECONDS_PER_TOKEN * SAMPLE_RATE)
            return (0.01 * np.sin(np.arange(n, dtype=np.float32) * 0.05)).astype(np.float32)

    class Quiet:
        def start_chapter(self, *a: object) -> None: ...
        def advance(self, *a: object) -> None: ...
        def end_chapter(self, *a: object) -> None: ...

    doc = read_document(Path(path))
    done = book.render(
        doc,
        list(range(1, len(doc.chapters) + 1)),
        SynthesisConfig(voice="af_heart", lang="en-us"),
        StandIn(),
        output=Path(out),
        split=None,
        fmt="wav",
        narrator="af_heart",
        progress=Quiet(),
    )
    hours = sum(r.duration for r in done) / 3600
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak:.1f} {hours:.2f}")


def memory(hours_list: list[float], ext: str) -> None:
    print(f"\npeak RSS of the book pipeline writing .{ext} (stand-in model, see the docstring)")
    with tempfile.TemporaryDirectory() as tmp:
        for hours in hours_list:
            text = Path(tmp) / f"book-{hours}.txt"
            _make_text(text, hours)
            t = time.perf_counter()
            out = subprocess.run(
                [sys.executable, __file__, "--worker", str(text), str(Path(tmp) / f"o.{ext}")],
                env=_env(),
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            wall = time.perf_counter() - t
            print(
                f"  {hours:5.2f} h of text -> {float(out[1]):5.2f} h of audio: "
                f"peak RSS {float(out[0]):6.1f} MB  ({wall:.0f} s)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, nargs="+", default=[0.5, 2.0])
    parser.add_argument("--text", type=Path, default=HERE / "long_text.txt")
    parser.add_argument("--chars", type=int, help="only the first CHARS of --text")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--ext", default="m4b", help="output of the memory run: m4b, wav, ...")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if not args.skip_throughput:
        throughput(args.text, args.chars, args.rounds)
    if not args.skip_memory:
        memory(args.hours, args.ext)


if __name__ == "__main__":
    main()
