"""SSML attribute values: pause lengths and strengths, prosody (rate, pitch, volume), emphasis,
languages, and phoneme strings (IPA or X-SAMPA) turned into Kokoro's symbols.

Every parser returns a plain number (or string) or raises ValueError with the fix in its
message; text/ssml.py adds where in the document the value stands.
"""

from __future__ import annotations

import math
import re
import unicodedata

from kokoro_cli import pauses
from kokoro_cli.text.espeak import TIE
from kokoro_cli.text.g2p import describe, invalid_symbols, map_espeak

# Labels are absolute settings; numbers with a sign or a unit are changes to the enclosing
# value (SSML 1.1, 3.2.4), so nested changes multiply (rate) or add (semitones, decibels).
RATES = {"x-slow": 0.6, "slow": 0.8, "medium": 1.0, "fast": 1.25, "x-fast": 1.5, "default": 1.0}
PITCHES = {"x-low": -4.0, "low": -2.0, "medium": 0.0, "high": 2.0, "x-high": 4.0, "default": 0.0}
VOLUMES = {"silent": -math.inf, "x-soft": -12.0, "soft": -6.0, "medium": 0.0, "loud": 3.0,
           "x-loud": 6.0, "default": 0.0}  # fmt: skip
# What stays intelligible (and unclipped): beyond these a prosody value is clamped, with a warning.
RATE_RANGE = (0.5, 2.0)  # times the caller's speed
PITCH_RANGE = (-8.0, 8.0)  # semitones
# Decibels; "silent" mutes instead. Kokoro's speech peaks near -6 dBFS: +6 dB reaches full scale.
VOLUME_RANGE = (-40.0, 6.0)
# Emphasis: a change of stress (Kokoro's [word](+1) markup, misaki's levels), plus a small
# change of rate and pitch for the emphasized words.
EMPHASIS = {"strong": 2, "moderate": 1, "none": 0, "reduced": -1}
EMPHASIS_RATE = {2: 0.9, 1: 0.95, 0: 1.0, -1: 1.05}
EMPHASIS_PITCH = {2: 2.0, 1: 1.0, 0: 0.0, -1: -1.0}  # semitones
STRENGTHS = ("none", "x-weak", "weak", "medium", "strong", "x-strong")

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_TIME = re.compile(rf"\s*\+?{_NUMBER}\s*(ms|s)\s*", re.IGNORECASE)
_RELATIVE = re.compile(rf"\s*([+-]?){_NUMBER}\s*(%|st|db|hz)?\s*", re.IGNORECASE)


def seconds(value: str) -> float:
    """A CSS2 time ("250ms", "1.5s") in seconds, at most pauses.MAX_PAUSE."""
    m = _TIME.fullmatch(value)
    if not m:
        raise ValueError("give a time like 500ms or 1.5s")
    secs = float(m[1]) / (1000.0 if m[2].lower() == "ms" else 1.0)
    if secs > pauses.MAX_PAUSE:
        raise ValueError(f"a break is at most {pauses.MAX_PAUSE:g} s")
    return secs


def strength(value: str, sentence: float, paragraph: float, chapter: float) -> float:
    """A break strength in seconds, on the pause scale of pauses.py: word, clause, sentence,
    paragraph and chapter pauses from x-weak to x-strong."""
    scale = dict(zip(STRENGTHS, (0.0, pauses.WORD_PAUSE, pauses.CLAUSE_PAUSE, sentence,
                                 paragraph, chapter), strict=True))  # fmt: skip
    if value.strip() not in scale:
        raise ValueError(f"use one of {', '.join(STRENGTHS)}")
    return scale[value.strip()]


