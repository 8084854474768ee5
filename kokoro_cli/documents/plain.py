"""Plain text, streamed: chapter headings found in one pass, paragraphs read back on demand.

Nothing holds the whole file: a 200 MB text takes one line and one paragraph of memory at a time.
Lines such as "Chapter 1", "CHAPTER ONE", "Part II" or "Prologue" start chapters; a text without
them is one chapter. Hard-wrapped lines are joined; a blank line ends a paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kokoro_cli.documents.common import Book, Chapter, DocumentError, clean, count_words

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last"
)
HEADING = re.compile(
    rf"(?:(?:chapter|part|book)\s+(?:\d+|[ivxlcdm]+|(?:(?:{_NUMBER_WORDS})[\s-]*)+)\b"
    r"(?:\s*[.:\-—–]\s*\S.*|\.)?"
    r"|prologue|epilogue|introduction|preface|afterword)\s*",
    re.IGNORECASE,
)
MAX_HEADING_CHARS = 80
PIECE_CHARS = 4_000  # a paragraph longer than this (no blank lines at all) is handed on in pieces


def _lines(path: Path, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str]]:
    """(byte offset, decoded line) from `start` up to `end`, streaming."""
    try:
        with path.open("rb") as f:
            f.seek(start)
            offset = start
            for raw in f:
                if end is not None and offset >= end:
                    return
                try:
                    line = raw.decode("utf-8-sig" if offset == 0 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise DocumentError(
                        f"{path.name} is not UTF-8 (bad byte at offset {offset + exc.start}); "
                        "convert it, e.g. iconv -f latin1 -t utf-8"
                    ) from None
                yield offset, line
                offset += len(raw)
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror}; check the file") from None


def _paragraphs(path: Path, start: int, end: int | None) -> Iterator[str]:
    parts: list[str] = []
    size = 0
    for _, line in _lines(path, start, end):
        if line.strip():
            parts.append(line)
            size += len(line)
            if size < PIECE_CHARS:
                continue
        text = clean(" ".join(parts))
        parts, size = [], 0
        if text:
            yield text
    text = clean(" ".join(parts))
    if text:
        yield text


def read_text_file(path: Path) -> Book:
    marks: list[tuple[int, int, str]] = [(0, 0, "")]  # (heading offset, body offset, title)
    words: list[int] = [0]
    previous_blank = True
    for offset, line in _lines(path):
        stripped = line.strip()
        if (
            stripped
            and len(stripped) <= MAX_HEADING_CHARS
            and previous_blank
            and HEADING.fullmatch(stripped)
        ):
            marks.append((offset, offset + len(line.encode()), clean(stripped)))
            words.append(0)
        else:
            words[-1] += count_words([line])
        previous_blank = not stripped
    if len(marks) > 1 and words[0] == 0:  # nothing before the first heading
        marks.pop(0)
        words.pop(0)
    ends = [m[0] for m in marks[1:]] + [None]
    chapters = []
    for (_, body, title), count, end in zip(marks, words, ends, strict=True):
        chapters.append(Chapter(title or path.stem, count, _source(path, body, end)))
    return Book(title=path.stem, chapters=chapters)


def _source(path: Path, start: int, end: int | None):  # type: ignore[no-untyped-def]
    return lambda: _paragraphs(path, start, end)
