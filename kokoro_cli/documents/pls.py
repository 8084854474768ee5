"""W3C Pronunciation Lexicon Specification (PLS 1.0) files, as EPUB 3 packages carry them.

An EPUB content document links its lexicons with
`<link rel="pronunciation" type="application/pls+xml" href="..."/>`; each is

    <lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
             alphabet="ipa" xml:lang="en-US">
      <lexeme><grapheme>Hermione</grapheme><phoneme>hɚˈmaɪəni</phoneme></lexeme>
      <lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme>
    </lexicon>

and becomes text.lexicon entries: a phoneme in Kokoro's symbols (text/ipa.py), an alias as a
respelling. Per lexeme, the pronunciation with prefer="true" wins, else the first (PLS 1.0,
4.6). The file is untrusted: defusedxml (no entities, nothing fetched) and a size cap; anything
wrong with it is a note and the book is read without it, never a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kokoro_cli.errors import UsageError
from kokoro_cli.text.ipa import ALPHABETS, to_kokoro
from kokoro_cli.text.langs import check_lang
from kokoro_cli.text.lexicon import Entry

MEDIA_TYPE = "application/pls+xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_ENTRIES = 100_000  # a generous dictionary; beyond that the file is not a book's lexicon
_ENGLISH = ("en-us", "en-gb")


@dataclass
class Pronunciations:
    """What one PLS file gives: lexicon entries, and notes on what could not be used."""

    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


def languages(code: str) -> tuple[str, ...] | None:
    """Kokoro's codes for a BCP 47 language tag ("en" is both Englishes), None if unspoken."""
    tag = code.strip().lower().replace("_", "-")
    if tag == "en" or (tag.startswith("en-") and tag not in ("en-us", "en-gb")):
        return ("en-gb",) if tag in ("en-uk", "en-ie") else _ENGLISH
    for candidate in (tag, tag.split("-")[0]):
        try:
            return (check_lang(candidate),)
        except UsageError:
            continue
    return None


def parse(data: bytes, name: str) -> Pronunciations:
    """The entries of the PLS document `data`; `name` (its path in the book) labels notes."""
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    out = Pronunciations()
    try:
        root = safe_et.fromstring(data)
    except DefusedXmlException:
        out.notes.append(f"{name}: declares XML entities or external references; not used")
        return out
    except Exception as exc:  # ParseError and friends
        out.notes.append(f"{name}: not well-formed XML ({exc}); not used")
        return out
    if _local(root.tag) != "lexicon":
        out.notes.append(f"{name}: not a pronunciation lexicon (root <{_local(root.tag)}>)")
        return out
    lang = root.get(XML_LANG) or root.get("lang") or ""
    langs = languages(lang) if lang else _ENGLISH
    if langs is None:
        out.notes.append(f"{name}: lexicon for '{lang}', a language Kokoro does not speak")
        return out
    alphabet = (root.get("alphabet") or "ipa").lower()
    dropped: dict[str, list[str]] = {}
    for k, lexeme in enumerate(el for el in root if _local(el.tag) == "lexeme"):
        if len(out.entries) >= MAX_ENTRIES:
            out.notes.append(f"{name}: more than {MAX_ENTRIES} entries; the rest not used")
            break
        where = f"{name}#{k + 1}"
        graphemes = [g for g in (_text(c) for c in lexeme if _local(c.tag) == "grapheme") if g]
        said = _preferred([c for c in lexeme if _local(c.tag) in ("phoneme", "alias")])
        if not graphemes or said is None:
            continue
        if _local(said.tag) == "alias":
            respelling = _text(said)
            if respelling:
                out.entries += [Entry(g, None, respelling, where, langs) for g in graphemes]
            continue
        kind = (said.get("alphabet") or alphabet).lower()
        if kind not in ALPHABETS:
            out.notes.append(f"{where} ({graphemes[0]}): alphabet '{kind}' unknown; not used")
            continue
        for code in langs:  # en-us and en-gb fold some vowels differently
            phonemes, bad = to_kokoro(_text(said), code, kind)
            for symbol in bad:
                dropped.setdefault(symbol, []).append(graphemes[0])
            if phonemes:
                out.entries += [Entry(g, phonemes, None, where, (code,)) for g in graphemes]
    for symbol, words in dropped.items():
        shown = ", ".join(dict.fromkeys(words[:5]))
        out.notes.append(
            f"{name}: symbol '{symbol}' (U+{ord(symbol):04X}) has no Kokoro phoneme; "
            f"dropped from {shown}{' ...' if len(set(words)) > 5 else ''}"
        )
    return out


def _preferred(choices: list[Any]) -> Any:
    """The pronunciation a lexeme prefers: the first with prefer="true", else the first."""
    for el in choices:
        if (el.get("prefer") or "").strip().lower() == "true":
            return el
    return choices[0] if choices else None
