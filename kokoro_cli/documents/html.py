"""HTML and XHTML to paragraphs: the text extractor EPUB, Markdown and HTML input share.

The stdlib parser never expands entity declarations nor fetches anything, so it is safe on
untrusted markup; EPUB readers also refuse <!ENTITY> up front. Notes and note references,
code blocks and tables are dropped here (and counted), so nothing is read mid-sentence.
MathML is read aloud (math.py), its alt text when that is written to be read; a formula that
cannot be read is counted like a table. SVG text is read on SVG pages (svg_text.py): in
fixed-layout books, and in documents whose only text it is; elsewhere (labels of a drawing)
it is counted.

What EPUB 3 carries for speech is kept (issue 25): an element with `ssml:ph` is spoken as
those phonemes (IPA, or X-SAMPA by `ssml:alphabet`, inherited from ancestors), written into
its block as our pronunciation markup `[text](/phonemes/)`; `<link rel="pronunciation">`
hrefs are collected for the EPUB reader, which reads those lexicons (documents/pls.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from kokoro_cli.documents import latex, math
from kokoro_cli.documents.common import Book, Chapter, clean, read_capped, same_title
from kokoro_cli.documents.svg_text import SvgText
from kokoro_cli.inputs import decode_text

BLOCKS = set(
    "p div li blockquote section article h1 h2 h3 h4 h5 h6 dt dd figcaption header footer "
    "main body tr br hr ul ol dl caption td th title".split()
)
VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "source", "base"}
HIDDEN = {"script", "style", "head", "nav", "template", "noscript", "rt", "rp"}
SKIPPED = {"pre": "code block", "table": "table"}  # counted and noted in --plan
NOTE_TYPES = {"footnote", "endnote", "rearnote", "note", "footnotes", "endnotes", "rearnotes"}
NOTE_ROLES = {"doc-footnote", "doc-endnote", "doc-endnotes", "doc-noteref"}
# A superscript that is only a note mark: "1", "[12]", "*", "†", "a".
NOTE_MARK = re.compile(r"\s*[\[(]?\s*(\d{1,3}|[*†‡§¶]{1,3}|[a-z])\s*[\])]?\s*")
HEADING = re.compile(r"h([1-6])")
MAX_MATH_DEPTH = 100  # elements nested in one formula; real ones stay under 20
MATH_EDGE = "\x00"  # around a formula's reading until the paragraph is joined (see _join_math)
_MATH_AFTER = re.compile(r"\x00(?=[\s.,;:!?)\]}»”’]|$)")
_MATH_BEFORE = re.compile(r"(?:^|(?<=[\s(\[{«“‘]))\x00")
SSML_NS = "http://www.w3.org/2001/10/synthesis"
# Stand-ins for pronounced elements until their block is cleaned (Supplementary Private Use
# Area-B, stripped from the document's own text): the markup's brackets must survive clean().
_SPOKEN_BASE = 0x100000
_SPOKEN = re.compile("[\U00100000-\U0010fffd]")


@dataclass
class Block:
    text: str
    heading: int = 0  # 1-6 for h1-h6, else 0


@dataclass
class Extract:
    blocks: list[Block] = field(default_factory=list)
    anchors: dict[str, int] = field(default_factory=dict)  # element id -> index of next block
    title: str = ""  # the <title>
    # (block index, "table"); x.5 for a formula inside block x
    skips: list[tuple[float, str]] = field(default_factory=list)
    lang: str = ""  # <html lang> (or xml:lang)
    svg_words: int = 0  # words of SVG text left unread (svg_text off)
    lexicons: list[str] = field(default_factory=list)  # hrefs of linked PLS lexicons
    notes: list[str] = field(default_factory=list)  # pronunciations that could not be used


def _is_note(tag: str, attrs: dict[str, str]) -> bool:
    kinds = set((attrs.get("epub:type", "") + " " + attrs.get("type", "")).split())
    roles = set(attrs.get("role", "").split())
    if kinds & (NOTE_TYPES | {"noteref"}) or roles & NOTE_ROLES:
        return True
    classes = set(attrs.get("class", "").lower().split())
    return tag in ("aside", "section", "div", "ol") and bool(
        classes & {"footnotes", "footnote", "endnotes"}
    )


def _join_math(text: str) -> str:
    """A formula's reading is a word among words: spaced from text, not from punctuation."""
    if MATH_EDGE not in text:
        return text
    return _MATH_BEFORE.sub("", _MATH_AFTER.sub("", text)).replace(MATH_EDGE, " ")


