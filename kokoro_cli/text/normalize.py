"""Text normalization: clean Unicode, then a per-language hook that writes numbers etc. as words.

English has the full rule set (normalize_en). Spanish, French, Italian and Portuguese get numbers,
money, units, times and addresses in their own words (normalize_romance); espeak reads leftovers
itself. Both build on numbers.py. A new language plugs in with one more case in normalizer().
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from kokoro_cli.text.normalize_en import English
from kokoro_cli.text.normalize_romance import LANGS as ROMANCE
from kokoro_cli.text.normalize_romance import romance

# Characters with no sound that confuse espeak or the splitter: C0/C1 controls (tabs and
# newlines become spaces before this), zero-width and bidi marks, the BOM, private-use code points.
_SILENT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ue000-\uf8ff"
    "\U000f0000-\U0010ffff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "„": "“", "‟": "“",
                             "―": "—", "−": "-"})  # fmt: skip


# Compatibility characters espeak spells out or skips: ligatures ("ﬁne" -> "symbol fb01"),
# full-width forms, and vulgar fractions (⅛ has no reading; ½ is English in every voice).
_COMPAT = re.compile("[\ufb00-\ufb06\uff01-\uff5e\u2150-\u215e\u00bc-\u00be]")


def _compat(m: re.Match[str]) -> str:
    plain = unicodedata.normalize("NFKC", m[0]).replace("\u2044", "/")
    before = m.string[m.start() - 1 : m.start()]
    fraction = "/" in plain  # 7⅛ -> "7 1/8", not "71/8"
    return " " + plain if fraction and before.isdigit() else plain


def clean(text: str) -> str:
    """Language-independent cleanup: NFC, typographic quotes, invisible characters, spaces."""
    text = _COMPAT.sub(_compat, unicodedata.normalize("NFC", text))
    text = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = _SILENT.sub("", text).translate(_TYPOGRAPHY)
    text = re.sub(r"\s+—\s+|\s+-\s+|\s*--+\s*", " — ", text)  # spaced dashes are pauses
    text = re.sub(r"(?<!\d)–|–(?!\d)", "—", text)  # an en dash between digits is a range
    text = text.replace("...", "…")
    return _SPACES.sub(" ", text).strip()


@cache
def normalizer(lang: str) -> Callable[[str], str]:
    """The normalization function for a language code (identity after cleanup if none)."""
    if lang in ("en-us", "en-gb"):
        return English(lang)
    if lang in ROMANCE:
        return romance(lang)
    return lambda text: text  # Hindi: espeak reads Devanagari and digits natively


def normalize(text: str, lang: str) -> str:
    """Clean `text` and write what it abbreviates or numbers in words, for `lang`."""
    text = normalizer(lang)(clean(text))
    return _SPACES.sub(" ", text).strip()
