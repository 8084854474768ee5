"""Documents in, chapters of plain text out: EPUB, Markdown, HTML, PDF and plain text.

Every reader returns a `Book`: metadata plus `Chapter`s whose paragraphs are plain text, ready for
the front-end (footnote references and notes removed, code and tables skipped and counted). Input
is untrusted: readers cap what they read (MAX_* below) and turn every parser failure into one
KokoroError, so a hostile file ends in one clear message, never a hang or a memory blow-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kokoro_cli.errors import KokoroError, UsageError

# Caps on untrusted input. A real book's XHTML file is well under 1 MB; a whole EPUB's text a few.
MAX_MEMBER_BYTES = 32 * 1024 * 1024  # one file inside an EPUB, after decompression
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # everything read from one EPUB, after decompression
MAX_MARKUP_BYTES = 64 * 1024 * 1024  # a whole .html/.md file (text files stream instead)
MAX_PDF_PAGES = 20_000

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

# Square brackets are our markup ([pause:1s], [word](/phonemes/)); in a book they are just text.
_WORD = re.compile(r"\w+")
_BRACKETS = str.maketrans("[]", "()")
# Typographic ligatures some PDFs and EPUBs carry as single code points.
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\u00ad": ""}
)
_SPACES = re.compile(r"\s+")


class DocumentError(KokoroError):
    """The document cannot be read safely: damaged, hostile or too large (exit status 1)."""


@dataclass
class Chapter:
    """One chapter: a title spoken first, then its paragraphs (produced lazily)."""

    title: str
    words: int
    source: Callable[[], Iterator[str]]  # yields the paragraphs; called once per rendering
    notes: list[str] = field(default_factory=list)  # what was skipped, for --plan

    def paragraphs(self) -> Iterator[str]:
        return self.source()

    @classmethod
    def of(cls, title: str, paragraphs: list[str], notes: list[str] | None = None) -> Chapter:
        return cls(title, count_words(paragraphs), lambda: iter(paragraphs), notes or [])


@dataclass
class Book:
    title: str
    author: str = ""
    language: str = ""  # as the document says it (e.g. "en", "fr-FR"); "" when unknown
    cover: bytes | None = None
    cover_type: str = ""  # "jpeg" or "png"
    chapters: list[Chapter] = field(default_factory=list)


def count_words(paragraphs: Iterable[str]) -> int:
    """Words as a reader counts them: runs of non-space ("wasn’t" is one)."""
    return sum(len(p.split()) for p in paragraphs)


def clean(text: str) -> str:
    """One paragraph as speakable text: ligatures expanded, brackets neutral, spaces collapsed."""
    return _SPACES.sub(" ", text.translate(_LIGATURES).translate(_BRACKETS)).strip()


def same_title(paragraph: str, title: str) -> bool:
    """Whether a chapter's first paragraph just repeats its title (then it is not read twice)."""
    a, b = (" ".join(_WORD.findall(s.lower())) for s in (paragraph, title))
    return bool(a) and a == b


def read_document(path: Path) -> Book:
    """The chapters and metadata of the document at `path`, by its extension."""
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise UsageError(f"{path.name}: unsupported document type; use one of: {known}")
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise UsageError(f"{path} {what}; give a document file")
    if kind == "epub":
        from kokoro_cli.documents.epub import read_epub as reader
    elif kind == "markdown":
        from kokoro_cli.documents.markdown import read_markdown as reader
    elif kind == "html":
        from kokoro_cli.documents.html import read_html as reader
    elif kind == "pdf":
        from kokoro_cli.documents.pdf import read_pdf as reader
    else:
        from kokoro_cli.documents.plain import read_text_file as reader
    book = reader(path)
    book.chapters = [c for c in book.chapters if c.words > 0 or c.notes]
    if not any(c.words for c in book.chapters):
        raise DocumentError(
            f"{path.name} has no readable text; check that it is not scanned images"
        )
    return book


def read_capped(path: Path, cap: int = MAX_MARKUP_BYTES) -> bytes:
    """A whole (markup) file, refusing one larger than `cap`."""
    try:
        with path.open("rb") as f:
            data = f.read(cap + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}; check its permissions") from None
    if len(data) > cap:
        raise DocumentError(
            f"{path.name} is larger than {cap // 2**20} MB; split it, or save it as .txt (streamed)"
        )
    return data