def formula_reading(node: math.Node) -> str | None:
    """What to say for a <math>: alt text written to be read, else the MathML itself, else a
    TeX annotation or TeX alt text; None when none of them can be read."""
    alt = math.real_alt(node.attrs.get("alttext", ""))
    if alt and math.is_prose(alt):
        return alt
    reading = math.read(node)
    if reading:
        return reading
    tex = [a.plain() for a in node.children if a.tag == "semantics" for a in a.children]
    tex = [t for t in tex if t.strip()] + ([alt] if alt else [])
    for candidate in tex:
        reading = latex.read_tex(candidate) if latex.looks_like_tex(candidate) else None
        if reading:
            return reading
    return alt if alt and not latex.looks_like_tex(alt) else None


class _MathTree:
    """Builds a math.Node tree from parser events, from <math> to its </math>."""

    def __init__(self, attrs: dict[str, str]) -> None:
        self.root = math.Node("math", attrs)
        self.stack = [self.root]
        self.overflow = 0  # elements open beyond MAX_MATH_DEPTH

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.overflow or len(self.stack) > MAX_MATH_DEPTH:  # hostile nesting: not kept
            self.overflow += tag not in math.VOID
            self.root.tag = "too-deep"  # read() cannot read it; nothing recurses that deep
            return
        node = math.Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in math.VOID:
            self.stack.append(node)

    def end(self, tag: str) -> bool:
        """Close `tag`; True when that closes the <math> itself."""
        if self.overflow and tag != "math":
            self.overflow -= tag not in math.VOID
            return False
        if tag == "math":
            self.stack = []
            return True
        if tag in math.VOID or tag not in [n.tag for n in self.stack]:
            return False
        while self.stack.pop().tag != tag:
            pass
        return not self.stack

    def data(self, text: str) -> None:
        top = self.stack[-1]
        if top.tag in ("mi", "mn", "mo", "mtext", "ms", "annotation"):
            top.text += text
        elif text.strip():  # text loose in a row: as written
            top.children.append(math.Node("mtext", text=text.strip()))


@dataclass
class _Spoken:
    """An element with ssml:ph being read: its phonemes, and its text so far."""

    depth: int  # len(stack) with the element open
    phonemes: str
    alphabet: str
    text: list[str] = field(default_factory=list)


