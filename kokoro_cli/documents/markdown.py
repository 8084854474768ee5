r"""Markdown to chapters: rendered to HTML by markdown-it-py, then read like any HTML page
(inline HTML included: the extractor is safe on it).

markdown-it-py comes with rich (already a dependency). Footnotes are not CommonMark, so their
references ([^1]) and definitions are removed here before rendering: notes are not read.
LaTeX math ($x^2$, $$…$$, \(…\), \[…\]; not "$5 and $10") is replaced by its reading before
rendering (its _ and * would otherwise become emphasis); one that cannot be read becomes an
empty <math>, which the extractor counts as a skipped formula.
"""

from __future__ import annotations

import re
from pathlib import Path

from kokoro_cli.documents.common import Book, read_capped
from kokoro_cli.documents.html import chapters_by_heading, extract
from kokoro_cli.documents.latex import markdown_spans, read_tex
from kokoro_cli.inputs import decode_text

_FOOTNOTE_DEF = re.compile(r"^\[\^[^\]\n]+\]:.*(?:\n(?:[ \t]+.*)?)*?(?=\n\S|\Z)", re.M)
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\n]+\]")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_FRONT_TITLE = re.compile(r"^title:\s*[\"']?(.+?)[\"']?\s*$", re.M)
_FRONT_AUTHOR = re.compile(r"^author:\s*[\"']?(.+?)[\"']?\s*$", re.M)
_FRONT_LANG = re.compile(
    r"^lang(?:uage)?:\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)[\"']?\s*$", re.M
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _read_math(text: str) -> str:
    """The Markdown with each formula replaced by its reading (escaped for Markdown)."""
    out, at = [], 0
    for start, end, tex, _ in markdown_spans(text):
        reading = read_tex(tex)
        out.append(text[at:start])
        out.append(_MARKDOWN_SPECIAL.sub(r"\\\1", reading) if reading else "<math></math>")
        at = end
    out.append(text[at:])
    return "".join(out)


def read_markdown(path: Path) -> Book:
    from markdown_it import MarkdownIt

    text = decode_text(read_capped(path), path.name)
    title, author, lang = path.stem, "", ""
    front = _FRONT_MATTER.match(text)
    if front:  # YAML front matter: title and author, never read aloud
        meta = front.group(0)
        title = (m[1] if (m := _FRONT_TITLE.search(meta)) else title).strip()
        author = (m[1] if (m := _FRONT_AUTHOR.search(meta)) else "").strip()
        lang = m[1] if (m := _FRONT_LANG.search(meta)) else ""
        text = text[front.end() :]
    text = _read_math(_FOOTNOTE_REF.sub("", _FOOTNOTE_DEF.sub("", text)))
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    ex = extract(html)
    chapters = chapters_by_heading(ex, title)
    return Book(title=title, author=author, language=lang, chapters=chapters)
