"""Markdown to chapters: rendered to HTML by markdown-it-py, then read like any HTML page
(inline HTML included: the extractor is safe on it).

markdown-it-py comes with rich (already a dependency). Footnotes are not CommonMark, so their
references ([^1]) and definitions are removed here before rendering: notes are not read.
"""

from __future__ import annotations

import re
from pathlib import Path

from kokoro_cli.documents.common import Book, read_capped
from kokoro_cli.documents.html import chapters_by_heading, extract
from kokoro_cli.inputs import decode_text

_FOOTNOTE_DEF = re.compile(r"^\[\^[^\]\n]+\]:.*(?:\n(?:[ \t]+.*)?)*?(?=\n\S|\Z)", re.M)
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\n]+\]")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_FRONT_TITLE = re.compile(r"^title:\s*[\"']?(.+?)[\"']?\s*$", re.M)
_FRONT_AUTHOR = re.compile(r"^author:\s*[\"']?(.+?)[\"']?\s*$", re.M)


def read_markdown(path: Path) -> Book:
    from markdown_it import MarkdownIt

    text = decode_text(read_capped(path), path.name)
    title, author = path.stem, ""
    front = _FRONT_MATTER.match(text)
    if front:  # YAML front matter: title and author, never read aloud
        meta = front.group(0)
        title = (m[1] if (m := _FRONT_TITLE.search(meta)) else title).strip()
        author = (m[1] if (m := _FRONT_AUTHOR.search(meta)) else "").strip()
        text = text[front.end() :]
    text = _FOOTNOTE_REF.sub("", _FOOTNOTE_DEF.sub("", text))
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    ex = extract(html)
    return Book(title=title, author=author, chapters=chapters_by_heading(ex, title))
