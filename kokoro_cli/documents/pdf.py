"""PDF through pypdf (BSD): chapters from the outline, page furniture stripped.

Running headers and footers (lines repeating at the top or bottom of many pages, page numbers
included once digits are masked) are dropped, words hyphenated across lines re-joined, and
ligatures expanded. pypdf raises many kinds of errors on damaged files; each becomes one
DocumentError.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from kokoro_cli.documents.common import (
    MAX_PDF_PAGES,
    Book,
    Chapter,
    DocumentError,
    clean,
    same_title,
)

EDGE_LINES = 2  # lines at each end of a page that may be a running header or footer
REPEAT_SHARE = 0.4  # ... and are dropped when they repeat on this share of the pages
_PAGE_NUMBER = re.compile(r"(?:page\s*)?(?:\d+|[ivxlcdm]+)(?:\s*(?:of|/)\s*\d+)?", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[.!?:\"”’)]$")


def _key(line: str) -> str:
    return _DIGITS.sub("#", line.strip().lower())


def _strip_furniture(pages: list[list[str]]) -> list[list[str]]:
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = set(lines[:EDGE_LINES] + lines[-EDGE_LINES:])
        counts.update({_key(x) for x in edges})
    threshold = max(2, math.ceil(REPEAT_SHARE * len(pages)))
    out = []
    for lines in pages:
        keep = []
        for i, line in enumerate(lines):
            edge = i < EDGE_LINES or i >= len(lines) - EDGE_LINES
            if edge and (_PAGE_NUMBER.fullmatch(line.strip()) or counts[_key(line)] >= threshold):
                continue
            keep.append(line)
        out.append(keep)
    return out


def _paragraphs(lines: list[str]) -> list[str]:
    """Lines to paragraphs: hyphenated words re-joined, a short line ending a sentence ends one."""
    width = sorted(len(x) for x in lines)[len(lines) * 3 // 4] if lines else 0
    paras: list[str] = []
    current = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if (
            current.endswith("-")
            and len(current) > 1
            and current[-2].isalpha()
            and line[0].islower()
        ):
            current = current[:-1] + line  # "exam-" + "ple"
        else:
            current = f"{current} {line}" if current else line
        if _SENTENCE_END.search(line) and len(line) < 0.8 * width:
            paras.append(clean(current))
            current = ""
    if current:
        paras.append(clean(current))
    return [p for p in paras if p]


def _outline(reader: Any) -> list[tuple[int, str]]:
    """(page index, title) of the outline's top-level entries, in page order."""
    marks = []
    for entry in reader.outline:
        if isinstance(entry, list):  # children of the previous entry
            continue
        try:
            marks.append((reader.get_destination_page_number(entry), clean(str(entry.title))))
        except Exception:  # an entry pointing nowhere: skip it, keep the rest
            continue
    return sorted(m for m in marks if m[0] is not None and m[0] >= 0)


def read_pdf(path: Path) -> Book:
    # pypdf logs its repairs ("EOF marker not found") to stderr; our one error line says enough
    quiet = logging.getLogger("pypdf")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    try:
        from pypdf import PdfReader

        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{path.name} is encrypted; decrypt it first (qpdf --decrypt)")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentError(f"{path.name} has more than {MAX_PDF_PAGES} pages; split it first")
        meta = reader.metadata or {}
        title = clean(str(meta.get("/Title") or "")) or path.stem
        author = clean(str(meta.get("/Author") or ""))
        language = clean(str(reader.trailer["/Root"].get("/Lang") or ""))  # the catalog's
        pages = [(page.extract_text() or "").splitlines() for page in reader.pages]
        marks = _outline(reader)
    except DocumentError:
        raise
    except Exception as exc:  # pypdf's own errors, and the struct/zlib/key errors of bad files
        raise DocumentError(
            f"{path.name} cannot be read as a PDF ({type(exc).__name__}: {exc}); "
            "check the file, or export it again"
        ) from None
    pages = _strip_furniture(pages)
    if not marks or marks[0][0] > 0:
        marks.insert(0, (0, title if not marks else "Opening"))
    chapters = []
    for i, (first, name) in enumerate(marks):
        last = marks[i + 1][0] if i + 1 < len(marks) else len(pages)
        lines = [x for p in pages[first:last] for x in p]
        while lines and not lines[0].strip():
            lines.pop(0)
        if lines and same_title(lines[0], name):
            lines.pop(0)
        chapters.append(Chapter.of(name, _paragraphs(lines)))
    return Book(title=title, author=author, language=language, chapters=chapters)
