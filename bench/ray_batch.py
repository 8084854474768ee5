"""`kokoro batch --engine ray` against the local engine on the same files, and Ray's start-up cost.

Runs the real CLI: `--engine ray --workers 2 --threads-per-worker 1` (a private local cluster,
started and stopped by the run) against local `--jobs 2` on the same short files, alternating
the two and keeping each one's best wall time. Wall times are whole processes: model loads and
Ray's cluster start-up included. Prints one table; nothing here is asserted by the tests.
Skipped (with a note) when Ray is not installed.

    python bench/ray_batch.py               # 100 files, 2 rounds (a few minutes)
    python bench/ray_batch.py --files 20    # quicker
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 2  # alternating runs of each engine; the best of each counts
KOKORO = [sys.executable, "-m", "kokoro_cli", "-q"]
ENGINES = {
    "local --jobs 2": ["--jobs", "2"],
    "ray --workers 2 --threads-per-worker 1": [
        "--engine", "ray", "--workers", "2", "--threads-per-worker", "1",
    ],
}  # fmt: skip
START_STOP = """
import time
t = time.perf_counter()
from types import SimpleNamespace
from kokoro_cli.jobs import batch_ray
cluster = batch_ray.Cluster(workers=2)
ray = batch_ray.import_ray(cluster)
imported = time.perf_counter()
batch_ray._connect(ray, cluster, SimpleNamespace(verbose=False))
up = time.perf_counter()
ray.shutdown()
print(imported - t, up - imported, time.perf_counter() - up)
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd[2:6])} failed:\n{p.stderr[-2000:]}")
    return wall, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--files", type=int, default=100, help="short files to synthesize")
    args = ap.parse_args()
    if importlib.util.find_spec("ray") is None:
        print("bench/ray_batch.py: Ray is not installed (pip install 'kokoro-cli[ray]'); skipped")
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.setdefault("KOKORO_CACHE_DIR", str(Path(tempfile.gettempdir()) / "kokoro-bench-cache"))
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for i in range(args.files):
            (src / f"{i:03d}.txt").write_text(
                f"This is short file number {i}. It has two sentences.\n"
            )
        one = Path(tmp) / "one"
        one.mkdir()
        (one / "000.txt").write_text("This is short file number 0. It has two sentences.\n")
        timed([*KOKORO, "batch", str(one), "-o", f"{tmp}/warm"], env)  # the weight cache

        best: dict[str, list[float]] = {name: [] for name in ENGINES}
        single: dict[str, float] = {}
        for r in range(ROUNDS):
            for name, opts in ENGINES.items():
                wall, _ = timed(
                    [*KOKORO, "batch", str(src), "-o", f"{tmp}/round{r}-{name[:3]}", *opts], env
                )
                best[name].append(wall)
        for r in range(ROUNDS):  # one file: start-up costs, alternated too; best of each
            for name, opts in ENGINES.items():
                wall, _ = timed(
                    [*KOKORO, "batch", str(one), "-o", f"{tmp}/single{r}-{name[:3]}", *opts], env
                )
                single[name] = min(wall, single.get(name, wall))
        starts = []
        for _ in range(ROUNDS):
            _, out = timed([sys.executable, "-c", START_STOP], env)
            starts.append(tuple(float(x) for x in out.split()))
        imports, start, stop = min(starts, key=lambda s: s[1])

    rate = {name: args.files / min(walls) for name, walls in best.items()}
    for name, walls in best.items():
        spread = ", ".join(f"{w:.1f}" for w in walls)
        rows.append(
            (f"batch {args.files} files, {name}", f"{min(walls):.1f} s",
             f"{rate[name]:.2f} files/s; runs: {spread} s"),
        )  # fmt: skip
    local, ray = rate["local --jobs 2"], rate["ray --workers 2 --threads-per-worker 1"]
    rows.append(("ray / local throughput", f"{ray / local:.2f}", "target >= 0.85"))
    rows.append(
        ("ray, per worker (1 thread)", f"{ray / 2:.2f}/s", "files/s, model loads included"),
    )
    extra = single["ray --workers 2 --threads-per-worker 1"] - single["local --jobs 2"]
    rows.append(
        ("ray start-up overhead, 1 file", f"{extra:.1f} s",
         f"ray {single['ray --workers 2 --threads-per-worker 1']:.1f} s vs local "
         f"{single['local --jobs 2']:.1f} s, whole processes, best of {ROUNDS}"),
    )  # fmt: skip
    rows.append(
        ("private cluster start / stop", f"{start:.1f} s",
         f"ray.init alone (best of {ROUNDS}); shutdown {stop:.1f} s, import {imports:.1f} s"),
    )  # fmt: skip

    from table import print_table  # bench/table.py, beside this script

    print_table(rows, f"measure (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
