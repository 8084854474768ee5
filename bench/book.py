"""Long-form figures for `kokoro book`: throughput against `say`, and peak RSS against length.

    python bench/book.py                   # both (~6 minutes on 2 quiet cores)
    python bench/book.py --skip-memory --rounds 5   # the throughput figures of bench/README.md
    python bench/book.py --chars 700       # throughput on the first 700 characters only
    python bench/book.py --hours 1 10      # the lengths of the memory run (the default)
    python bench/book.py --skip-throughput
    python bench/book.py --skip-throughput --subtitles json --words   # with word cues too

Throughput: the same text through say's path (synthesize() into a WAV file) and book.render()
(title, pauses, M4B encoding; chunk cache off and on), in one process with the model loaded
once, alternating, best of ROUNDS each: model loading would only add the same noise to both.
The book speaks a little more (the chapter's title and its pause), so the time per second of
audio is compared too.

Memory: the book pipeline (text reader, front-end with espeak, segmenting, M4B encoding) on
generated text files of the given lengths, in a subprocess each, with the model replaced by a
stand-in that returns as many samples as the real one would (80 ms per phoneme token) at once:
the real model's memory is per chunk and the same for every length, while what could grow with
the book (readers, buffers, the encoder, chapter lists, subtitle cues) is all still there. The
stand-in also returns token durations, so --subtitles gets real cues. Peak RSS is ru_maxrss of
that subprocess. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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
TOKEN_FRAMES = [3, 3, 3, 3, 4]  # its durations, in model frames: 3.2 x 25 ms = 80 ms a token
SENTENCES = [
    "The river ran quietly past the old mill, where nobody had worked for years.",
    "She counted the boats, one by one, and wrote their names in a small notebook.",
    "At noon the bells rang twice, and the children ran out into the square.",
    "Nobody knew where the stranger came from, or why he had stopped in the village.",
]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def synth_worker(text_path: str, rounds: int) -> None:
    """One process, one model: say's path (synthesize() into a WAV sink) and book.render()
    (title, pauses, M4B, chunk cache on and off) on the same text, alternating."""
    import tempfile

    from kokoro_cli.audio.sinks import FORMATS, FileSink
    from kokoro_cli.documents import read_document
    from kokoro_cli.jobs import book
    from kokoro_cli.jobs.chunk_cache import CachedModel
    from kokoro_cli.model.weights import load_model
    from kokoro_cli.pipeline import SynthesisConfig, synthesize

    class Quiet:
        def start_chapter(self, *a: object) -> None: ...
        def advance(self, *a: object) -> None: ...
        def end_chapter(self, *a: object) -> None: ...

    text = Path(text_path).read_text("utf-8")
    model = load_model()
    config = SynthesisConfig(voice="af_heart", lang="en-us", fast_start=False)
    out = Path(tempfile.mkdtemp())
    times: dict[str, list[float]] = {"say": [], "book --no-cache": [], "book (cache)": []}
    audio = dict.fromkeys(times, 0.0)  # seconds of audio each path writes
    for _ in range(rounds):
        t = time.perf_counter()
        sink = FileSink(out / "s.wav", FORMATS["wav"])
        said = 0.0
        for chunk in synthesize(text, config, model):
            sink.write(chunk.audio)
            said += chunk.duration
        sink.commit()
        times["say"].append(time.perf_counter() - t)
        audio["say"] = said
        for name, cached in (("book --no-cache", False), ("book (cache)", True)):
            t = time.perf_counter()
            engine = CachedModel(model, out / "chunks", "bench") if cached else model
            doc = read_document(Path(text_path))
            done = book.render(
                doc,
                [1],
                config,
                engine,
                output=out / "b.m4b",
                split=None,
                fmt="wav",
                narrator="af_heart",
                progress=Quiet(),
            )
            if cached:
                engine.forget()  # every round computes every chunk
            times[name].append(time.perf_counter() - t)
            audio[name] = sum(r.duration for r in done)  # with its title and pauses
    shutil.rmtree(out)
    print(json.dumps({"audio": audio, "times": times}))


def throughput(text: Path, chars: int | None, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        body = text.read_text("utf-8")
        if chars:  # whole sentences up to about `chars` characters
            body = body[: body.rfind(".", 0, chars) + 1]
        path = Path(tmp) / "t.txt"
        path.write_text(body, encoding="utf-8")
        out = subprocess.run(
            [sys.executable, __file__, "--synth-worker", str(path), str(rounds)],
            env=_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = json.loads(out)
        audio = result["audio"]
        print(
            f"\nsynthesis time on {len(body)} characters of {text.name} "
            f"({audio['say']:.1f} s of speech; one process, model loaded once, alternating)"
        )
        base = min(result["times"]["say"])
        for name, times in result["times"].items():
            best = min(times)
            runs = ", ".join(f"{x:.1f}" for x in times)
            # the book also speaks the chapter's title and its pause: compare per audio second
            per = best / audio[name] / (base / audio["say"])
            print(
                f"  {name:16} best {best:6.1f} s ({best / base:5.2f} × say) for "
                f"{audio[name]:6.1f} s of audio ({per:5.2f} × say per audio second)  runs {runs}"
            )


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


def worker(path: str, out: str, subtitles: str = "", words: bool = False) -> None:
    """Render `path` with the stand-in model (and `subtitles`, a kind, beside `out`); print
    peak RSS (MB) and audio hours."""
    import numpy as np

    from kokoro_cli.documents import read_document
    from kokoro_cli.jobs import book
    from kokoro_cli.model.config import FRAME_SAMPLES
    from kokoro_cli.pipeline import SynthesisConfig

    class StandIn:
        def speak(self, tokens: list[int], pack: object, speed: float = 1.0) -> np.ndarray:
            return self.speak_timed(tokens, pack, speed)[0]

        def speak_timed(self, tokens: list[int], pack: object, speed: float = 1.0) -> tuple:
            durations = np.resize(TOKEN_FRAMES, len(tokens) + 2)  # and the two pads
            n = int(durations.sum()) * FRAME_SAMPLES
            wave = (0.01 * np.sin(np.arange(n, dtype=np.float32) * 0.05)).astype(np.float32)
            return wave, durations

    class Quiet:
        def start_chapter(self, *a: object) -> None: ...
        def advance(self, *a: object) -> None: ...
        def end_chapter(self, *a: object) -> None: ...

    doc = read_document(Path(path))
    from kokoro_cli.audio.timing import CueSpool

    timings = CueSpool(by_word=words) if subtitles else None
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
        timings=timings,
    )
    if timings is not None:  # as book.run() writes them
        timings.write(Path(out).with_suffix(f".{subtitles}"), subtitles)
    hours = sum(r.duration for r in done) / 3600
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak:.1f} {hours:.2f}")


def memory(hours_list: list[float], ext: str, subtitles: str, words: bool) -> None:
    also = f" and {'word' if words else 'sentence'} cues in .{subtitles}" if subtitles else ""
    print(
        f"\npeak RSS of the book pipeline writing .{ext}{also} (stand-in model, see the docstring)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for hours in hours_list:
            text = Path(tmp) / f"book-{hours}.txt"
            _make_text(text, hours)
            t = time.perf_counter()
            out = subprocess.run(
                [sys.executable, __file__, "--worker", str(text), str(Path(tmp) / f"o.{ext}")]
                + [subtitles or "-", "words" if words else "sentences"],
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
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--text", type=Path, default=HERE / "long_text.txt")
    parser.add_argument("--chars", type=int, help="only the first CHARS of --text")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--ext", default="m4b", help="output of the memory run: m4b, wav, ...")
    parser.add_argument("--subtitles", choices=["srt", "vtt", "json"], help="memory run: cues too")
    parser.add_argument("--words", action="store_true", help="memory run: word cues")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--synth-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.synth_worker:
        synth_worker(args.synth_worker[0], int(args.synth_worker[1]))
        return
    if args.worker:
        text, out, kind, unit = args.worker
        worker(text, out, "" if kind == "-" else kind, unit == "words")
        return
    if not args.skip_throughput:
        throughput(args.text, args.chars, args.rounds)
    if not args.skip_memory:
        memory(args.hours, args.ext, args.subtitles or "", args.words)


if __name__ == "__main__":
    main()