def rate(value: str, current: float) -> float:
    """A prosody rate: a label, "150%" / "1.5" (times the default), "+10%" / "-0.3" (a change)."""
    label = value.strip().lower()
    if label in RATES:
        return RATES[label]
    m = _RELATIVE.fullmatch(value)
    if not m or m[3] and m[3] != "%":
        raise ValueError(f"use {', '.join(RATES)}, a percentage like 80%, or a number like 1.2")
    amount = float(m[2]) / (100.0 if m[3] else 1.0)
    if not m[1]:
        if amount <= 0:
            raise ValueError("a rate must be above 0%")
        return amount
    change = 1.0 + amount if m[1] == "+" else 1.0 - amount
    if change <= 0:
        raise ValueError("a rate cannot slow down by 100% or more")
    return current * change


def pitch(value: str, current: float) -> float:
    """A prosody pitch in semitones: a label, or a change "+2st" / "-10%" of the current pitch."""
    label = value.strip().lower()
    if label in PITCHES:
        return PITCHES[label]
    m = _RELATIVE.fullmatch(value)
    unit = (m[3] or "").lower() if m else ""
    if not m or unit == "hz" or not unit:
        raise ValueError(
            f"use {', '.join(PITCHES)}, semitones like +2st, or a percentage like -10%"
            " (Hz values are not supported)"
        )
    amount = float(m[2]) * (-1.0 if m[1] == "-" else 1.0)
    if unit == "%":
        if amount <= -100:
            raise ValueError("a pitch cannot drop by 100% or more")
        return current + 12.0 * math.log2(1.0 + amount / 100.0)
    return current + amount


def volume(value: str, current: float) -> float:
    """A prosody volume in decibels: a label ("silent" is -inf), or a change "+6dB" / "-3dB"."""
    label = value.strip().lower()
    if label in VOLUMES:
        return VOLUMES[label]
    m = _RELATIVE.fullmatch(value)
    if not m or (m[3] or "").lower() != "db":
        raise ValueError(f"use {', '.join(VOLUMES)}, or decibels like +6dB or -3dB")
    return current + float(m[2]) * (-1.0 if m[1] == "-" else 1.0)


def emphasis(value: str) -> int:
    """An emphasis level as a stress change: +2 strong ... -1 reduced."""
    if value.strip() not in EMPHASIS:
        raise ValueError(f"use one of {', '.join(EMPHASIS)}")
    return EMPHASIS[value.strip()]


def clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


# BCP 47 tags to our codes; English varieties outside the US sound closer to British English.
_PRIMARY = {"es": "es", "fr": "fr-fr", "it": "it", "pt": "pt-br", "ja": "ja", "jp": "ja",
            "zh": "zh", "cmn": "zh", "hi": "hi"}  # fmt: skip
_BRITISH = {"gb", "uk", "au", "nz", "ie", "za", "in", "sg"}


