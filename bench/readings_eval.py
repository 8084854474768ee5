"""How often the English front end reads a token as a reference says a careful reader would.

Reads text-normalization test files kept outside the project (none is committed here): lines of
`written~spoken`, or blocks of `~written` followed by one accepted spoken form a line. Each case
is phonemized twice through the whole front end, our reading of `written` and the reference's
`spoken`, and counted as agreeing when the phonemes match (stress and pauses aside, and for en-us
the "and" of British references inside numbers: "one hundred and five").

    python bench/readings_eval.py DIR_OR_FILES... [--lang en-us] [--show 40]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.table import print_table  # noqa: E402
from kokoro_cli.text import phonemize  # noqa: E402
from kokoro_cli.text.normalize import normalize  # noqa: E402

_IGNORED = re.compile(r"[ˈˌ\s,.;:!?—…\"“”()\-'`’]+")
# "one hundred and five": British references join number words with "and"; en-us does not.
_AND = re.compile(r"\b(hundred|thousand|million|billion|trillion) and\b", re.IGNORECASE)


def cases(path: Path) -> list[tuple[str, list[str]]]:
    """(written, accepted spoken forms) pairs of one file, in either layout."""
    lines = path.read_text("utf-8").splitlines()
    found: list[tuple[str, list[str]]] = []
    if lines and lines[0].startswith("~"):  # ~written, then one accepted form a line
        for line in lines:
            if line.startswith("~"):
                found.append((line[1:], []))
            elif found and line.strip():
                found[-1][1].append(line)
        return [(w, s) for w, s in found if w.strip() and s]
    for line in lines:
        written, sep, spoken = line.partition("~")
        if sep and written.strip() and spoken.strip():
            found.append((written, [spoken]))
    return found


def _key(text: str, lang: str, reference: bool = False) -> str:
    if reference and lang == "en-us":
        text = _AND.sub(r"\1", text)
    return _IGNORED.sub("", phonemize(text, lang))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", type=Path, help="test-case files or folders of them")
    ap.add_argument("--lang", default="en-us")
    ap.add_argument("--show", type=int, default=30, help="disagreements to print")
    args = ap.parse_args()
    files = sorted(f for p in args.paths for f in ([p] if p.is_file() else sorted(p.glob("*.txt"))))
    rows, misses = [], []
    total = agree = 0
    t0 = time.perf_counter()
    for f in files:
        got = n = 0
        for written, spoken in cases(f):
            n += 1
            ours = normalize(written, args.lang)  # shown for the disagreements
            if _key(written, args.lang) in {_key(s, args.lang, True) for s in spoken}:
                got += 1
            else:
                misses.append((f.stem, written, ours, spoken[0]))
        if n:
            rows.append((f.stem, f"{got}/{n}", f"{100 * got / n:.0f}%"))
            total, agree = total + n, agree + got
    rows.append(("all", f"{agree}/{total}", f"{100 * agree / max(total, 1):.1f}% agree"))
    for name, written, ours, want in misses[: args.show]:
        print(f"{name}: {written!r}\n    ours: {ours}\n    ref:  {want}")
    print_table(rows, heading="file")
    print(f"\n{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
