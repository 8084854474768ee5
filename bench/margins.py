"""Does the lead-in delay the first speech? First audio, before and after the margins (issue 27).

Fresh processes, alternated: this checkout with its default margins, the same with --trim's
(lead_in=0, tail=0), and the code of a git revision (default `main`, exported to a temporary
folder). Each loads the model, then times a long text through pipeline.synthesize() with short
first chunks, as `kokoro say` does for a listener: to the first chunk of any kind (with the
margins: the lead-in's silence) and to the first chunk of speech, which is what bench/run.py's
"first audio" row reports. Then the pipeline's own time to the first speech with a stand-in
model that answers at once (both arms alternated in one process): what the margins add, apart
from the model's time and its noise. Prints medians and the load average; asserts nothing.

    python bench/margins.py                 # 5 rounds against main
    python bench/margins.py --rev HEAD~3 --rounds 9
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
THREADS = 2


def worker(text_path: str, trim: bool) -> None:
    """One measurement, in its own process: printed as a JSON line."""
    import threading

    import torch

    torch.set_num_threads(THREADS)
    from kokoro_cli.model.weights import load_model
    from kokoro_cli.pipeline import SynthesisConfig, synthesize
    from kokoro_cli.text import warm_up

    front_end = threading.Thread(target=warm_up, args=("en-us",))  # as `kokoro say` does
    front_end.start()
    model = load_model()
    front_end.join()
    text = Path(text_path).read_text("utf-8")
    edges = {"lead_in": 0.0, "tail": 0.0} if trim else {}
    t = time.perf_counter()
    first_any = first_speech = None
    lead = 0
    for chunk in synthesize(text, SynthesisConfig(**edges), model):
        now = time.perf_counter() - t
        if first_any is None:
            first_any = now
        if chunk.text:
            first_speech = now
            break
        lead += len(chunk.audio)
    import kokoro_cli

    row = {"any": first_any, "speech": first_speech, "silence_before": lead / 24000}
    print(json.dumps({**row, "code": str(Path(kokoro_cli.__file__).parent)}))


def overhead(text_path: str, rounds: int) -> None:
    """What the margins add to the pipeline's own work before the first speech, without the
    model's time and its noise: a stand-in model that answers at once, both arms alternated
    in one process. Printed as a JSON line."""
    import numpy as np

    from kokoro_cli.model.config import FRAME_SAMPLES
    from kokoro_cli.pipeline import SynthesisConfig, synthesize

    class Instant:
        def speak_timed(self, tokens: list[int], pack: object, speed: float = 1.0) -> tuple:
            durations = [2] * len(tokens)
            return np.full(sum(durations) * FRAME_SAMPLES, 0.1, np.float32), durations

    text = Path(text_path).read_text("utf-8")
    arms = {"margins": SynthesisConfig(), "trim": SynthesisConfig(lead_in=0, tail=0)}
    times: dict[str, list[float]] = {name: [] for name in arms}
    for _ in range(rounds + 1):  # the first round warms espeak and the voicepack up
        for name, config in arms.items():
            t = time.perf_counter()
            chunks = synthesize(text, config, Instant())
            next(c for c in chunks if c.text)
            times[name].append(time.perf_counter() - t)
            chunks.close()
    print(json.dumps({name: statistics.median(ts[1:]) for name, ts in times.items()}))


def measure(pythonpath: Path, text: Path, trim: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, __file__, "--worker", str(text)] + ["--trim"] * trim
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=pythonpath)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--trim", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--rev", default="main", help="git revision to compare against (main)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--text", default=str(HERE / "long_text.txt"))
    ap.add_argument("--overhead", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.trim)
        return
    if args.overhead:
        overhead(args.text, 50)
        return
    with tempfile.TemporaryDirectory(prefix="kokoro-bench-rev-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.rev, "kokoro_cli", "voices"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        arms = {
            f"{args.rev} (no margins)": (Path(tmp), False),
            "this checkout, margins": (ROOT, False),
            "this checkout, --trim": (ROOT, True),
        }
        text = Path(args.text).resolve()
        for path, trim in arms.values():  # warm-up: weight cache, page cache; not counted
            measure(path, text, trim)
        results: dict[str, list[dict]] = {name: [] for name in arms}
        loads = [os.getloadavg()[0]]
        names = list(arms)
        for n in range(args.rounds):
            # interleaved, each round in another order: the same load for each arm
            for name in names[n % len(names) :] + names[: n % len(names)]:
                path, trim = arms[name]
                results[name].append(measure(path, text, trim))
            loads.append(os.getloadavg()[0])
    base = statistics.median(r["speech"] for r in next(iter(results.values())))
    print(f"first audio after model ready, {args.rounds} rounds interleaved, median (range)")
    print(f"{'':32s} {'first speech':>22s} {'ratio':>6s} {'first chunk':>12s} {'silence':>8s}")
    for name, rows in results.items():
        speech = sorted(r["speech"] for r in rows)
        first = statistics.median(r["any"] for r in rows)
        print(
            f"{name:32s} {statistics.median(speech):6.3f} s ({speech[0]:.3f}-{speech[-1]:.3f})"
            f" {statistics.median(speech) / base:6.2f} {first:10.3f} s"
            f" {rows[0]['silence_before']:6.2f} s"
        )
    print(f"load average (1 min) during the runs: {min(loads):.1f}-{max(loads):.1f}")
    cost = subprocess.run(
        [sys.executable, __file__, "--overhead", "--text", str(text)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    cost = json.loads(cost.stdout.strip().splitlines()[-1])
    print(
        "the pipeline's own time to the first speech, a stand-in model that answers at once"
        f" (median of 50, alternated): margins {cost['margins'] * 1e3:.2f} ms,"
        f" --trim {cost['trim'] * 1e3:.2f} ms"
    )
    for name, rows in results.items():
        print(f"{name}: code from {rows[0]['code']}")


if __name__ == "__main__":
    main()
