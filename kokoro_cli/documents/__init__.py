"""Documents in, chapters of plain text out: EPUB, Markdown, HTML, PDF and plain text.

Every reader returns a `Book`: metadata plus `Chapter`s whose paragraphs are plain text, ready for
the front-end (footnote references and notes removed, code and tables skipped and counted). Input
is untrusted: readers cap what they read (MAX_* below) and turn every parser failure into one
KokoroError, so a hostile file ends in one clear message, never a hang or a memory blow-up.
"""

from __future__ import annotations

from pathlib import Path

from kokoro_cli.documents import epub, html, markdown, pdf, plain
from kokoro_cli.documents.common import Book, Chapter, DocumentError, clean, count_words
from kokoro_cli.errors import UsageError

__all__ = [
    "Book",
    "Chapter",
    "DocumentError",
    "EXTENSIONS",
    "clean",
    "count_words",
    "read_document",
]

EXTENSIONS = {
    ".epub": "epub",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".txt": "text",
}


def read_document(path: Path) -> Book:
    """The chapters and metadata of the document at `path`, by its extension."""
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise UsageError(f"{path.name}: unsupported document type; use one of: {known}")
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise UsageError(f"{path} {what}; give a document file")
    readers = {"epub": epub.read_epub, "markdown": markdown.read_markdown, "html": html.read_html}
    readers |= {"pdf": pdf.read_pdf, "text": plain.read_text_file}
    book = readers[kind](path)
    book.chapters = [c for c in book.chapters if c.words > 0 or c.notes]
    if not any(c.words for c in book.chapters):
        raise DocumentError(
            f"{path.name} has no readable text; check that it is not scanned images"
        )
    return book
