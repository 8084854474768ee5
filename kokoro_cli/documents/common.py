"""What every document reader shares: the Book and Chapter they return, the caps on untrusted
input, and the clean-up of a paragraph into speakable text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kokoro_cli.errors import KokoroError, UsageError

if TYPE_CHECKING:
    from kokoro_cli.text.lexicon import Entry

# Caps on untrusted input. A real book's XHTML file is well under 1 MB; a whole EPUB's text a few.
MAX_MEMBER_BYTES = 32 * 1024 * 1024  # one file inside an EPUB, after decompression
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # everything read from one EPUB, after decompression
MAX_MARKUP_BYTES = 64 * 1024 * 1024  # a whole .html/.md file (text files stream instead)
MAX_PDF_PAGES = 20_000


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
    # the book's own pronunciations for this chapter (EPUB lexicons its documents link)
    pronunciations: list[Entry] = field(default_factory=list)

    def paragraphs(self) -> Iterator[str]:
        return self.source()

    @classmethod
    def of(
        cls,
        title: str,
        paragraphs: list[str],
        notes: list[str] | None = None,
        pronunciations: list[Entry] | None = None,
    ) -> Chapter:
        words = count_words(paragraphs)
        return cls(title, words, lambda: iter(paragraphs), notes or [], pronunciations or [])


@dataclass
class Book:
    title: str
    author: str = ""
    language: str = ""  # as the document says it (e.g. "en", "fr-FR"); "" when unknown
    cover: bytes | None = None
    cover_type: str = ""  # "jpeg" or "png"
    chapters: list[Chapter] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader could not use, to tell


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
