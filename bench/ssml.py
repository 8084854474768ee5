"""SSML: what reading it costs, and how fast hostile documents are refused.

    .venv/bin/python bench/ssml.py

No model: pipeline.plan() parses the document (defusedxml), resolves voices and languages and
builds the parts the pipeline speaks; the front end then phonemizes them as plain text. Times
are the best of 5 runs of each, on whatever this machine is doing (see `uptime` in the output).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.table import print_table  # noqa: E402
from kokoro_cli.errors import UsageError  # noqa: E402
from kokoro_cli.pipeline import SynthesisConfig, plan  # noqa: E402
from kokoro_cli.text import phonemize  # noqa: E402

LONG = (Path(__file__).parent / "long_text.txt").read_text(encoding="utf-8")


def best(run, repeat: int = 5) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def refused(doc: str) -> float:
    def run() -> None:
        try:
            plan(doc, SynthesisConfig())
        except UsageError:
            return
        raise AssertionError("accepted a hostile document")

    return best(run)


def main() -> None:
    config = SynthesisConfig()
    plain = LONG
    wrapped = "<speak>" + escape(LONG) + "</speak>"
    paragraphs = [p for p in LONG.split("\n\n") if p.strip()]
    marked = (
        "<speak>"
        + "".join(
            f'<p><prosody rate="{"slow" if i % 2 else "fast"}">{escape(p)}</prosody>'
            f'<break time="300ms"/><mark name="m{i}"/></p>'
            for i, p in enumerate(paragraphs)
        )
        + "</speak>"
    )
    words = " ".join(LONG.split()[:400])
    emphasized = (
        "<speak>"
        + " ".join(
            f"<emphasis>{escape(w)}</emphasis>" if i % 10 == 0 else escape(w)
            for i, w in enumerate(words.split())
        )
        + "</speak>"
    )
    plan(wrapped, config)  # warm up espeak and the normalizer
    rows = [
        (
            "plain text, plan",
            f"{best(lambda: plan(plain, config)) * 1000:.1f} ms",
            f"{len(plain):,} characters",
        ),
        (
            "same text in <speak>, plan",
            f"{best(lambda: plan(wrapped, config)) * 1000:.1f} ms",
            "parse + source map",
        ),
        (
            "same text, phonemized",
            f"{best(lambda: phonemize(plain, 'en-us'), 1):.2f} s",
            "what plain text costs anyway (front end)",
        ),
        (
            "paragraphs in prosody+break+mark",
            f"{best(lambda: plan(marked, config)) * 1000:.1f} ms",
            f"{len(paragraphs)} paragraphs, {len(marked):,} characters",
        ),
        (
            "every 10th word emphasized",
            f"{best(lambda: plan(emphasized, config)) * 1000:.1f} ms",
            "40 of 400 words phonemized alone for their stress",
        ),
    ]
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    hostile = {
        "billion laughs refused": f"<!DOCTYPE speak [{laughs}]><speak>&l9;</speak>",
        "external entity refused": (
            '<!DOCTYPE speak [<!ENTITY x SYSTEM "file:///etc/passwd">]><speak>&x;</speak>'
        ),
        "10 MB of nesting refused": "<speak>" + "<p>" * 3_500_000 + "x",
        "10 MB of flat elements, read": ("<speak>" + "<s>a</s>" * 1_250_000 + "</speak>"),
    }
    for name, doc in hostile.items():
        if name.endswith("read"):
            seconds = best(lambda doc=doc: plan(doc, config), 1)
        else:
            seconds = refused(doc)
        rows.append((name, f"{seconds * 1000:.1f} ms", f"{len(doc) / 1e6:.1f} MB document"))
    print_table(rows)
    print(f"\nload: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