def language(tag: str) -> str | None:
    """Our language code for an xml:lang tag ("en-US" -> "en-us"), or None if we lack it."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    if parts[0] == "en":
        return "en-gb" if len(parts) > 1 and parts[1] in _BRITISH else "en-us"
    return _PRIMARY.get(parts[0])


def same_language(a: str, b: str) -> bool:
    """Whether a voice of language `a` can read text of language `b` (English ones read both)."""
    return a == b or a.startswith("en") and b.startswith("en")


# ---------------------------------------------------------------- stress (emphasis)

_STRESS = "ˈˌ"
_VOWELS = set("AIOQWYaeiouyæɑɐɒɔəɘɚɛɜɞɤɨɪɯɵɶʉʊʌʏøœᵊᵻ")


def stressed(phonemes: str, level: int) -> str:
    """Phonemes with each word's stress raised (level > 0) or lowered (< 0), as misaki's
    stress markup does: +1 gives an unstressed word secondary stress and turns secondary
    into primary; +2 makes sure of a primary; -1 demotes primary to secondary."""
    return " ".join(_restress(word, level) for word in phonemes.split(" "))


def _restress(word: str, level: int) -> str:
    if level < 0:
        return word.replace("ˌ", "").replace("ˈ", "ˌ")
    if level == 0 or "ˈ" in word:
        return word
    if "ˌ" in word:
        return word.replace("ˌ", "ˈ", 1)
    vowel = next((i for i, ch in enumerate(word) if ch in _VOWELS), None)
    if vowel is None:
        return word  # no syllable to stress ("ʃ")
    return word[:vowel] + ("ˈ" if level >= 2 else "ˌ") + word[vowel:]


# ---------------------------------------------------------------- phoneme alphabets

# Standard IPA that Kokoro spells otherwise: English diphthongs and affricates are one letter
# (tied first, so g2p.map_espeak folds them as it folds espeak's output); narrow "ei", "ou" too.
_EN_DIGRAPHS = {"eɪ": "eɪ", "aɪ": "aɪ", "aʊ": "aʊ", "oʊ": "oʊ", "ɔɪ": "ɔɪ", "əʊ": "əʊ", "tʃ": "tʃ",
                "dʒ": "dʒ", "ei": "eɪ", "ai": "aɪ", "au": "aʊ", "ou": "oʊ", "oi": "ɔɪ",
                "ɔi": "ɔɪ"}  # fmt: skip
# Marks with no Kokoro symbol that change no phoneme: syllable breaks, devoicing, non-syllabic.
_DROP = re.compile(
    "[.|‖ˑʼ\u0325\u032f\u031a\u0339\u031c\u031f\u0320\u0308\u033d\u0324\u0330\u0318\u0319\u031d\u031e]"
)
# (":" and "," stay: they are Kokoro's punctuation tokens.)
_IPA_FIXES = str.maketrans({"g": "ɡ", "'": "ˈ", "ɫ": "l", "ɝ": "ɜɹ", "\u0361": TIE, "\u035c": TIE})

# X-SAMPA -> IPA (the symbols for sounds Kokoro's languages use, and their neighbours).
_XSAMPA = {
    "a": "a", "b": "b", "c": "c", "d": "d", "e": "e", "f": "f", "g": "ɡ", "h": "h", "i": "i",
    "j": "j", "k": "k", "l": "l", "m": "m", "n": "n", "o": "o", "p": "p", "q": "q", "r": "r",
    "s": "s", "t": "t", "u": "u", "v": "v", "w": "w", "x": "x", "y": "y", "z": "z",
    "A": "ɑ", "B": "β", "C": "ç", "D": "ð", "E": "ɛ", "F": "ɱ", "G": "ɣ", "H": "ɥ", "I": "ɪ",
    "J": "ɲ", "K": "ɬ", "L": "ʎ", "M": "ɯ", "N": "ŋ", "O": "ɔ", "P": "ʋ", "Q": "ɒ", "R": "ʁ",
    "S": "ʃ", "T": "θ", "U": "ʊ", "V": "ʌ", "W": "ʍ", "X": "χ", "Y": "ʏ", "Z": "ʒ",
    "1": "ɨ", "2": "ø", "3": "ɜ", "4": "ɾ", "5": "ɫ", "6": "ɐ", "7": "ɤ", "8": "ɵ", "9": "œ",
    "&": "ɶ", "?": "ʔ", "@": "ə", "{": "æ", "}": "ʉ", "~": "\u0303", '"': "ˈ", "%": "ˌ",
    ":": "ː", ":\\": "ˑ", "=": "\u0329", "`": "˞", "'": "ʲ", ".": ".", "-": "",
    "r\\": "ɹ", "r\\`": "ɻ", "j\\": "ʝ", "s\\": "ɕ", "z\\": "ʑ", "h\\": "ɦ", "?\\": "ʕ",
    "n`": "ɳ", "t`": "ʈ", "d`": "ɖ", "s`": "ʂ", "z`": "ʐ", "r`": "ɽ", "l`": "ɭ", "N\\": "ɴ",
    "R\\": "ʀ", "G\\": "ɢ", "J\\": "ɟ", "L\\": "ʟ", "M\\": "ɰ", "X\\": "ħ", "@\\": "ɘ",
    "3\\": "ɞ", "I\\": "ᵻ", "U\\": "ᵿ", "p\\": "ɸ", "v\\": "ʋ", "B\\": "ʙ", "l\\": "ɺ",
    "_h": "ʰ", "_j": "ʲ", "_~": "\u0303", "_0": "", "_^": "", "_=": "\u0329", "_:": "",
    "@`": "ɚ", "-\\": TIE, "_t": "", "_w": "ʷ", "_G": "ˠ",
}  # fmt: skip
_XSAMPA_RE = re.compile("|".join(re.escape(k) for k in sorted(_XSAMPA, key=len, reverse=True)))


def _folds(symbol: str, lang: str) -> bool:
    """Whether map_espeak turns `symbol` into Kokoro's symbols (it drops what it cannot)."""
    if symbol in (TIE, "\u0329"):  # ties and syllabic marks fold with their neighbours
        return True
    folded = map_espeak(symbol, lang)
    return bool(folded) and not invalid_symbols(folded) or symbol == "ʲ"


