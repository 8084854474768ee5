"""The words of an SVG page: `<text>` and `<tspan>` runs joined by where they sit.

Fixed-layout EPUBs made from print (and PDF converters) put each page's text in SVG, cut into
runs wherever the typesetter moved the pen: a word can be split over two tspans ("Hel" + "lo")
and two words can sit in one run with only their x positions apart ("10 16 22 ..." per glyph).
Runs are read in document order; on a line, a gap wider than a third of the font size between
the end of one run (estimated at half an em a character) and the start of the next is a space,
and so is a jump between glyphs of a per-glyph run (without spaces of its own) well beyond
their usual advance. White space between positioned runs is only indentation of the file. A new
baseline is a new line; a large vertical jump a new paragraph; a line-end hyphen before a
lower-case letter is re-joined.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

DEFAULT_FONT_SIZE = 16.0  # SVG's initial font-size, in user units
CHAR_EM = 0.5  # an average glyph's advance, in ems
SPACE_EM = 1 / 3  # a gap wider than this (ems) between runs is a word space
PARAGRAPH_EM = 2.2  # a baseline this far (ems) below the last starts a paragraph
GLYPH_JUMP = 2.2  # a per-glyph advance this many times the run's median is a word space
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_FONT_SIZE = re.compile(r"font-size\s*:\s*([\d.]+)")


@dataclass
class Run:
    text: str
    xs: list[float] = field(default_factory=list)  # explicit x (one, or one per glyph)
    y: float | None = None
    size: float = DEFAULT_FONT_SIZE


def numbers(value: str | None) -> list[float]:
    return [float(n) for n in _NUMBER.findall(value or "")]


def font_size(attrs: dict[str, str], inherited: float) -> float:
    found = numbers(attrs.get("font-size")) or [
        float(m[1]) for m in _FONT_SIZE.finditer(attrs.get("style", ""))
    ]
    return found[0] if found and found[0] > 0 else inherited


def translation(transform: str | None) -> tuple[float, float]:
    """The (dx, dy) of a transform="matrix(a b c d e f)" or "translate(x y)" (scale ignored)."""
    if not transform:
        return 0.0, 0.0
    m = re.search(r"matrix\(([^)]*)\)", transform)
    if m and len(values := numbers(m[1])) == 6:
        return values[4], values[5]
    m = re.search(r"translate\(([^)]*)\)", transform)
    if m and (values := numbers(m[1])):
        return values[0], values[1] if len(values) > 1 else 0.0
    return 0.0, 0.0


class SvgText:
    """Collects the runs of one <svg> element from parser events (see html._Extractor)."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.frames: list[tuple[str, float, float, float]] = []  # (tag, dx, dy, font size)
        self.depth = 0  # > 0 inside a <text>
        self.hidden = 0  # inside <title>, <desc>, <style>, <script>, <defs>

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        dx, dy, size = self.frames[-1][1:] if self.frames else (0.0, 0.0, DEFAULT_FONT_SIZE)
        tx, ty = translation(attrs.get("transform"))
        size = font_size(attrs, size)
        self.frames.append((tag, dx + tx, dy + ty, size))
        if tag in ("title", "desc", "style", "script", "defs", "metadata"):
            self.hidden += 1
        if tag in ("text", "tspan", "textPath", "textpath") and not self.hidden:
            self.depth += tag == "text"
            xs = [x + dx + tx for x in numbers(attrs.get("x"))]
            ys = numbers(attrs.get("y"))
            if tag == "text":  # a <text> is placed even without x/y: at its transform's origin
                xs, ys = xs or [dx + tx], ys or [0.0]
            y = ys[0] + dy + ty if ys else None
            self.runs.append(Run("", xs, y, size))

    def end(self, tag: str) -> None:
        while self.frames:
            open_tag = self.frames.pop()[0]
            if open_tag in ("title", "desc", "style", "script", "defs", "metadata"):
                self.hidden -= 1
            if open_tag == "text":
                self.depth -= 1
            if open_tag == tag:
                break
        if self.depth and self.frames and self.frames[-1][0] in ("text", "tspan"):
            size = self.frames[-1][3]
            self.runs.append(Run("", [], None, size))  # text after a </tspan> runs on

    def data(self, text: str) -> None:
        if self.depth and not self.hidden and self.runs:
            self.runs[-1].text += text

    def words(self) -> int:
        return sum(len(r.text.split()) for r in self.runs)

    def paragraphs(self) -> list[str]:
        """The page's text, runs joined into words, lines and paragraphs."""
        paragraphs: list[list[str]] = [[]]
        line = ""
        pen: float | None = None  # estimated x where the last run ended
        baseline: float | None = None
        pending = False  # white space between runs: a space only if the next run runs on
        for run in self.runs:
            em = run.size
            if run.y is not None and baseline is not None and abs(run.y - baseline) > 0.3 * em:
                _end_line(paragraphs, line)
                line, pen, pending = "", None, False
                if run.y - baseline > PARAGRAPH_EM * em or run.y < baseline - 0.3 * em:
                    paragraphs.append([])
            if run.y is not None:
                baseline = run.y
            if not run.text.strip():
                pending = pending or bool(run.text)
                continue
            if pending and not run.xs and line and not line.endswith(" "):
                line += " "
            pending = False
            text = re.sub(r"\s+", " ", run.text)
            glyphs = _per_glyph(text, run.xs)
            if run.xs and pen is not None and line and not line.endswith(" "):
                if run.xs[0] - pen > SPACE_EM * em and not text.startswith(" "):
                    line += " "
            line += glyphs
            if run.xs:
                start = run.xs[-1] if len(run.xs) == len(text) > 1 else run.xs[0]
                tail = 1 if len(run.xs) == len(text) > 1 else len(text)
                pen = start + tail * CHAR_EM * em
            elif pen is not None:
                pen += len(text) * CHAR_EM * em
        _end_line(paragraphs, line)
        return [" ".join(p).strip() for p in paragraphs if " ".join(p).strip()]


def _per_glyph(text: str, xs: list[float]) -> str:
    """A run with one x per glyph and no spaces of its own: a space where the pen jumps well
    past the usual advance (wide glyphs such as "m" or "W" stay under GLYPH_JUMP)."""
    if len(xs) != len(text) or len(xs) < 3 or " " in text:
        return text
    steps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    usual = statistics.median(steps)
    out = [text[0]]
    for ch, step in zip(text[1:], steps, strict=True):
        if usual > 0 and step > GLYPH_JUMP * usual and out[-1] != " " and ch != " ":
            out.append(" ")
        out.append(ch)
    return "".join(out)


def _end_line(paragraphs: list[list[str]], line: str) -> None:
    line = line.strip()
    if not line:
        return
    words = paragraphs[-1]
    if words and re.search(r"\w-$", words[-1]) and line[:1].islower():
        words[-1] = words[-1][:-1] + line  # "exam-" / "ple"
    else:
        words.append(line)
