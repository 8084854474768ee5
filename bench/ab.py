"""Before and after, in the same run: sentence latency of two checkouts, interleaved.

Runs the same worker from this checkout and from another one (`--base`, e.g. a worktree of
main) in alternating fresh processes, so that a slow spell of a shared machine falls on both.
Each worker loads the model, warms it up on one sentence, then synthesizes each of SENTENCES
(first chunk only, through pipeline.synthesize) and reports per sentence the wall time, and
the process's CPU time (user + sys, all threads: a busy machine inflates it far less than
the wall time). Also checks that both checkouts made the same audio, bit for bit.

    python bench/ab.py --base /path/to/main              # 2 threads, 4 rounds
    python bench/ab.py --base /path/to/main --threads 1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VOICE = "af_heart"
# ten-word sentences, as a reader (or an LLM) writes them, one after another
SENTENCES = [
    "The quick brown fox jumps over the lazy dog near the river.",
    "She sold seven shells by the shore before the storm rolled in.",
    "Please remember to bring the blue folder to the meeting tomorrow.",
    "A small cat slept on the warm windowsill all afternoon long.",
    "Our train leaves at noon, so we should pack our bags tonight.",
    "The old library smells of dust, leather and forgotten stories.",
]


def worker(threads: int) -> dict:
    import numpy as np
    import torch

    import kokoro_cli

    torch.set_num_threads(threads)
    from kokoro_cli.model.weights import load_model
    from kokoro_cli.pipeline import SynthesisConfig, synthesize
    from kokoro_cli.text import warm_up

    warm_up("en-us")
    model = load_model()
    config = SynthesisConfig(voice=VOICE)
    next(iter(synthesize("Hello there.", config, model)))  # as `kokoro serve` warms up
    out: dict = {"wall": [], "cpu": [], "digest": hashlib.sha256(), "code": kokoro_cli.__file__}
    for text in SENTENCES:
        t, c = time.perf_counter(), time.process_time()
        chunk = next(iter(synthesize(text, config, model)))
        out["wall"].append(time.perf_counter() - t)
        out["cpu"].append(time.process_time() - c)
        out["digest"].update(np.ascontiguousarray(chunk.audio).tobytes())
    out["digest"] = out["digest"].hexdigest()[:16]
    return out


def run(tree: Path, threads: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": str(threads)}
    env["KOKORO_SERVER"] = "off"
    cmd = [sys.executable, str(HERE / "ab.py"), "--worker", "--threads", str(threads)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tree)
    if done.returncode:
        raise SystemExit(f"bench: worker in {tree} failed:\n{done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if not out["code"].startswith(str(tree)):  # PYTHONPATH must win over the installed copy
        raise SystemExit(f"bench: the worker for {tree} ran the code in {out['code']}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--base", type=Path, help="the other checkout (before)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=4, help="processes per checkout")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.threads)))
        return
    if args.base is None:
        ap.error("--base is required: the checkout to compare with")
    sys.path.insert(0, str(HERE))
    from table import print_table

    trees = {"before": args.base.resolve(), "after": ROOT}
    got: dict[str, list[dict]] = {k: [] for k in trees}
    load = [os.getloadavg()[0]]
    for i in range(args.rounds):
        order = list(trees) if i % 2 == 0 else list(reversed(trees))
        for name in order:
            got[name].append(run(trees[name], args.threads))
    load.append(os.getloadavg()[0])
    rows = []
    for what in ("wall", "cpu"):
        med = {k: statistics.median(v for r in runs for v in r[what]) for k, runs in got.items()}
        rows.append(
            (
                f"sentence, {what} (median)",
                f"{1000 * med['after']:.0f} ms",
                f"before {1000 * med['before']:.0f} ms, after/before {med['after'] / med['before']:.3f}",
            )
        )
    same = {r["digest"] for runs in got.values() for r in runs}
    rows.append(("same audio before and after", "yes" if len(same) == 1 else "NO", str(same)))
    heading = (
        f"{len(SENTENCES)} sentences x {args.rounds} processes each, {args.threads} thread(s),"
        f" load average {load[0]:.1f} -> {load[1]:.1f}"
    )
    print_table(rows, heading)


if __name__ == "__main__":
    main()