def _before_vowels(ps: str) -> str:
    """Stress marks moved from the start of their syllable to just before its vowel, where
    Kokoro's (espeak's, misaki's) phonemes put them: "ˈtoʊ" -> "tˈO"."""
    out = list(ps)
    for i in range(len(out) - 1, -1, -1):
        if out[i] in _STRESS:
            j = i + 1
            while j < len(out) and out[j] not in _VOWELS and out[j] not in _STRESS + " ":
                j += 1
            if j < len(out) and out[j] in _VOWELS:
                out.insert(j - 1, out.pop(i))
    return "".join(out)


def xsampa_to_ipa(text: str) -> str:
    """X-SAMPA to IPA; a symbol X-SAMPA lacks raises ValueError naming it."""
    out, pos, bad = [], 0, []
    while pos < len(text):
        if text[pos].isspace():
            out.append(" ")
            pos += 1
            continue
        m = _XSAMPA_RE.match(text, pos)
        if m is None:
            bad.append(text[pos])
            pos += 1
            continue
        out.append(_XSAMPA[m[0]])
        pos = m.end()
    if bad:
        raise ValueError(f"not X-SAMPA: {describe(list(dict.fromkeys(bad)))}")
    return "".join(out)


def phonemes(ph: str, alphabet: str, lang: str) -> str:
    """`ph` in Kokoro's symbols. alphabet "ipa" is Kokoro's own set, which standard IPA mostly
    is: its English diphthongs and affricates, "g", and marks Kokoro has no symbol for are
    folded in; anything else outside the set raises ValueError naming it. "x-sampa" is
    converted to IPA first."""
    alphabet = alphabet.strip().lower()
    if alphabet == "x-sampa":
        ph = xsampa_to_ipa(ph)
    elif alphabet != "ipa":
        raise ValueError(f"alphabet '{alphabet}' is not supported; use ipa or x-sampa")
    ps = " ".join(unicodedata.normalize("NFC", ph).split())
    if any(ch in ps for ch in "/()"):
        raise ValueError("a phoneme string cannot hold '/', '(' or ')'")
    ps = _DROP.sub("", ps)  # "." in a phoneme string is a syllable break, not a full stop
    if not invalid_symbols(ps) and not lang.startswith("en"):
        return ps  # Kokoro's own symbols already: nothing to fold
    ps = ps.translate(_IPA_FIXES)
    if lang.startswith("en"):
        for pair, sound in _EN_DIGRAPHS.items():
            ps = ps.replace(pair, sound[0] + TIE + sound[1])
    bad = [ch for ch in dict.fromkeys(ps) if invalid_symbols(ch) and not _folds(ch, lang)]
    if bad:
        raise ValueError(f"symbols Kokoro cannot say: {describe(bad)}; use Kokoro's phonemes")
    ps = _before_vowels(map_espeak(ps, lang).strip())
    if not ps:
        raise ValueError("the phoneme string is empty")
    return ps