class _Extractor(HTMLParser):
    def __init__(self, wanted: set[str], lang: str = "en-us", svg_text: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Extract()
        self.wanted = wanted
        self.svg_text = svg_text  # read SVG <text> (else only count it)
        self.math: _MathTree | None = None
        self.svg: SvgText | None = None
        self.svg_depth = 0
        self.lang = lang  # for ssml:ph (a Kokoro code); <html lang> overrides it
        self.ssml = {"ssml"}  # prefixes of the SSML namespace
        self.alphabets: list[tuple[int, str]] = []  # (depth, ssml:alphabet) in force
        self.spoken: _Spoken | None = None
        self.said: list[str] = []  # markup of pronounced elements, by stand-in number
        self.parts: list[str] = []
        self.stack: list[str] = []  # open elements
        self.skip_depth = 0  # inside hidden / skipped / note elements when > 0
        self.skip_tags: list[tuple[str, int]] = []  # (tag, depth) that opened each skip
        self.heading = 0
        self.sup: list[str] | None = None  # text of the current <sup>, judged at its end
        self.in_title = False

    def _flush(self) -> None:
        if self.spoken is not None:  # a block inside an ssml:ph element: read its text as is
            self.out.notes.append(f"ssml:ph '{self.spoken.phonemes}' spans blocks; not used")
            self.parts += self.spoken.text
            self.spoken = None
        text = clean(_join_math("".join(self.parts)))
        self.parts = []
        if self.said:
            text = _SPOKEN.sub(lambda m: self.said[ord(m[0]) - _SPOKEN_BASE], text)
        if text:
            self.out.blocks.append(Block(text, self.heading))

    def _emit(self, text: str) -> None:
        """Text of the document, in reading order (into a pronounced element's, if open)."""
        (self.spoken.text if self.spoken is not None else self.parts).append(text)

    def _speech_attrs(self, tag: str, attrs: dict[str, str], depth: int) -> None:
        """SSML namespace prefixes, ssml:alphabet scopes and ssml:ph elements; PLS links.

        `depth` is the stack's length once this element is open."""
        for name, value in attrs.items():
            if name.startswith("xmlns:") and value == SSML_NS:
                self.ssml.add(name[6:])
        if tag == "html" and (attrs.get("xml:lang") or attrs.get("lang")):
            from kokoro_cli.documents.pls import languages

            self.lang = (languages(attrs.get("xml:lang") or attrs["lang"]) or (self.lang,))[0]
        if tag == "link" and "pronunciation" in attrs.get("rel", "").lower().split():
            if attrs.get("href") and attrs.get("type", "").lower() in ("", "application/pls+xml"):
                self.out.lexicons.append(attrs["href"])
        if tag in VOID or self.skip_depth:
            return
        for prefix in self.ssml:
            if f"{prefix}:alphabet" in attrs:
                self.alphabets.append((depth, attrs[f"{prefix}:alphabet"].lower()))
            ph = attrs.get(f"{prefix}:ph", "").strip()
            if ph and self.spoken is None:
                alphabet = self.alphabets[-1][1] if self.alphabets else "ipa"
                self.spoken = _Spoken(depth, ph, alphabet)

    def _said(self) -> None:
        """The pronounced element closed: its stand-in goes where its text was."""
        from kokoro_cli.text.ipa import ALPHABETS, to_kokoro

        spoken, self.spoken = self.spoken, None
        if spoken is None:
            return
        shown = clean("".join(spoken.text))
        if not shown:
            return
        if spoken.alphabet not in ALPHABETS:
            self.out.notes.append(
                f"ssml:alphabet '{spoken.alphabet}' unknown; '{shown}' read as written"
            )
            self.parts.append(shown)
            return
        phonemes, dropped = to_kokoro(spoken.phonemes, self.lang, spoken.alphabet)
        if dropped:
            symbols = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in dropped)
            self.out.notes.append(
                f"ssml:ph '{spoken.phonemes}' for '{shown}': no Kokoro phoneme for {symbols}; dropped"
            )
        if not phonemes:
            self.parts.append(shown)
            return
        self.parts.append(chr(_SPOKEN_BASE + len(self.said)))
        self.said.append(f"[{shown}](/{phonemes}/)")

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k.lower(): (v or "") for k, v in attrs_list}
        local = tag.rsplit(":", 1)[-1]  # <m:math>, <svg:text>: prefixed XHTML
        if self.math is not None:
            self.math.start(local, attrs)
            return
        if self.svg is not None:
            self.svg_depth += local == "svg"
            self.svg.start(local, {k: v for k, v in attrs_list if v is not None})
            return
        if not self.skip_depth and local == "math":
            self.math = _MathTree(attrs)
            return
        if not self.skip_depth and local == "svg":
            self.svg, self.svg_depth = SvgText(), 1
            return
        if tag == "html" and not self.out.lang:
            self.out.lang = attrs.get("lang") or attrs.get("xml:lang", "")
        self._speech_attrs(tag, attrs, len(self.stack) + 1)
        if tag == "title" and not self.skip_depth:
            self.in_title = True
        node_id = attrs.get("id") or (attrs.get("name") if tag == "a" else None)
        if node_id and node_id in self.wanted and not self.skip_depth:
            self._flush()
            self.out.anchors.setdefault(node_id, len(self.out.blocks))
        if tag in VOID:
            if tag in ("br", "hr") and not self.skip_depth:
                self._emit("\n" if tag == "br" else "")
                if tag == "hr":
                    self._flush()
            return
        self.stack.append(tag)
        hidden = tag in HIDDEN and tag != "head"
        if self.skip_depth or hidden or tag in SKIPPED or _is_note(tag, attrs):
            if not self.skip_depth and tag in BLOCKS | set(SKIPPED):
                self._flush()
            if not self.skip_depth and tag in SKIPPED:
                self.out.skips.append((len(self.out.blocks), SKIPPED[tag]))
            self.skip_depth += 1
            return
        if tag == "sup":
            self.sup = []
        elif tag in BLOCKS:
            self._flush()
            m = HEADING.fullmatch(tag)
            if m:
                self.heading = int(m[1])
        elif tag == "img" and attrs.get("alt"):
            pass  # images are not read, not even their alt text

    def handle_endtag(self, tag: str) -> None:
        local = tag.rsplit(":", 1)[-1]
        if self.math is not None:
            if self.math.end(local):
                self._end_math()
            return
        if self.svg is not None:
            self.svg_depth -= local == "svg"
            if self.svg_depth:
                self.svg.end(local)
            else:
                self._end_svg()
            return
        if tag in VOID or tag not in self.stack:
            return
        while self.stack:  # close anything left open inside (sloppy HTML)
            open_tag = self.stack.pop()
            self._close(open_tag)
            if open_tag == tag:
                break

    def _close(self, tag: str) -> None:
        while self.alphabets and self.alphabets[-1][0] > len(self.stack):
            self.alphabets.pop()
        if self.spoken is not None and self.spoken.depth > len(self.stack):
            self._said()
        if tag == "title":
            self.in_title = False
        if self.skip_depth:
            self.skip_depth -= 1
            return
        if tag == "sup" and self.sup is not None:
            text = "".join(self.sup)
            self.sup = None
            if not NOTE_MARK.fullmatch(text):  # x², 1st: real text, read it
                self._emit(text)
        elif tag in BLOCKS:
            self._flush()
            if HEADING.fullmatch(tag):
                self.heading = 0

    def _end_math(self) -> None:
        assert self.math is not None
        reading = formula_reading(self.math.root)
        self.math = None
        if reading is None:  # counted, like a table: "1 formula skipped"
            inside = 0.5 if "".join(self.parts).strip() else 0
            self.out.skips.append((len(self.out.blocks) + inside, "formula"))
        elif self.sup is not None:
            self.sup.append(MATH_EDGE + reading + MATH_EDGE)
        else:
            self._emit(MATH_EDGE + reading + MATH_EDGE)

    def _end_svg(self) -> None:
        assert self.svg is not None
        svg, self.svg = self.svg, None
        if not svg.words():
            return
        if not self.svg_text:
            self.out.svg_words += svg.words()
            self.out.skips.append((len(self.out.blocks), "SVG figure"))
            return
        self._flush()
        for paragraph in svg.paragraphs():
            self._emit(paragraph)
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.math is not None:
            self.math.data(data)
            return
        if self.svg is not None:
            self.svg.data(data)
            return
        if self.in_title:
            self.out.title += data
            return
        if self.skip_depth or (self.stack and self.stack[-1] in HIDDEN | {"head"}):
            return
        if "head" in self.stack:
            return
        if _SPOKEN.search(data):
            data = _SPOKEN.sub("", data)
        if self.sup is not None:
            self.sup.append(data)
        else:
            self._emit(data)

    def close(self) -> None:
        super().close()
        if self.math is not None:  # a <math> never closed (truncated file): read what came
            self._end_math()
        if self.svg is not None:
            self._end_svg()
        self._flush()
        self.out.title = clean(self.out.title)


