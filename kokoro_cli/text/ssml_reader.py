"""The SSML parser's target (text/ssml.py): builds a document's groups as its elements open
and close, each character of their text mapped back to the source (ssml_source.py)."""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from kokoro_cli.errors import KokoroError, UsageError
from kokoro_cli.text import say_as
from kokoro_cli.text import ssml_values as values
from kokoro_cli.text.ssml_source import Mapped, Run, from_source

SSML_NS = "http://www.w3.org/2001/10/synthesis"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_DEPTH = 200  # elements open at once; real documents nest a handful deep
HINT = "fix the markup, or pass --no-ssml to read the text as it is"
_TERMINAL = tuple(".!?…。！？")
_READ = {"speak", "token", "w", "lookup", "audio"}  # read their content, nothing more
_UNSPOKEN = {"desc", "meta", "metadata", "lexicon"}  # their content is never spoken
_PROSODY_UNSUPPORTED = ("contour", "range", "duration")
# An emphasized word: quotes and brackets before, punctuation after, stay plain text.
_CLOSING = re.compile(r"[.,;:!?…)\]”’»]+")
_WORD = re.compile(r"([\"'“‘(¿¡]*)([^\[\]]*?\w)([.,;:!?\"'”’)…]*)")


class Voices(Protocol):
    """What the parser asks about voices; the pipeline answers from model/voices.py."""

    def lang_of(self, voice: str) -> str: ...  # a KokoroError when there is no such voice
    def gender_of(self, voice: str) -> str: ...
    def pick(self, lang: str, gender: str | None, variant: int, current: str) -> str | None: ...


@dataclass(frozen=True)
class Style:
    """How a stretch is spoken: rate multiplies the caller's speed; pitch (semitones) and volume
    (dB; -inf is silent) add to the caller's."""

    voice: str
    lang: str
    rate: float = 1.0
    pitch: float = 0.0
    volume: float = 0.0


@dataclass
class Group:
    """A stretch of one style: its text (inline markup), and the marks placed in it."""

    style: Style
    text: Mapped
    marks: list[tuple[int, str]] = field(default_factory=list)  # (position in text, name)
    # emphasized words: (start, end) in text and the level (values.EMPHASIS), for the small
    # local change of rate and pitch the pipeline makes on their phonemes
    emphasis: list[tuple[int, int, int]] = field(default_factory=list)


@dataclass
class Document:
    source: str
    groups: list[Group]
    warnings: list[str]


@dataclass
class _Frame:
    name: str
    style: Style
    start: int  # source offset of the start tag
    stress: int = 0  # emphasis: the stress change for the words inside
    mode: str = ""  # "collect": content gathered for the element (say-as...), "skip": unspoken
    owner: _Frame | None = None  # the element gathering content (itself, or an ancestor)
    attrs: dict[str, str] = field(default_factory=dict)
    content: Mapped = field(default_factory=lambda: Mapped(""))
    phonemes: str = ""


@dataclass
class _Building:
    """A group being built: its text in pieces, the pending trailing space, its state."""

    style: Style
    parts: list[str] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    size: int = 0
    space: Mapped = field(default_factory=lambda: Mapped(""))
    needs_stop: bool = False  # its last words end no sentence (an <s> end adds a period)
    last_end: int = 0  # where in the source its last words end
    marks: list[tuple[int, str]] = field(default_factory=list)
    emphasis: list[tuple[int, int, int]] = field(default_factory=list)

    def add(self, m: Mapped) -> None:
        self.runs += [(s + self.size, a, b, k) for s, a, b, k in m.runs]
        self.parts.append(m.text)
        self.size += len(m.text)

    def commit_space(self) -> None:
        if self.space.text:
            self.add(self.space)
            self.space = Mapped("")

    def group(self) -> Group:
        self.commit_space()
        text = Mapped("".join(self.parts), self.runs)
        return Group(self.style, text, self.marks, self.emphasis)


