"""The speaking rates behind `kokoro book --plan`'s estimates (kokoro_cli/jobs/duration.py).

    python bench/plan_rates.py                  # fit the rates, check them, every voice's pace
    python bench/plan_rates.py --skip-voices    # rates and check only (~4 minutes on 2 cores)
    python bench/plan_rates.py --book war.epub --chapters 4   # estimate against a real render

Each language's text (bench/plan_texts/LANG.txt: two passages split by "===", paragraphs by
blank lines) is spoken by the language's default voice, paragraph by paragraph, with the real
model. The first passage fits, by least squares, the seconds per letter of each language, the
pauses after sentence breaks and clauses being fixed (jobs.duration.count gives the counts);
the second passage checks them: its estimate against its real length, as a chapter (paragraph
pauses included). Durations are cached in $PLAN_RATES_CACHE (default: a file in the temp
folder), so a refit or an interrupted run costs nothing again. Then every bundled voice speaks the first two paragraphs of its
language's text: its pace is its length over the default voice's. The output ends with the
tables to paste into jobs/duration.py. Nothing here is asserted by the tests.

--book renders the chosen chapters with jobs.book.render() (no cache) and compares each
chapter's real length with --plan's estimate for the same settings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.table import print_table  # noqa: E402
from kokoro_cli.jobs import duration  # noqa: E402
from kokoro_cli.model.voices import LANG_VOICES, list_voices  # noqa: E402
from kokoro_cli.pipeline import SynthesisConfig, synthesize  # noqa: E402

TEXTS = HERE / "plan_texts"
VOICE_PARAGRAPHS = 2  # of the fitting passage, for each voice's pace


def passages(lang: str) -> list[list[str]]:
    raw = (TEXTS / f"{lang}.txt").read_text("utf-8")
    return [[p.strip() for p in part.split("\n\n") if p.strip()] for part in raw.split("===")]


CACHE = Path(os.environ.get("PLAN_RATES_CACHE", Path(tempfile.gettempdir()) / "plan_rates.json"))
_cache: dict[str, float] = json.loads(CACHE.read_text()) if CACHE.is_file() else {}
_loaded: dict[str, object] = {}


def seconds(text: str, config: SynthesisConfig, model: object) -> float:
    """The length of `text` spoken with `config` (cached on disk: refitting costs nothing)."""
    key = f"{config.voice}|{config.lang}|{config.speed}|{text}"
    if key not in _cache:
        if callable(model):  # loaded on first use: a refit from the cache needs no model
            model = _loaded.setdefault("model", model())
        _cache[key] = sum(chunk.duration for chunk in synthesize(text, config, model))
        CACHE.write_text(json.dumps(_cache, ensure_ascii=False))
    return _cache[key]


def features(text: str, lang: str) -> list[float]:
    c = duration.count(text)
    digit = duration.DIGIT_LETTERS.get(lang, duration.DIGIT_LETTERS_DEFAULT)
    return [c.letters + digit * c.digits, c.sentences, c.clauses]


def fit(model: object, langs: list[str]) -> tuple[dict[str, float], float, float]:
    """Seconds per letter per language, with the sentence and clause pauses fixed at
    duration.SENTENCE_SECONDS and CLAUSE_SECONDS (fitted too, the pauses came out negative on
    this little data: letters, sentences and commas grow together)."""
    rates = {}
    sentence, clause = duration.SENTENCE_SECONDS, duration.CLAUSE_SECONDS
    for lang in langs:
        config = SynthesisConfig(voice=LANG_VOICES[lang], lang=lang, fast_start=False)
        rows = []
        for paragraph in passages(lang)[0]:
            letters, sentences, clauses = features(paragraph, lang)
            rows.append((letters, seconds(paragraph, config, model) - sentence * sentences
                         - clause * clauses))  # fmt: skip
        rates[lang] = sum(x * y for x, y in rows) / sum(x * x for x, _ in rows)
        print(f"  fitted on {lang}", file=sys.stderr, flush=True)
    return rates, sentence, clause


def check(model: object, langs: list[str]) -> list[tuple[str, str, str]]:
    """The second passage of each language as a chapter: estimate against real length."""
    out = []
    for lang in langs:
        voice = LANG_VOICES[lang]
        config = SynthesisConfig(voice=voice, lang=lang, fast_start=False)
        paragraphs = passages(lang)[1]
        real = sum(seconds(p, config, model) for p in paragraphs)
        real += (len(paragraphs) - 1) * config.pause_paragraph
        guess = duration.speech_seconds(sum_counts(paragraphs), lang, voice)
        guess += (len(paragraphs) - 1) * config.pause_paragraph
        error = guess / real - 1
        out.append(
            (f"{lang} ({voice})", f"{error:+.1%}", f"estimate {guess:.1f} s, real {real:.1f} s")
        )
    return out


def sum_counts(paragraphs: list[str]) -> duration.Counts:
    total = duration.Counts()
    for p in paragraphs:
        total += duration.count(p)
    return total


def voice_paces(model: object, paragraphs: int = VOICE_PARAGRAPHS) -> dict[str, float]:
    paces: dict[str, float] = {}
    base: dict[str, float] = {}
    for info in sorted(list_voices(), key=lambda v: (v.lang, v.name != LANG_VOICES.get(v.lang))):
        if info.source != "bundled" or info.lang not in LANG_VOICES:
            continue
        text = "\n\n".join(passages(info.lang)[0][:paragraphs])
        config = SynthesisConfig(voice=info.name, lang=info.lang, fast_start=False)
        length = seconds(text, config, model)
        base.setdefault(info.lang, length)  # the default voice comes first in each language
        paces[info.name] = length / base[info.lang]
        print(f"  {info.name}: {paces[info.name]:.3f}", file=sys.stderr, flush=True)
    return paces


def book_check(path: Path, chapters: str) -> list[tuple[str, str, str]]:
    from kokoro_cli.documents import read_document
    from kokoro_cli.jobs import book, narrator
    from kokoro_cli.model.weights import load_model

    class Quiet:
        def start_chapter(self, *a: object) -> None: ...
        def advance(self, *a: object) -> None: ...
        def end_chapter(self, *a: object) -> None: ...

    doc = read_document(path)
    who = narrator.pick(doc.language, voice=None, lang=None)
    lang = who.lang or duration_lang(who.voice)
    config = SynthesisConfig(voice=who.voice, lang=lang, fast_start=False)
    selection = book.parse_selection(chapters, len(doc.chapters))
    plan = {r["index"]: r for r in book.plan_rows(doc, selection, config)}
    key = f"book|{path.name}|{chapters}|{who.voice}"  # the render is cached, the plan is not
    if key not in _cache:
        model = load_model()
        with tempfile.TemporaryDirectory() as tmp:
            done = book.render(doc, selection, config, model, output=None, split=Path(tmp),
                               fmt="wav", narrator=who.voice, progress=Quiet())  # fmt: skip
        _cache[key] = [[r.index, r.title, r.duration] for r in done]
        CACHE.write_text(json.dumps(_cache, ensure_ascii=False))
    out = []
    for index, title, real in _cache[key]:
        guess = plan[index]["seconds"]
        out.append((f"chapter {index} {title[:30]!r}", f"{guess / real - 1:+.1%}",
                    f"estimate {guess:.1f} s, real {real:.1f} s ({who.voice})"))  # fmt: skip
    return out


def duration_lang(voice: str) -> str:
    from kokoro_cli.model.voices import voice_lang

    return voice_lang(voice)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-voices", action="store_true")
    parser.add_argument("--only-voices", action="store_true", help="each voice's pace only")
    parser.add_argument("--voice-paragraphs", type=int, default=VOICE_PARAGRAPHS)
    parser.add_argument("--langs", nargs="*", default=list(LANG_VOICES))
    parser.add_argument("--book", type=Path, help="compare --plan with a real render of it")
    parser.add_argument("--chapters", default="1", help="with --book: which chapters")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    if args.book:
        started = time.perf_counter()
        rows = book_check(args.book, args.chapters)
        print_table(rows, f"--plan estimate of {args.book.name} (load {load:.1f})")
        print(f"({time.perf_counter() - started:.0f} s)")
        return
    from kokoro_cli.model.weights import load_model

    model = load_model  # loaded when something is not in the cache
    if args.only_voices:
        return print_paces(voice_paces(model, args.voice_paragraphs))
    rates, sentence, clause = fit(model, args.langs)
    rows = [(f"{lang} s/letter", f"{rate:.4f}", LANG_VOICES[lang]) for lang, rate in rates.items()]
    rows += [("sentence pause", f"{sentence:.3f}", "s"), ("clause pause", f"{clause:.3f}", "s")]
    print_table(rows, f"fit (load {load:.1f})")
    duration.LETTER_SECONDS.update(rates)  # the check uses the fitted values
    print_table(check(model, args.langs), "check: estimate vs real, second passage")
    print("\nLETTER_SECONDS = {")
    print("    " + ", ".join(f'"{lang}": {rate:.4f}' for lang, rate in rates.items()))
    print("}")
    if not args.skip_voices:
        print_paces(voice_paces(model, args.voice_paragraphs))


def print_paces(paces: dict[str, float]) -> None:
    kept = {v: p for v, p in paces.items() if abs(p - 1) > 0.02}
    print("VOICE_PACE = {")
    print("    " + ", ".join(f'"{v}": {p:.3f}' for v, p in sorted(kept.items())))
    print("}")
    print(f"(range {min(paces.values()):.3f}-{max(paces.values()):.3f} over {len(paces)} voices)")


if __name__ == "__main__":
    main()
