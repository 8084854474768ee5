"""The text front end's cost: the first chunk of a long text, and normalization per sentence.

"first chunk" is what `kokoro say` waits for before the model starts: text.chunks() of the long
text until its first chunk (markup, sentence splitting, normalization, espeak, token ids), after
warm_up() has loaded espeak and the normalizer, as say does while the model loads. "normalize"
is the English normalizer alone over every sentence of the long text (prose) and over a text
dense with numbers, dates, money, units and addresses (issue 26's classes).

    python bench/front_end.py                      # this checkout
    python bench/front_end.py --against /tmp/old   # A/B: another checkout's kokoro_cli, runs
                                                   # interleaved, fresh processes, same machine
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

DENSE = (
    "On Jan. 15, 2020 at 9:30 a.m. EST we paid $1,250.50 for 3 1/2 lbs of coffee. "
    "The 1,000th visitor came 9am-5pm on 2016/07/03; call 123-123-5678 or (555) 555-0199. "
    "Prices rose 3-4.5% in 2Q22, from $250-$300 to US$76.3 trillion, or $20/mo. "
    "Ship it to 1211 E Arques Ave, Santa Clara, CA 95051 by the mid-80s, 1960-80 style. "
    "He is 5'10\" and drives 60 mph on Hwy 101 at 10:00:00 p.m. with 12kg/kg of C#. "
    "See https://docs.example.com/a/b or mail john.doe@example.org, upgrade/update v3.11.7. "
)
REPEATS = 30


def worker() -> dict[str, float | str]:
    """Timings in this process, for the kokoro_cli first on sys.path."""
    import kokoro_cli
    from kokoro_cli.text import chunks, warm_up
    from kokoro_cli.text.normalize import normalizer

    warm_up("en-us")
    text = (HERE / "long_text.txt").read_text("utf-8")
    firsts = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        next(iter(chunks(text, "en-us")))
        firsts.append(time.perf_counter() - t)
    norm = normalizer("en-us")
    out = {"first_ms": statistics.median(firsts) * 1e3, "source": kokoro_cli.__file__}
    for name, body in (("prose", text), ("dense", DENSE * 5)):
        sents = [s for s in re.split(r"(?<=[.!?])\s+", body) if s.strip()]
        t = time.perf_counter()
        for _ in range(5):
            for s in sents:
                norm(s)
        out[f"{name}_us"] = (time.perf_counter() - t) / (5 * len(sents)) * 1e6
    return out


def run(source: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    cmd = [sys.executable, __file__, "--worker"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=source)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    if not str(found.pop("source")).startswith(str(source)):  # the other side must be measured
        raise SystemExit(f"bench: {source} did not provide kokoro_cli")
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", type=Path, help="a folder holding another kokoro_cli to compare")
    ap.add_argument("--rounds", type=int, default=5, help="fresh processes per side")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:  # kokoro_cli comes from PYTHONPATH: this checkout's or the other's
        print(json.dumps(worker()))
        return
    sys.path.insert(0, str(ROOT))
    from bench.table import print_table

    sides = {"this": ROOT, **({"other": args.against.resolve()} if args.against else {})}
    results: dict[str, list[dict[str, float]]] = {k: [] for k in sides}
    for _ in range(args.rounds):  # interleaved, so both see the same machine load
        for name, source in sides.items():
            results[name].append(run(source))
    rows = []
    for key, label, unit in (
        ("first_ms", "front end, first chunk of the long text", "ms"),
        ("prose_us", "normalize, a sentence of prose", "µs"),
        ("dense_us", "normalize, a sentence dense with tokens", "µs"),
    ):
        this = statistics.median(r[key] for r in results["this"])
        note = f"median of {args.rounds} processes"
        if args.against:
            other = statistics.median(r[key] for r in results["other"])
            note += f"; {args.against}: {other:.1f} {unit} (this/other {this / other:.2f})"
        rows.append((label, f"{this:.1f} {unit}", note))
    print_table(rows)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