class Reader:
    """The parser's target: builds the groups as elements open and close (see module doc)."""

    def __init__(self, source: str, base: Style, voices: Voices, pauses: tuple[float, float,
                 float], lexicon: Any) -> None:  # fmt: skip
        self.source, self.base, self.voices = source, base, voices
        self.pauses, self.lexicon = pauses, lexicon
        self.parser: Any = None
        self.stack: list[_Frame] = []
        self.groups: list[_Building] = []
        self.boundary = ""  # "s", "p" or "sp": a sentence, a paragraph ends before the next words
        self.emphasized: list[Mapped] = []  # words waiting for their stressed pronunciation
        self.pending: tuple[int, str] | None = None  # text waiting for the next event (its end)
        self.warnings: dict[str, None] = {}
        self.unknown: dict[str, None] = {}
        self._non_ascii = [(m.start(), len(m[0].encode()) - 1) for m in
                           re.finditer(r"[^\x00-\x7f]", source)]  # fmt: skip
        self._bytes: list[int] = []
        self._extra: list[int] = [0]
        for i, extra in self._non_ascii:
            self._bytes.append(i + self._extra[-1])
            self._extra.append(self._extra[-1] + extra)

    # ---------------------------------------------------------- positions
    def char(self, byte: int) -> int:
        """The character offset of a UTF-8 byte offset in the source."""
        return byte - self._extra[bisect.bisect_left(self._bytes, byte)]

    def where(self, pos: int) -> str:
        line = self.source.count("\n", 0, pos) + 1
        return f"line {line}:{pos - self.source.rfind(chr(10), 0, pos)}"

    def _event(self) -> int:
        pos = self.char(self.parser.CurrentByteIndex)
        if self.pending is not None:
            start, text = self.pending
            self.pending = None
            self._text(from_source(self.source, start, pos, text))
        return pos

    def _fail(self, frame: _Frame, attr: str, message: str) -> UsageError:
        value = frame.attrs.get(attr, "")
        return UsageError(
            f'SSML {self.where(frame.start)}: <{frame.name} {attr}="{value}">: {message}'
        )

    def warn(self, message: str) -> None:
        self.warnings[f"SSML: {message}"] = None

    # ---------------------------------------------------------- the parser's callbacks
    def data(self, text: str) -> None:
        pos = self._event()
        self.pending = (pos, text)

    def comment(self, text: str) -> None:
        self._event()

    def pi(self, target: str, text: str) -> None:
        self._event()

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        pos = self._event()
        self._flush_emphasis()
        ns, _, name = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
        parent = self.stack[-1] if self.stack else None
        if parent is None and (name != "speak" or ns not in ("", SSML_NS)):
            raise UsageError(f"SSML's root element must be <speak>, not <{name}>; {HINT}")
        if len(self.stack) >= MAX_DEPTH:
            raise UsageError(
                f"SSML {self.where(pos)}: elements nest more than {MAX_DEPTH} deep; flatten it"
            )
        frame = _Frame(name, parent.style if parent else self.base, pos, attrs=attrib)
        if parent is not None:
            frame.stress, frame.mode, frame.owner = parent.stress, parent.mode, parent.owner
        self.stack.append(frame)
        if frame.mode:
            return  # inside a say-as, sub or phoneme (content only), or unspoken content
        if ns not in ("", SSML_NS):
            self.unknown[f"<{name}> ({ns})"] = None
        elif name in ("p", "paragraph", "s", "sentence"):
            self._boundary(name[0])
        elif name == "break":
            self._break(frame)
        elif name == "prosody":
            self._prosody(frame)
        elif name == "emphasis":
            try:
                frame.stress = values.emphasis(attrib.get("level", "moderate"))
            except ValueError as exc:
                raise self._fail(frame, "level", str(exc)) from None
        elif name in ("say-as", "sub", "phoneme"):
            self._collector(frame)
        elif name == "voice":
            self._voice(frame)
        elif name == "mark":
            if not attrib.get("name"):
                raise UsageError(f"SSML {self.where(pos)}: <mark> needs a name attribute")
            self._group().marks.append((self._group().size, attrib["name"]))
        elif name in _UNSPOKEN:
            frame.mode = "skip"
            if name == "lexicon":
                self.warn("<lexicon> files are not loaded (nothing is fetched); use --lexicon")
        elif name == "lang" and XML_LANG not in attrib:
            raise UsageError(f"SSML {self.where(pos)}: <lang> needs an xml:lang attribute")
        elif name not in _READ and name != "lang":
            self.unknown[f"<{name}>"] = None
        if name == "audio":
            self.warn("<audio> is not supported: its fallback text is read instead")
        if XML_LANG in attrib:
            self._language(frame, attrib[XML_LANG], named=name == "voice" and "name" in attrib)

    def end(self, tag: str) -> None:
        pos = self._event()
        self._flush_emphasis()
        frame = self.stack.pop()
        if frame.owner is frame:
            self._finish(frame, pos)
        elif not frame.mode and frame.name in ("p", "paragraph", "s", "sentence"):
            self._boundary(frame.name[0])

    def close(self) -> None:
        if "s" in self.boundary and self.groups:
            self._stop(self.groups[-1])
        if self.unknown:
            names = ", ".join(self.unknown)
            self.warn(f"{names} {'is' if len(self.unknown) == 1 else 'are'} not supported: "
                      "the text inside is read")  # fmt: skip

    def document(self) -> Document:
        groups = [g.group() for g in self.groups]
        if not any(g.text.text.strip() for g in groups):
            raise UsageError("the SSML has no text to speak; put some words inside <speak>")
        return Document(self.source, groups, list(self.warnings))

    # ---------------------------------------------------------- text
    def _text(self, m: Mapped) -> None:
        frame = self.stack[-1] if self.stack else None
        if frame is None or frame.mode == "skip":
            return
        if frame.mode == "collect" and frame.owner is not None:
            frame.owner.content = frame.owner.content + m
        elif frame.stress:
            self.emphasized.append(m)
        else:
            self._say(m)

    def _group(self) -> _Building:
        if not self.groups:
            self.groups.append(_Building(self.stack[-1].style))
        return self.groups[-1]

    def _say(self, m: Mapped) -> None:
        """Words (or pronunciation markup) into the group of the current style."""
        if not m.text.strip():
            g = self._group()
            g.space = g.space + m
            return
        style = self.stack[-1].style
        g = self._group()
        # Punctuation right after a change (the "." after </voice>) ends the words before it.
        lead = _CLOSING.match(m.text) if g.style != style and g.size else None
        if lead and lead.end() < len(m.text):
            self._say(m.slice(0, lead.end()))
            self._say(m.slice(lead.end(), len(m.text)))
            return
        if g.style != style and not lead:
            self._close_boundary(g)
            g = _Building(style)
            self.groups.append(g)
        self._open_boundary(g)
        body = len(m.text.rstrip())
        g.commit_space()
        g.add(m.slice(0, body))
        g.space = m.slice(body, len(m.text))
        g.needs_stop = not m.text.rstrip().endswith(_TERMINAL)
        g.last_end = (m.span(0, body) or (g.last_end, g.last_end))[1]

    def _boundary(self, kind: str) -> None:
        if kind not in self.boundary:
            self.boundary = "".join(sorted(self.boundary + kind, reverse=True))

    def _stop(self, g: _Building) -> None:
        """A period after the group's last words, if they end no sentence yet (<s>)."""
        if g.needs_stop:
            g.add(Mapped.at(".", g.last_end))
            g.needs_stop = False

    def _open_boundary(self, g: _Building) -> None:
        kind, self.boundary = self.boundary, ""
        if kind and g.size:
            if "s" in kind:
                self._stop(g)
            if "p" in kind:
                g.space = Mapped.at("\n\n", g.last_end)
            elif not g.space.text:
                g.space = Mapped.at(" ", g.last_end)

    def _close_boundary(self, g: _Building) -> None:
        """The boundary before a new group: its pause goes at the end of the group before."""
        kind, self.boundary = self.boundary, ""
        if "s" in kind:
            self._stop(g)
        if "p" in kind:
            self._pause(g, self.pauses[1])

    def _pause(self, g: _Building, seconds: float) -> None:
        g.commit_space()
        g.add(Mapped.at(f" [pause:{seconds:.4f}s] ", g.last_end))
        g.needs_stop = False

    def _flush_emphasis(self) -> None:
        """Emphasized words as pronunciations with their stress changed (values.stressed)."""
        if not self.emphasized:
            return
        from kokoro_cli.text import phonemize  # the package's front end, above this module

        m = Mapped("")
        for piece in self.emphasized:
            m = m + piece
        self.emphasized = []
        frame, pos = self.stack[-1], 0
        for word in re.finditer(r"\S+", m.text):
            self._say(m.slice(pos, word.start()))
            pos = word.end()
            core = _WORD.fullmatch(word[0])
            ps = ""
            if core and frame.style.lang not in ("ja", "zh"):  # no stress marks in theirs
                try:
                    ps = phonemize(core[2], frame.style.lang, self.lexicon)
                except KokoroError:
                    ps = ""
            piece = m.slice(word.start(), word.end())
            if core and ps and not re.search(r"[/()]", ps):
                a, b = word.start() + core.start(2), word.start() + core.end(2)
                src_a, src_b = m.span(a, b) or (0, 0)
                stressed = values.stressed(ps, frame.stress)
                markup = Mapped.at("[", src_a) + m.slice(a, b)
                markup = markup + Mapped.at(f"](/{stressed}/)", src_b)
                piece = m.slice(word.start(), a) + markup + m.slice(b, word.end())
            self._say(piece)
            g = self.groups[-1]
            g.emphasis.append((g.size - len(piece.text), g.size, frame.stress))
        self._say(m.slice(pos, len(m.text)))

    # ---------------------------------------------------------- elements
    def _break(self, frame: _Frame) -> None:
        try:
            if "time" in frame.attrs:
                seconds = values.seconds(frame.attrs["time"])
            else:
                attr = "strength"
                seconds = values.strength(frame.attrs.get(attr, "medium"), *self.pauses)
        except ValueError as exc:
            raise self._fail(
                frame, "time" if "time" in frame.attrs else "strength", str(exc)
            ) from None
        if seconds > 0:
            g = self._group()
            self._open_boundary(g)
            self._pause(g, seconds)

    def _prosody(self, frame: _Frame) -> None:
        style, parsers = frame.style, {"rate": values.rate, "pitch": values.pitch,
                                       "volume": values.volume}  # fmt: skip
        changes = {}
        for attr, parse_value in parsers.items():
            if attr in frame.attrs:
                try:
                    changes[attr] = parse_value(frame.attrs[attr], getattr(style, attr))
                except ValueError as exc:
                    raise self._fail(frame, attr, str(exc)) from None
        bounds = {"rate": values.RATE_RANGE, "pitch": values.PITCH_RANGE,
                  "volume": values.VOLUME_RANGE}  # fmt: skip
        for attr, value in changes.items():
            if attr == "volume" and value == -math.inf:
                continue  # silent
            kept = values.clamp(value, bounds[attr])
            if kept != value:
                self.warn(f"<prosody {attr}> at {self.where(frame.start)} comes to {value:.3g},"
                          f" beyond what stays intelligible: {kept:g} is used")  # fmt: skip
                changes[attr] = kept
        frame.style = replace(style, **changes)
        ignored = [a for a in _PROSODY_UNSUPPORTED if a in frame.attrs]
        if ignored:
            self.warn(f"<prosody> {', '.join(ignored)} is not supported and is ignored")

    def _collector(self, frame: _Frame) -> None:
        frame.mode, frame.owner = "collect", frame
        attrs = frame.attrs
        if frame.name == "say-as" and not attrs.get("interpret-as"):
            raise UsageError(f"SSML {self.where(frame.start)}: <say-as> needs interpret-as")
        if frame.name == "sub" and "alias" not in attrs:
            raise UsageError(f"SSML {self.where(frame.start)}: <sub> needs an alias attribute")
        if frame.name == "phoneme":
            if not attrs.get("ph", "").strip():
                raise UsageError(f"SSML {self.where(frame.start)}: <phoneme> needs a ph attribute")
            try:
                frame.phonemes = values.phonemes(attrs["ph"], attrs.get("alphabet", "ipa"),
                                                 frame.style.lang)  # fmt: skip
            except ValueError as exc:
                raise self._fail(frame, "ph", str(exc)) from None

    def _finish(self, frame: _Frame, pos: int) -> None:
        """The end of a say-as, sub or phoneme: what it says, standing for its content."""
        content, lang = frame.content, frame.style.lang
        text = content.text.strip()
        lead = len(content.text) - len(content.text.lstrip())
        span = content.span(lead, lead + len(text)) or (pos, pos)
        if frame.name == "sub":
            self._say(Mapped.at(frame.attrs["alias"], *span))
        elif frame.name == "phoneme":
            shown = re.sub(r"\s", " ", text.replace("[", "(").replace("]", ")")) or "…"
            body = content.slice(lead, lead + len(text)) if text else Mapped.at(shown, pos)
            body = Mapped(shown, body.runs)
            markup = Mapped.at("[", span[0]) + body + Mapped.at(f"](/{frame.phonemes}/)", span[1])
            self._say(
                content.slice(0, lead) + markup + content.slice(lead + len(text), len(content.text))
            )
        else:
            kind = frame.attrs["interpret-as"]
            try:
                said = say_as.read(kind, text, lang, frame.attrs.get("format"))
            except KeyError:
                self.warn(f'say-as interpret-as="{kind}" is not supported: its text is read as is')
                said = None
            except ValueError as exc:
                raise self._fail(frame, "format", str(exc)) from None
            if said is None and kind in say_as.READERS:
                self.warn(f'say-as interpret-as="{kind}" at {self.where(frame.start)}: "{text}"'
                          " is not one; it is read as is")  # fmt: skip
            if said is None:
                self._say(content)
            elif said:
                self._say(Mapped.at(f" {said} ", *span))

    def _voice(self, frame: _Frame) -> None:
        attrs, style = frame.attrs, frame.style
        chosen = None
        for name in attrs.get("name", "").split():
            try:
                lang = self.voices.lang_of(name)
            except KokoroError:
                continue
            chosen = name
            break
        if attrs.get("name") and chosen is None:
            self.warn(f'voice "{attrs["name"]}" is not one of Kokoro\'s voices (see `kokoro '
                      "voices`): another is chosen by gender and language, or the voice stays")  # fmt: skip
        if chosen is not None:
            frame.style = replace(style, voice=chosen, lang=lang)
            return
        gender = attrs.get("gender")
        if gender and gender not in ("male", "female", "neutral"):
            raise self._fail(frame, "gender", "use male, female or neutral")
        try:
            variant = int(attrs.get("variant", "1"))
        except ValueError:
            variant = 0
        if variant < 1:
            raise self._fail(frame, "variant", "use a whole number from 1")
        lang = style.lang
        if attrs.get("languages"):
            lang = values.language(attrs["languages"].split()[0]) or lang
        if gender in (None, "neutral") and lang == style.lang and variant == 1:
            return
        picked = self.voices.pick(lang, None if gender == "neutral" else gender, variant,
                                  style.voice)  # fmt: skip
        if picked is None:
            self.warn(f"no {gender or ''} voice speaks {lang}: the voice stays {style.voice}")
        else:
            frame.style = replace(style, voice=picked, lang=lang)

    def _language(self, frame: _Frame, tag: str, named: bool) -> None:
        style = frame.style
        code = values.language(tag)
        if code is None:
            self.warn(f'xml:lang="{tag}" is not a language Kokoro speaks: read as {style.lang}')
            return
        voice = style.voice
        if not named and not values.same_language(self.voices.lang_of(voice), code):
            picked = self.voices.pick(code, self.voices.gender_of(voice), 1, voice)
            if picked is None:
                self.warn(f'no voice speaks xml:lang="{tag}": {voice} reads it')
            else:
                self.warn(f'{voice} does not speak {code}: {picked} reads xml:lang="{tag}"')
                voice = picked
        frame.style = replace(style, lang=code, voice=voice)
