"""What the Japanese and Mandarin front-ends share: dispatch, sentence ends, scripts, Latin words.

ja.py and zh.py turn text into pieces: phonemes of their own, punctuation, and Latin words
("AI", "iPhone") that go to the English G2P here, all in one espeak call per batch, so they are
spoken rather than dropped. Sentences end at 。！？；… and their ASCII forms without any space after
them, which is why these languages do not go through pysbd.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from kokoro_cli.errors import KokoroError, UsageError

# Written forms both languages rewrite before reading them (ja.py, zh.py).
TIME = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)(?!\d)")  # 15:30
DATE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")  # 2024-03-05
MONEY = re.compile(r"([¥￥$€£])\s?(\d+(?:\.\d+)?)")  # ¥1200, $5.50
DOTS = re.compile(r"\.{2,}|…+")  # an ellipsis, however written
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # the comma of 1,250

LANGS = ("ja", "zh")
SAMPLE = {"ja": "こんにちは", "zh": "你好"}
ENGINES = {"ja": "OpenJTalk (pyopenjtalk-plus)", "zh": "jieba + pypinyin + cn2an"}
_PACKAGES = {"ja": ("pyopenjtalk",), "zh": ("jieba", "pypinyin", "pypinyin_dict", "cn2an")}
ENGLISH = "en-us"  # Latin words inside Chinese or Japanese are read as American English
# A sentence ends after these, with any closing quotes or brackets that follow.
_SENTENCE_END = re.compile(r"[。！？；!?;…]+[」』”’）)\]】》〉\"']*\s*|[.]+[」』”’）)\]]*\s+")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_OPENING = "(“"


def cache_folder() -> Path:
    """Our cache dir (XDG), where dictionaries built on first use are kept."""
    from kokoro_cli.weights import cache_dir  # stdlib-only at import: no torch

    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def g2p(lang: str) -> Callable[[list[str]], list[str]]:
    """texts -> Kokoro phonemes for Japanese or Mandarin (imports the front-end on first use)."""
    _require(lang)
    if lang == "zh":
        from kokoro_cli.text import zh

        return zh.g2p_many
    from kokoro_cli.text import ja

    return ja.g2p_many


@cache
def _require(lang: str) -> None:
    missing = [p for p in _PACKAGES[lang] if importlib.util.find_spec(p) is None]
    if missing:
        raise KokoroError(
            f"{ENGINES[lang]} is not installed (no {', '.join(missing)}) — pip install"
            f" 'kokoro-cli[{lang}]'"
        )


def sentences(block: str) -> list[str]:
    """Sentences of a CJK block, cut after sentence-final punctuation (no space needed)."""
    out, pos = [], 0
    for m in _SENTENCE_END.finditer(block):
        out.append(block[pos : m.end()].strip())
        pos = m.end()
    out.append(block[pos:].strip())
    return [s for s in out if s]


def check_script(text: str, lang: str) -> None:
    """Refuse Japanese kana in Mandarin text: the Mandarin front-end cannot read it, and the
    voices of the language that can (ja) are one --lang away. (Other scripts in any language are
    read by the English front-end, like the Latin words.)"""
    kana = _KANA.search(text)
    if lang == "zh" and kana:
        raise UsageError(
            f"Japanese kana ('{kana[0]}') in Mandarin text — pick a Japanese voice"
            " (kokoro voices --lang ja) or pass --lang ja"
        )


def speakable(text: str) -> bool:
    """Whether `text` has a letter or a digit (punctuation alone says nothing)."""
    return any(ch.isalnum() for ch in text)


def assemble(texts: list[list[tuple[str, str]]]) -> list[str]:
    """Join each text's pieces into one phoneme string; English pieces phonemized in one batch."""
    from kokoro_cli.text.g2p import g2p_many
    from kokoro_cli.text.normalize import normalizer

    english = [p for pieces in texts for kind, p in pieces if kind == "en"]
    say = normalizer(ENGLISH)  # "iPhone 16": numbers left in Latin runs are read in English
    ipa = iter(g2p_many([say(e) for e in english], ENGLISH) if english else [])
    out = []
    for pieces in texts:
        ps = ""
        for kind, p in pieces:
            if kind == "en":
                p = next(ipa)
            if not p:
                continue
            if kind == "punct" and p[0] in _OPENING:
                ps = (ps.rstrip() + " " if ps.strip() else "") + p
            elif kind == "punct":
                ps = ps.rstrip() + p + " "
            else:
                ps += "" if not ps or ps[-1] in " " + _OPENING else " "
                ps += p
        out.append(ps.strip())
    return out
