"""What the Japanese and Mandarin readers share, below both: the written forms each rewrites
before reading (times, dates, money, ellipses, thousands commas), and the assembly of their pieces
into one phoneme string, where Latin words ("AI", "iPhone") go to the English G2P in one espeak
call per batch, so they are spoken rather than dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

from kokoro_cli.paths import cache_dir
from kokoro_cli.text.g2p import g2p_many
from kokoro_cli.text.normalize import normalizer

# Written forms both languages rewrite before reading them (ja.py, zh.py).
TIME = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)(?!\d)")  # 15:30
DATE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")  # 2024-03-05
MONEY = re.compile(r"([¥￥$€£])\s?(\d+(?:\.\d+)?)")  # ¥1200, $5.50
DOTS = re.compile(r"\.{2,}|…+")  # an ellipsis, however written
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # the comma of 1,250
ENGLISH = "en-us"  # Latin words inside Chinese or Japanese are read as American English
_OPENING = "(“"


def cache_folder() -> Path:
    """Our cache dir (XDG), where dictionaries built on first use are kept."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def speakable(text: str) -> bool:
    """Whether `text` has a letter or a digit (punctuation alone says nothing)."""
    return any(ch.isalnum() for ch in text)


def assemble(texts: list[list[tuple[str, str]]]) -> list[str]:
    """Join each text's pieces into one phoneme string; English pieces phonemized in one batch."""
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
