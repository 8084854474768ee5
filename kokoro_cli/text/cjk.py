"""Japanese and Mandarin, seen from above: which reader to use, whether it is installed, where
sentences end, which scripts each accepts.

ja.py and zh.py turn text into pieces (phonemes of their own, punctuation, Latin words) and share
what sits in cjk_common.py. Sentences end at 。！？；… and their ASCII forms without any space after
them, which is why these languages do not go through pysbd.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from functools import cache

from kokoro_cli.errors import KokoroError, UsageError
from kokoro_cli.text import ja, zh

LANGS = ("ja", "zh")
SAMPLE = {"ja": "こんにちは", "zh": "你好"}
ENGINES = {"ja": "OpenJTalk (pyopenjtalk-plus)", "zh": "jieba + pypinyin + cn2an"}
_PACKAGES = {"ja": ("pyopenjtalk",), "zh": ("jieba", "pypinyin", "pypinyin_dict", "cn2an")}
# A sentence ends after these, with any closing quotes or brackets that follow.
_SENTENCE_END = re.compile(r"[。！？；!?;…]+[」』”’）)\]】》〉\"']*\s*|[.]+[」』”’）)\]]*\s+")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")


def g2p(lang: str) -> Callable[[list[str]], list[str]]:
    """texts -> Kokoro phonemes for Japanese or Mandarin (imports the front-end on first use)."""
    _require(lang)
    return zh.g2p_many if lang == "zh" else ja.g2p_many


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
