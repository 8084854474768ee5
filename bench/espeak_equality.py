"""Record espeak-ng's phonemes for a broad corpus, or check today's code gives the same ones.

Used when the phonemizer package was replaced by our own ctypes binding (text/espeak_ng.py):
the corpus was recorded with the old code, then checked with the new one. Every text goes through
every espeak language, languages interleaved (so switching voices is exercised too), at two
levels: espeak_many (raw IPA, marks kept) and text.phonemize (the whole front-end).

    python bench/espeak_equality.py record /tmp/espeak-golden.json   # with the old code
    python bench/espeak_equality.py check /tmp/espeak-golden.json    # with the new code

The binding alone (commit "espeak: our own ctypes binding") gave 28,056/28,056 identical strings
with the bundled espeak-ng 1.52 and with a system 1.51. The next commit removes espeak's language
flags ("(en)...(fr)"), which had been spoken aloud; the check counts those differences apart.

The corpus: every string in tests/test_text_*.py and tests/tricky_tokens.py, README.md and
bench/long_text.txt line by line, sentences per language and Latin words as the Japanese and
Chinese front-ends hand them to English espeak.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

LANGS = ["en-us", "en-gb", "es", "fr-fr", "hi", "it", "pt-br"]

PER_LANGUAGE = [
    "El veloz murciélago hindú comía feliz cardillo y kiwi. ¿Dónde está la biblioteca?",
    "Tengo 3 hermanos y 2,5 kilos de manzanas; ¡qué bien!",
    "Le cœur a ses raisons que la raison ne connaît point. C'est l'été, n'est-ce pas ?",
    "Il y a 21 élèves dans la classe, et j'ai mangé des œufs.",
    "मेरा नाम राम है। आप कैसे हैं? मेरे पास 5 किताबें हैं।",
    "हिंदी भारत की राजभाषा है, और यह देवनागरी में लिखी जाती है।",
    "Nel mezzo del cammin di nostra vita mi ritrovai per una selva oscura.",
    "Ho ventitré anni e mi piace la pizza, però non il caffè.",
    "O rápido cachorro marrom pulou sobre a raposa preguiçosa. Você está bem?",
    "São Paulo tem milhões de habitantes; é uma cidade incrível!",
    "The quick brown fox jumps over the lazy dog. I'm sure it's fine, isn't it?",
    "Colour, favour and theatre; schedule, tomato and aluminium.",
]

LATIN_IN_CJK = [
    "iPhone",
    "iPhone 16",
    "Python",
    "OK",
    "Wi-Fi",
    "USB",
    "GitHub",
    "email",
    "AI",
    "CPU",
    "Google",
    "Apple Watch",
    "Kokoro",
    "hello world",
    "Tokyo",
    "Beijing",
    "NHK",
    "PDF",
    "YouTube",
    "Microsoft Office",
    "Linux",
    "JavaScript",
    "ChatGPT",
    "T-shirt",
    "DNA",
    "McDonald's",
    "Starbucks",
    "New York",
    "version 3",
    "OpenAI",
]


def _strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if any(ch.isalnum() for ch in node.value) and len(node.value) < 2000:
                out.append(node.value)
    return out


def corpus() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "tests").glob("test_text_*.py")) + [ROOT / "tests/tricky_tokens.py"]:
        texts += _strings(path)
    for name in ("README.md", "bench/long_text.txt"):
        texts += [ln for ln in (ROOT / name).read_text(encoding="utf-8").splitlines() if ln.strip()]
    texts += PER_LANGUAGE + LATIN_IN_CJK
    return list(dict.fromkeys(t for t in texts if any(ch.isalnum() for ch in t)))


def run(texts: list[str]) -> dict[str, str]:
    from kokoro_cli.errors import KokoroError
    from kokoro_cli.text import phonemize
    from kokoro_cli.text.espeak import espeak_many

    out = {}
    for i, text in enumerate(texts):
        for lang in LANGS:  # interleaved: every text switches the voice seven times
            out[f"raw|{lang}|{text}"] = espeak_many([text], lang)[0]
        for lang in LANGS:
            try:
                out[f"full|{lang}|{text}"] = phonemize(text, lang)
            except KokoroError as exc:
                out[f"full|{lang}|{text}"] = f"ERROR {exc}"
        if i % 200 == 0:
            print(f"{i}/{len(texts)}", file=sys.stderr)
    # One batch per language as well, the way the splitter calls espeak.
    for lang in LANGS:
        for text, ipa in zip(texts, espeak_many(texts, lang), strict=True):
            out[f"batch|{lang}|{text}"] = ipa
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["record", "check"])
    ap.add_argument("golden", type=Path)
    args = ap.parse_args()
    if args.mode == "record":
        texts = corpus()
        got = run(texts)
        record = {"texts": texts, "phonemes": got}
        args.golden.write_text(json.dumps(record, ensure_ascii=False, indent=0), encoding="utf-8")
        print(f"recorded {len(got)} phoneme strings ({len(texts)} texts x {len(LANGS)} languages)")
        return
    record = json.loads(args.golden.read_text(encoding="utf-8"))
    texts, want = record["texts"], record["phonemes"]  # the recorded corpus, not today's files
    got = run(texts)
    missing = sorted(set(want) - set(got))
    differ = sorted(k for k in want if k in got and got[k] != want[k])
    flags = [k for k in differ if _unflagged(k, want[k]) == got[k]]
    for key in [k for k in differ if k not in flags][:20]:
        print(f"DIFFER {key!r}\n  was {want[key]!r}\n  now {got[key]!r}")
    print(
        f"{len(want) - len(differ) - len(missing)}/{len(want)} identical, {len(differ)} differ"
        f" ({len(flags)} of them only by espeak's language flags, which the recording kept),"
        f" {len(missing)} missing ({len(texts)} texts x {len(LANGS)} languages)"
    )
    sys.exit(1 if len(differ) > len(flags) or missing else 0)


# Language-switch flags as the phonemizer-based code left them: tied in espeak's IPA ("(^e^n)"),
# plain or mapped to Kokoro's symbols in the front-end's output ("(en)", en-us "(Anus)").
_RAW_FLAG = re.compile(r"\((?:\^?[a-z]){2,3}(?:-(?:\^?[a-z0-9])+)*\)")
_FULL_FLAG = re.compile(r"\((?:en|hi|fr|es|pt|it|el|ko|kɔ|ru|de|An|Anus)\)")


def _unflagged(key: str, old: str) -> str:
    flag = _FULL_FLAG if key.startswith("full|") else _RAW_FLAG
    return " ".join(flag.sub("", old).split())


if __name__ == "__main__":
    main()
