"""IPA and X-SAMPA written by people (EPUB pronunciation lexicons, ssml:ph) in Kokoro's symbols.

Kokoro v1.0 was trained on misaki-style phonemes, which differ from textbook IPA in three ways
this module undoes: diphthongs and affricates are single letters (eɪ -> A, tʃ -> ʧ), the
stress mark stands right before the vowel, not the syllable (həˈloʊ -> həlˈO), and English
sounds the voices never heard are folded into near ones (r -> ɹ, ɚ -> əɹ). The folding tables
are g2p's, which do the same for espeak's IPA. Symbols with no counterpart are dropped and
returned, so the caller can say which (a note, not a failure: a book still gets read).
"""

from __future__ import annotations

import re
import unicodedata

from kokoro_cli.text.espeak import TIE
from kokoro_cli.text.g2p import fold_espeak, invalid_symbols, unknown_pattern

# Tie bars above and below, the undertie and the X-SAMPA-ish "_" all join two symbols.
_TIES = str.maketrans({"\u0361": TIE, "\u035c": TIE, "‿": TIE})
# Written around a transcription or between its syllables; no sound of their own.
_FRAME = str.maketrans({"/": "", "[": "", "]": "", ".": "", "|": " ", "‖": " ", "(": "", ")": ""})
_LOOKALIKES = str.maketrans({"'": "ˈ", "’": "ˈ", "g": "ɡ", "ɫ": "l", "ʍ": "w", ":": "ː"})
# Untied pairs that are one sound in Kokoro's alphabet (espeak writes them tied, people don't).
_PAIRS_EN = ("eɪ", "aɪ", "aʊ", "oʊ", "əʊ", "ɔɪ", "tʃ", "dʒ")
_PAIRS = ("tʃ", "dʒ", "ts", "dz")
_ENGLISH_AFTER = {"ɝ": "ɜɹ", "o": "O"}  # "o" alone: GOAT in names ("ˈkoko"), as in misaki
_STRESS = "ˈˌ"
# Vowels in Kokoro's alphabet (after folding): a stress mark moves right up to the next one.
_VOWELS = set("aeiouyæɑɐɒɔəɘɚɛɜɞɤɨɪʉʊʌʏøœɯɵɶᵻᵊAIOQWYE")

# X-SAMPA (Wells 1995) to IPA, the symbols a lexicon plausibly uses. Longest keys match first.
_XSAMPA = {
    "b_<": "ɓ", "d_<": "ɗ", "g_<": "ɠ", "J\\_<": "ʄ", "G\\_<": "ʛ", "r\\`": "ɻ",
    "d`": "ɖ", "h\\": "ɦ", "j\\": "ʝ", "l`": "ɭ", "l\\": "ɺ", "n`": "ɳ", "p\\": "ɸ", "r`": "ɽ",
    "r\\": "ɹ", "s`": "ʂ", "s\\": "ɕ", "t`": "ʈ", "v\\": "ʋ", "x\\": "ɧ", "z`": "ʐ", "z\\": "ʑ",
    "B\\": "ʙ", "G\\": "ɢ", "H\\": "ʜ", "I\\": "ᵻ", "J\\": "ɟ", "K\\": "ɮ", "L\\": "ʟ", "M\\": "ɰ",
    "N\\": "ɴ", "O\\": "ʘ", "R\\": "ʀ", "U\\": "ᵿ", "X\\": "ħ", "@\\": "ɘ", "3\\": "ɞ", "?\\": "ʕ",
    "@`": "ɚ", "3`": "ɝ", ":\\": "ˑ", "_h": "ʰ", "_j": "ʲ", "_w": "ʷ", "_~": "\u0303",
    "_0": "\u0325", "_=": "\u0329", "-\\": "‿",
    "A": "ɑ", "B": "β", "C": "ç", "D": "ð", "E": "ɛ", "F": "ɱ", "G": "ɣ", "H": "ɥ", "I": "ɪ",
    "J": "ɲ", "K": "ɬ", "L": "ʎ", "M": "ɯ", "N": "ŋ", "O": "ɔ", "P": "ʋ", "Q": "ɒ", "R": "ʁ",
    "S": "ʃ", "T": "θ", "U": "ʊ", "V": "ʌ", "W": "ʍ", "X": "χ", "Y": "ʏ", "Z": "ʒ",
    '"': "ˈ", "%": "ˌ", "'": "ʲ", ":": "ː", "@": "ə", "{": "æ", "}": "ʉ", "1": "ɨ", "2": "ø",
    "3": "ɜ", "4": "ɾ", "5": "ɫ", "6": "ɐ", "7": "ɤ", "8": "ɵ", "9": "œ", "&": "ɶ", "?": "ʔ",
    "~": "\u0303", "=": "\u0329", "`": "\u02de", "_": TIE, "g": "ɡ",
}  # fmt: skip
_XSAMPA_RE = re.compile("|".join(re.escape(k) for k in sorted(_XSAMPA, key=len, reverse=True)))
ALPHABETS = ("ipa", "x-sampa")


def xsampa_to_ipa(text: str) -> str:
    """IPA for an X-SAMPA transcription (symbols it does not know pass through)."""
    return _XSAMPA_RE.sub(lambda m: _XSAMPA[m[0]], text)


def to_kokoro(transcription: str, lang: str, alphabet: str = "ipa") -> tuple[str, list[str]]:
    """(Kokoro phonemes, symbols dropped) for an IPA or X-SAMPA transcription in `lang`.

    `lang` is a Kokoro language code (text.check_lang); `alphabet` one of ALPHABETS.
    """
    text = xsampa_to_ipa(transcription) if alphabet == "x-sampa" else transcription
    text = unicodedata.normalize("NFC", text).translate(_TIES).translate(_LOOKALIKES)
    english = lang.startswith("en")
    pairs = (*_PAIRS_EN, "eə") if lang == "en-gb" else _PAIRS_EN if english else _PAIRS
    for pair in pairs:  # before "." goes: "t.ʃ" stays two sounds
        text = text.replace(pair, pair[0] + TIE + pair[1:])
    text = " ".join(text.translate(_FRAME).split())
    if english:
        for old, new in _ENGLISH_AFTER.items():
            text = re.sub(f"{re.escape(old)}(?!{re.escape(TIE)})", new, text)
        if lang == "en-gb":
            text = text.replace("ɜɹ", "ɜː")
    folded = fold_espeak(text, lang)
    dropped = invalid_symbols(folded)
    kept = unknown_pattern().sub("", folded)
    return " ".join(_stress_before_vowels(kept).split()), dropped


def _stress_before_vowels(ps: str) -> str:
    """Move each stress mark from the start of its syllable to just before its vowel."""
    out: list[str] = []
    held = ""
    for ch in ps:
        if ch in _STRESS:
            held += ch
        elif held and (ch in _VOWELS or ch == " "):
            out.append(held + ch)
            held = ""
        else:
            out.append(ch)
    return "".join(out) + held
