"""espeak-ng phonemes mapped onto Kokoro v1.0's symbol set, and those symbols' token ids.

Kokoro v1.0 was trained on misaki-style phonemes, not raw espeak IPA. The mapping below follows the
facts of misaki's espeak fallback (diphthongs and affricates as single letters, US vs GB vowels,
flap and glottal stop as T and t for v1.0); the code is our own. Anything still outside the
vocabulary is dropped with a debug log rather than failing synthesis.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from importlib import resources

from kokoro_cli.errors import UsageError
from kokoro_cli.text.espeak import ESPEAK_VOICES, TIE, backend, espeak_many

log = logging.getLogger(__name__)
__all__ = ["ESPEAK_VOICES", "backend", "espeak_many", "g2p_many", "map_espeak", "tokenize", "vocab"]

# --- the vocabulary: symbol <-> token id ------------------------------------------------------


@lru_cache(maxsize=1)
def vocab() -> dict[str, int]:
    """Symbol -> id map (ids 1..177; 0 is the pad the engine adds around each chunk)."""
    # The package ships the model's config.json; reading it keeps one source of truth.
    # Via the top package: importing kokoro_cli.model would pull in torch.
    path = resources.files("kokoro_cli").joinpath("model", "config.json")
    raw = path.read_text(encoding="utf-8")
    table = json.loads(raw)["vocab"]
    return {symbol: int(i) for symbol, i in table.items()}


@lru_cache(maxsize=1)
def unknown_pattern() -> re.Pattern[str]:
    """Matches any character outside the vocabulary."""
    return re.compile("[^" + "".join(re.escape(ch) for ch in vocab()) + "]")


def invalid_symbols(phonemes: str) -> list[str]:
    """Symbols of `phonemes` that are not in the vocabulary, in order of first appearance."""
    return list(dict.fromkeys(unknown_pattern().findall(phonemes)))


def describe(symbols: list[str]) -> str:
    """Readable list of symbols for error messages (shows code points for invisible ones)."""
    shown = []
    for s in symbols[:12]:
        visible = s.isprintable() and not s.isspace()
        shown.append(f"'{s}'" if visible else f"U+{ord(s):04X}")
    more = f" and {len(symbols) - 12} more" if len(symbols) > 12 else ""
    return ", ".join(shown) + more


def tokenize(phonemes: str) -> list[int]:
    """Token ids for Kokoro phonemes; every symbol must be in the vocabulary."""
    bad = invalid_symbols(phonemes)
    if bad:
        raise UsageError(
            f"phonemes contain symbols outside the Kokoro vocabulary: {describe(bad)}"
            " — use only Kokoro v1.0 phoneme symbols"
        )
    known = vocab()
    return [known[ch] for ch in phonemes]


# --- espeak-ng -> Kokoro symbols -------------------------------------------------------------

SYLLABIC = "\u0329"  # combining vertical line below: espeak's syllabic consonant mark
NASAL = "\u0303"  # combining tilde

# Shared by every language: tie sequences that Kokoro spells with one letter.
_TIED = {
    f"a{TIE}ɪ": "I",
    f"a{TIE}ʊ": "W",
    f"d{TIE}z": "ʣ",
    f"d{TIE}ʒ": "ʤ",
    f"e{TIE}ɪ": "A",
    f"o{TIE}ʊ": "O",
    f"ə{TIE}ʊ": "Q",
    f"s{TIE}s": "S",
    f"t{TIE}s": "ʦ",
    f"t{TIE}ʃ": "ʧ",
    f"ɔ{TIE}ɪ": "Y",
}

# English on top of the ties (misaki's fallback table): sounds Kokoro's English voices never saw
# are folded into the nearest ones they did.
_ENGLISH = {
    f"ʔˌn{SYLLABIC}": "tᵊn",
    f"ʔn{SYLLABIC}": "tᵊn",
    f"ə{TIE}l": "ᵊl",
    "ʲo": "jo",
    "ʲə": "jə",
    "ʲ": "",
    "ɚ": "əɹ",
    "r": "ɹ",
    "x": "k",
    "ç": "k",
    "ɐ": "ə",
    "ɬ": "l",
    NASAL: "",
    "e": "A",
}
# Applied before the shared table: the GB "square" vowel and schwa-glide diphthongs.
_GB_FIRST = {f"e{TIE}ə": "ɛː", "iə": "ɪə", f"i{TIE}ə": "ɪə", f"ə{TIE}ʊ": "Q"}
# US: no length marks, r-coloured "nurse" vowel, near-front "near" vowel.
_US_AFTER = {"ɜːɹ": "ɜɹ", "ɜː": "ɜɹ", "ɪə": "iə", "ː": ""}
# v1.0 spells the US flap and the glottal stop with these (misaki: not for its 2.0 model).
_V1_AFTER = {"ɾ": "T", "ʔ": "t"}
# Punctuation espeak.py keeps that Kokoro lacks, turned into the nearest symbols it has.
_PUNCT = {"«": "“", "»": "”", "[": "(", "]": ")", "{": "(", "}": ")", "¡": "", "¿": "", "–": "—"}


def _compile(table: dict[str, str]) -> tuple[re.Pattern[str], dict[str, str]]:
    # One regex alternation, longest keys first, replaces everything in a single linear pass.
    keys = sorted(table, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys)), table


def _sub(compiled: tuple[re.Pattern[str], dict[str, str]], text: str) -> str:
    pattern, table = compiled
    return pattern.sub(lambda m: table[m.group(0)], text)


_GB_FIRST_RE = _compile(_GB_FIRST)
_EN_RE = _compile({**_TIED, **_ENGLISH})
_TIED_RE = _compile(_TIED)
_US_RE = _compile(_US_AFTER)
_V1_RE = _compile(_V1_AFTER)
_PUNCT_RE = _compile(_PUNCT)
_SYLLABIC_RE = re.compile(rf"(\S){SYLLABIC}")
_SPACES = re.compile(r"\s+")


def map_espeak(ipa: str, lang: str) -> str:
    """Map one espeak-ng IPA string to Kokoro symbols (dropping what has no counterpart)."""
    return _drop_unknown(fold_espeak(ipa, lang))


def fold_espeak(ipa: str, lang: str) -> str:
    """map_espeak() without the final drop: what is still outside the vocabulary stays, so
    callers with IPA from elsewhere (text/ipa.py) can name it."""
    ps = _sub(_PUNCT_RE, ipa)
    if lang.startswith("en"):
        if lang == "en-gb":
            ps = _sub(_GB_FIRST_RE, ps)
        ps = _sub(_EN_RE, ps)
        # A syllabic consonant becomes schwa + consonant ("button" -> bˈʌtᵊn).
        ps = _SYLLABIC_RE.sub(r"ᵊ\1", ps)
        if lang == "en-us":
            ps = ps.replace(TIE + "ɹ", "ɹ")  # "hair" hˈɛ^ɹ: the tie is a rhotic glide
            ps = _sub(_US_RE, ps)
        ps = ps.replace("o", "ɔ")  # espeak < 1.52 wrote the "thought" vowel as o
        ps = _sub(_V1_RE, ps)
    else:
        ps = _sub(_TIED_RE, ps)
        ps = ps.replace("-", "")  # espeak's clitic joiner (French "ʒə-"), not a sound
    ps = ps.replace(TIE, "").replace(SYLLABIC, "")
    return _SPACES.sub(" ", ps).strip()


def _drop_unknown(ps: str) -> str:
    kept = unknown_pattern().sub("", ps)
    if len(kept) != len(ps):
        log.debug("dropped symbols outside the Kokoro vocabulary: %s", invalid_symbols(ps))
    return kept


def g2p_many(texts: list[str], lang: str) -> list[str]:
    """Kokoro phonemes for each (already normalized) text."""
    return [map_espeak(ipa, lang) for ipa in espeak_many(texts, lang)]
