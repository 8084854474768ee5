"""SSML input (a subset of SSML 1.1), parsed safely into groups of text the front end reads.

    <speak>Hello. <break time="1.5s"/> <prosody rate="slow">Slowly now.</prosody></speak>

A text is SSML when its first element is <speak> (after a BOM, whitespace, an XML declaration,
comments or a DOCTYPE), unless the caller says otherwise (`--ssml` / `--no-ssml`). defusedxml's
hardened expat parses it: entity declarations are refused (no expansion bombs), nothing
external is ever fetched, and malformed XML is an error naming its line and column.

The document becomes Groups: stretches of text spoken with one voice, language, rate, pitch and
volume; a change of any of them starts a new group (and so a new chunk). A group's text is
written in our inline markup (text/markup.py): a break is a pause tag, a <phoneme> or an
emphasized word a pronunciation, a paragraph a blank line. So chunking, pauses and joins work
exactly as for plain text, and a plain text wrapped in <speak> sounds exactly like itself. Each
character of a group's text keeps the span of the source it stands for (ssml_source.py), so
word timings index the SSML as the user wrote it.
"""

from __future__ import annotations

from typing import Any

from kokoro_cli.errors import UsageError
from kokoro_cli.text.ssml_reader import HINT, MAX_DEPTH, Document, Group, Reader, Style, Voices

__all__ = ["MAX_DEPTH", "Document", "Group", "Style", "Voices", "detect", "parse"]


def detect(text: str, ssml: bool | None = None) -> bool:
    """Whether `text` is to be read as SSML: `ssml` if given, else whether it starts with
    <speak> once the XML prolog is skipped."""
    if ssml is not None:
        return ssml
    rest = _after_prolog(text)
    return rest.startswith("<speak") and rest[6:7] in (">", "/", " ", "\t", "\n", "\r")


def detect_start(text: str) -> bool | None:
    """detect() on the start of a text still being written: True or False once its first
    element shows, None while that is still to come (space, a prolog, "<spe")."""
    rest = _after_prolog(text)
    if not rest or (rest.startswith("<") and len(rest) < 7):
        return None
    return detect(text)


def _after_prolog(text: str) -> str:
    """`text` from its first element on (skipping BOM, space, <?xml?>, comments, DOCTYPE)."""
    pos = 1 if text.startswith("\ufeff") else 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith("<?", pos) or text.startswith("<!--", pos):
            end = text.find("?>" if text[pos + 1] == "?" else "-->", pos)
            if end < 0:
                return ""
            pos = end + (2 if text[pos + 1] == "?" else 3)
        elif text.startswith("<!DOCTYPE", pos):
            depth = 0
            while pos < len(text) and (text[pos] != ">" or depth):
                depth += {"[": 1, "]": -1}.get(text[pos], 0)
                pos += 1
            pos += 1
        else:
            return text[pos : pos + 8]


def parse(
    source: str, voice: str, lang: str, voices: Voices, *, pauses: tuple[float, float, float],
    lexicon: Any = None,
) -> Document:  # fmt: skip
    """The groups of an SSML document spoken by `voice` in `lang` unless it says otherwise;
    `pauses` are the sentence, paragraph and chapter pauses the break strengths map onto."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser, ParseError

    reader = Reader(source, Style(voice, lang), voices, pauses, lexicon)
    parser = DefusedXMLParser(target=reader)
    parser.parser.buffer_text = False  # each text piece reported where it starts
    reader.parser = parser.parser
    try:
        parser.feed(source)
        parser.close()
    except ParseError as exc:
        where = reader.where(reader.char(parser.parser.ErrorByteIndex))
        what = str(exc).split(":")[0]
        if what == "undefined entity":
            what += " (XML has only &amp; &lt; &gt; &quot; &apos; and numeric ones like &#233;)"
        raise UsageError(f"SSML is not well-formed at {where}: {what}; {HINT}") from None
    except DefusedXmlException as exc:
        name = getattr(exc, "name", None)
        what = f"declares an entity ({name})" if name else "refers to an external entity"
        raise UsageError(
            f"SSML {what}: entity declarations and external references are refused for safety,"
            " and nothing is fetched; write the text out instead"
        ) from None
    return reader.document()
