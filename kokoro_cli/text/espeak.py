"""espeak-ng calls, clause by clause, checked so that no word is ever lost on the way.

We hand espeak one clause (the text between two punctuation marks) at a time and keep the marks
ourselves (phonemizer's punctuation keeping, used before, split a line at the first occurrence of
each mark *string*, so "Install version 3.11.7 of Python today." lost everything after the "3.";
issue 12). espeak_ng.py is the binding to the C library.

Each clause's output is checked against its input: espeak writes at least one phoneme word per
input word, except that it runs unstressed English function words into their neighbour ("of the"
-> ʌvðə, "I am" -> a^ɪɐm). So fewer output words than input words other than those means
something went missing, and that clause is phonemized again word by word (losing a little
sentence stress, never a word).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import cache

from kokoro_cli.text.espeak_ng import TIE_CHAR, EspeakNG, load

log = logging.getLogger(__name__)

# Our language codes -> espeak-ng voice names.
ESPEAK_VOICES = {
    "en-us": "en-us",
    "en-gb": "en-gb",
    "es": "es",
    "fr-fr": "fr-fr",
    "hi": "hi",
    "it": "it",
    "pt-br": "pt-br",
}

TIE = "^"  # ties are written as this character; g2p folds every tie sequence
# Punctuation kept around espeak (which would drop it). ".,:" between two letters or digits are
# part of a token ("Node.js", "3.14") and stay inside the clause.
_MARKS = r"""[;!?¡¿—…"«»“”(){}\[\]]|(?<!\w)[.,:]|[.,:](?!\w)"""
_MARK_RUN = re.compile(rf"\s*(?:{_MARKS})(?:\s*(?:{_MARKS}))*\s*")
_WORD = re.compile(r"\S*\w\S*")  # an input word: anything with a letter or a digit
# Words espeak may run into a neighbour, per language (measured: only English does it).
_FUNCTION_EN = frozenset(
    "a an the of to in on at by for with from into onto as is it its it's i i'm am are was were be"
    " been and or but nor so if than then that this there their they them he she we you your his"
    " her him us our me my do does did have has had not will would can could shall should may"
    " might must up out off over what who how when where which".split()
)
_MERGING = {"en-us": _FUNCTION_EN, "en-gb": _FUNCTION_EN}
# espeak's language-switch markers: "(en)" before words it reads in English, "(fr)" back. With
# ties on it writes them tied, "(e͡n)"; they were left in until now and Kokoro said "(en)" aloud
# ("(Anus)" after the en-us mapping). Parentheses from the text never reach espeak (_MARKS).
_T = re.escape(TIE)
_FLAG = re.compile(rf"\((?:{_T}?[a-z]){{2,3}}(?:-(?:{_T}?[a-z0-9])+)*\)")


@cache
def backend(lang: str) -> EspeakNG:
    """espeak-ng for `lang`, created once (creation loads voice data); each language has its own
    copy of the library (see espeak_ng.py), so several can be loaded at once."""
    return load(ESPEAK_VOICES[lang])


# espeak-ng keeps its state in globals: one caller at a time (batch workers share it).
_ESPEAK = threading.Lock()


def _raw(text: str, lang: str) -> str:
    """espeak's IPA for one clause, language flags removed, ties as TIE."""
    ipa = backend(lang).text_to_phonemes(text).replace(TIE_CHAR, TIE)
    ipa = _FLAG.sub("", ipa).replace("_", "")
    return " ".join(ipa.split())


def _clause(text: str, lang: str) -> str:
    """One clause, checked: word by word again when espeak returned fewer words than it got."""
    words = _WORD.findall(text)
    if not words:
        return _raw(text, lang) if text.strip() else ""
    ipa = _raw(text, lang)
    merging = _MERGING.get(lang, frozenset())
    needed = sum(1 for w in words if w.strip("\"'`.,;:!?()[]{}-").lower() not in merging)
    if ipa and len(ipa.split()) >= needed:
        return ipa
    log.debug("espeak lost words of %r (%r); phonemizing word by word", text, ipa)
    if len(words) == 1:
        return ipa or _raw(" ".join(re.findall(r"\w+", text)), lang)
    return " ".join(p for p in (_clause(w, lang) for w in text.split()) if p)


def _one(text: str, lang: str) -> str:
    """A whole text: clauses through espeak, punctuation marks kept as they were written."""
    out: list[str] = []
    pos = 0
    for m in _MARK_RUN.finditer(text):
        out.append(_clause(text[pos : m.start()], lang))
        mark = m[0].strip()
        out.append((" " if m[0][0].isspace() else "") + mark + (" " if m[0][-1].isspace() else ""))
        pos = m.end()
    out.append(_clause(text[pos:], lang))
    return " ".join("".join(out).split())


def espeak_many(texts: list[str], lang: str) -> list[str]:
    """Raw espeak IPA (marks kept) for each text, in order; "" for an empty text."""
    with _ESPEAK:
        return [_one(t.replace("\n", " ").replace("\r", " ").strip(), lang) for t in texts]
