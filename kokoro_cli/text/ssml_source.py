"""Text that remembers where it came from: the pieces SSML parsing builds, mapped to the source.

A group's text mixes the document's own characters with characters the reader made (a say-as
reading, a sub alias, pause tags, the period that closes an <s>). Each stretch of it keeps the
span of the source it stands for, so a word found in the text can be reported at its place in
the SSML (its char_start and char_end), and captions can show the source as written.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

Run = tuple[int, int, int, bool]  # (start in the text, source start, source end, one-to-one)

_TAG = re.compile(r"<!--.*?-->|<!\[CDATA\[|\]\]>|<\?.*?\?>|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>|<[^>]*>",
                  re.S)  # fmt: skip
_BOUNDARY = re.compile(r"</?(?:\w+:)?(?:p|s|paragraph|sentence)\b")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


@dataclass
class Mapped:
    """A piece of text and the source spans of its stretches (runs sorted by start)."""

    text: str
    runs: list[Run] = field(default_factory=list)

    @classmethod
    def at(cls, text: str, start: int, end: int | None = None, literal: bool = False) -> Mapped:
        """`text` standing for source[start:end] (one to one if `literal`), or made at `start`."""
        return cls(text, [(0, start, start if end is None else end, literal)] if text else [])

    def __add__(self, other: Mapped) -> Mapped:
        n = len(self.text)
        return Mapped(
            self.text + other.text, self.runs + [(s + n, a, b, k) for s, a, b, k in other.runs]
        )

    def slice(self, a: int, b: int) -> Mapped:
        out = []
        for i, (s, src_a, src_b, literal) in enumerate(self.runs):
            e = self.runs[i + 1][0] if i + 1 < len(self.runs) else len(self.text)
            lo, hi = max(a, s), min(b, e)
            if lo < hi:
                if literal:
                    out.append((lo - a, src_a + lo - s, src_a + hi - s, True))
                else:
                    out.append((lo - a, src_a, src_b, False))
        return Mapped(self.text[a:b], out)

    def span(self, a: int, b: int) -> tuple[int, int] | None:
        """The source span that text[a:b] stands for; stretches made from nothing (pause tags,
        an added period) count only when nothing else does."""
        starts = [r[0] for r in self.runs]
        k = max(0, bisect.bisect_right(starts, a) - 1)
        found: list[tuple[int, int]] = []
        made: list[tuple[int, int]] = []
        while k < len(self.runs) and self.runs[k][0] < b:
            s, src_a, src_b, literal = self.runs[k]
            e = starts[k + 1] if k + 1 < len(starts) else len(self.text)
            lo, hi = max(a, s), min(b, e)
            if lo < hi:
                span = (src_a + lo - s, src_a + hi - s) if literal else (src_a, src_b)
                (found if span[1] > span[0] else made).append(span)
            k += 1
        spans = found or made
        if not spans:
            return None
        return min(x for x, _ in spans), max(y for _, y in spans)


def from_source(source: str, start: int, end: int, data: str) -> Mapped:
    """`data`, the characters the parser read from source[start:end], mapped character by
    character: entity and character references, CDATA markers and CRLF line ends included."""
    raw = source[start:end]
    if raw == data:
        return Mapped.at(data, start, end, literal=True)
    runs: list[Run] = []
    i = j = 0  # positions in raw and in data
    while j < len(data) and i < len(raw):
        if raw.startswith("<![CDATA[", i) or raw.startswith("]]>", i):
            i += 9 if raw[i] == "<" else 3
            continue
        m = _ENTITY.match(raw, i) if raw[i] == "&" else None
        width = m.end() - i if m else 2 if raw.startswith("\r\n", i) else 1
        if m is None and raw[i] != data[j] and raw[i] != "\r":
            return Mapped.at(data, start, end)  # an unexpected shape: map it all to the span
        literal = width == 1
        if runs and runs[-1][3] and literal and runs[-1][2] == start + i:
            runs[-1] = (runs[-1][0], runs[-1][1], start + i + 1, True)
        else:
            runs.append((j, start + i, start + i + width, literal))
        i, j = i + width, j + 1
    if j < len(data):
        return Mapped.at(data, start, end)
    return Mapped(data, runs)


def masked(source: str) -> str:
    """`source` with its markup blanked, the same length: tags, comments and declarations
    become spaces (closing tags a filler that keeps a word and its punctuation together),
    paragraph and sentence tags blank lines, so the cue maker (audio/timing.py) finds
    sentences and paragraphs in it as in plain text."""

    def blank(m: re.Match[str]) -> str:
        tag = m[0]
        if _BOUNDARY.match(tag) and len(tag) >= 2:
            return "\n\n" + " " * (len(tag) - 2)
        if tag.startswith("</"):  # "yo</sub>." : the period still follows the word
            return "\x00" * len(tag)
        return re.sub(r"[^\n]", " ", tag)

    return _TAG.sub(blank, source)


def caption(fragment: str) -> str:
    """A piece of the source as a caption shows it: markup gone, references resolved."""

    def char(m: re.Match[str]) -> str:
        ref = m[1]
        if ref.startswith("#"):
            code = int(ref[2:], 16) if ref[1] == "x" else int(ref[1:])
            return chr(code) if 0 < code < 0x110000 else ""
        return _NAMED[ref]

    def tag(m: re.Match[str]) -> str:  # "yo</sub>." stays "yo."
        closing = m[0].startswith("</") and not _BOUNDARY.match(m[0])
        return "" if closing else " "

    text = _ENTITY.sub(char, _TAG.sub(tag, fragment))
    return " ".join(text.split())
