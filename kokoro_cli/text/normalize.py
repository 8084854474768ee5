"""Text normalization: clean Unicode, then a per-language hook that writes numbers etc. as words.

English has the full rule set (normalize_en). The other espeak languages get numbers, decimals
and percentages spelled by num2words in their own language (espeak reads leftovers itself).
A new language plugs in by adding a function to NORMALIZERS.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from kokoro_cli.text import numbers as nums
from kokoro_cli.text.normalize_en import English

# Characters with no sound that confuse espeak or the splitter: C0/C1 controls (tabs and
# newlines become spaces before this), zero-width and bidi marks, the BOM, private-use code points.
_SILENT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ue000-\uf8ff"
    "\U000f0000-\U0010ffff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "„": "“", "‟": "“",
                             "―": "—", "−": "-"})  # fmt: skip


def clean(text: str) -> str:
    """Language-independent cleanup: NFC, typographic quotes, invisible characters, spaces."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = _SILENT.sub("", text).translate(_TYPOGRAPHY)
    text = re.sub(r"\s+—\s+|\s+-\s+|\s*--+\s*", " — ", text)  # spaced dashes are pauses
    text = re.sub(r"(?<!\d)–|–(?!\d)", "—", text)  # an en dash between digits is a range
    text = text.replace("...", "…")
    return _SPACES.sub(" ", text).strip()


# Romance languages write 1.250,5; Brazilian Portuguese, Spanish, French and Italian share it.
_EU_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.\u202f ]\d{3})+|\d+)(?:,(\d+))?(?![\w]|[.,]\d)")
_PERCENT = {"es": "por ciento", "fr-fr": "pour cent", "it": "per cento", "pt-br": "por cento"}


def _romance(lang: str) -> Callable[[str], str]:
    def normalize(text: str) -> str:
        def say(m: re.Match[str]) -> str:
            whole = re.sub(r"[.\u202f ]", "", m[1])
            return nums.decimal(whole, m[2], lang) if m[2] else nums.cardinal(whole, lang)

        text = re.sub(r"(\d)\s?%", rf"\1 {_PERCENT[lang]}", text)
        return _EU_NUM.sub(say, text)

    return normalize


@cache
def normalizer(lang: str) -> Callable[[str], str]:
    """The normalization function for a language code (identity after cleanup if none)."""
    if lang in ("en-us", "en-gb"):
        return English(lang)
    if lang in _PERCENT:
        return _romance(lang)
    return lambda text: text  # Hindi: espeak reads Devanagari and digits natively


def normalize(text: str, lang: str) -> str:
    """Clean `text` and write what it abbreviates or numbers in words, for `lang`."""
    text = normalizer(lang)(clean(text))
    return _SPACES.sub(" ", text).strip()