def extract(
    markup: str, wanted: set[str] | None = None, lang: str = "en-us", *, svg_text: bool = False
) -> Extract:
    """Paragraph blocks of an (X)HTML document; `wanted` ids get their block index recorded.

    `lang` (a Kokoro code) is the language ssml:ph phonemes are read in, unless <html lang>
    says otherwise. SVG text is read with `svg_text`, and also when it is all the text there
    is (an SVG page)."""
    parser = _Extractor(wanted or set(), lang, svg_text)
    parser.feed(markup)
    parser.close()
    out = parser.out
    if not svg_text and out.svg_words and not out.blocks:
        return extract(markup, wanted, lang, svg_text=True)
    return out


def skipped_notes(
    skips: list[tuple[float, str]], start: int = 0, end: int | None = None
) -> list[str]:
    """'2 code blocks skipped'-style notes for the skips after block `start`, up to `end`."""
    counts: dict[str, int] = {}
    for index, what in skips:  # index: how many blocks came before the skipped element
        if (index > start or start == 0) and (end is None or index <= end):
            counts[what] = counts.get(what, 0) + 1
    return [f"{n} {what}{'s' if n > 1 else ''} skipped" for what, n in counts.items()]


def chapters_by_heading(ex: Extract, fallback_title: str) -> list[Chapter]:
    """Chapters at the top heading level the document uses (h1, else h2, ...)."""
    levels = [b.heading for b in ex.blocks if b.heading]
    top = min(levels) if levels else 0
    groups: list[tuple[str, int, list[str]]] = []  # (title, first block index, paragraphs)
    for i, block in enumerate(ex.blocks):
        if top and block.heading == top:
            groups.append((block.text, i, []))
        elif not groups:
            groups.append(("", 0, [block.text]))
        else:
            groups[-1][2].append(block.text)
    if not groups:
        groups.append(("", 0, []))
    chapters = []
    for k, (title, start, paras) in enumerate(groups):
        if not title:  # text before the first heading
            title = fallback_title if len(groups) == 1 else "Opening"
        if paras and same_title(paras[0], title):
            paras = paras[1:]
        end = groups[k + 1][1] if k + 1 < len(groups) else None
        chapters.append(Chapter.of(title, paras, skipped_notes(ex.skips, start if k else 0, end)))
    return chapters


def read_html(path: Path) -> Book:
    ex = extract(decode_text(read_capped(path), path.name))
    title = ex.title or path.stem
    return Book(
        title=title, language=ex.lang, chapters=chapters_by_heading(ex, title), notes=ex.notes
    )
