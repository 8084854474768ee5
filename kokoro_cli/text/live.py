"""Live text: sentences cut from text that is still being written (an LLM's tokens, a pipe).

SentenceStream decides sentence ends on a growing buffer with the splitter the whole-text path
uses (split.sentences: pysbd, CJK sentence ends, raw phoneme ends), and never early: a period is
only trusted once the next word is complete ("Dr." + " Smith", "3." + "5 %", "e.g." + " cats"
all wait), and never inside a pronunciation or pause tag that may still be closing. A blank
line ends a sentence at once. Every character fed comes out exactly once, in order, so offsets
into "the text received so far" are exact: the concatenation of the returned pieces plus
`pending` is the input.

sentences() drives a SentenceStream from pieces of text and FLUSH markers (the writer went
quiet, or a client asked) and yields each sentence with its offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from kokoro_cli.errors import UsageError
from kokoro_cli.inputs import FLUSH
from kokoro_cli.text import cjk
from kokoro_cli.text.split import _ABBREVIATIONS, BLOCK_CHARS, blocks, sentences

__all__ = ["FLUSH", "Sentence", "SentenceStream", "ends_paragraph", "sentences_of"]

_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n")  # a blank line: ends a sentence at once
_PARAGRAPH_END = re.compile(r"\n[ \t\r\f\v]*\n\s*$")
_SPACE = re.compile(r"\s")
# A word of two letters or more, then the sentence's end and the space after it.
_PLAIN_END = re.compile(r"(?<![\w.'’-])([^\W\d_]{2,})([.!?])[\"”’)\]]*\s+$")
_COMPLETE_WORD = re.compile(r"\s*\S+\s")  # the next word, followed by the space that ends it
# What an unfinished tag may look like so far: markup.PRONOUNCE_TAG and PAUSE_TAG, cut short.
_TAG_PREFIX = re.compile(r"\[(?:[^\[\]\n]*(?:\](?:\((?:/(?:[^/()\n]*(?:/\)?)?)?)?)?)?)?")
_TAG = re.compile(r"\[[^\[\]\n]+\]\(/[^/()\n]*/\)|\[pause:[^\]\n]*\]", re.IGNORECASE)


class Sentence(NamedTuple):
    """A piece of the input cut at a sentence end: `text`, at `start` chars into the input."""

    start: int
    text: str


def ends_paragraph(text: str) -> bool:
    """Whether `text` (a piece SentenceStream returned) ends with a blank line."""
    return bool(_PARAGRAPH_END.search(text))


class SentenceStream:
    """Incremental sentence splitter: feed() text as it comes, flush() when it stops.

    Example:
        >>> s = SentenceStream("en-us")
        >>> s.feed("Dr."), s.feed(" Smith is here. He"), s.feed(" left. ")
        ([], [], ['Dr. Smith is here. '])
        >>> s.pending, s.flush()
        ('He left. ', ['He left. '])
    """

    def __init__(self, lang: str = "en-us", *, raw_phonemes: bool = False) -> None:
        self.lang = lang
        self.raw_phonemes = raw_phonemes
        self._cjk = lang in cjk.LANGS and not raw_phonemes
        self._buf = ""

    @property
    def pending(self) -> str:
        """Text received but not yet returned."""
        return self._buf

    def feed(self, piece: str) -> list[str]:
        """Add `piece`; the sentences whose end is now certain, in order (maybe none)."""
        self._buf += piece
        return self._take(final=False)

    def flush(self) -> list[str]:
        """Everything buffered, as final text cut into sentences (the writer stopped or paused)."""
        return self._take(final=True)

    def _take(self, final: bool) -> list[str]:
        out = []
        while self._buf:
            cut = self._cut(final)
            if cut is None:
                break
            out.append(self._buf[:cut])
            self._buf = self._buf[cut:]
        if final and self._buf:
            out.append(self._buf)
            self._buf = ""
        return out

    def _cut(self, final: bool) -> int | None:
        """Where the first certain sentence of the buffer ends, or None."""
        buf = self._buf
        text_at = len(buf) - len(buf.lstrip())
        if text_at == len(buf):
            return None  # only whitespace: it goes with the next sentence
        para = _PARAGRAPH.search(buf, text_at)
        if para and not self._in_tag(buf, para.start()):
            window, certain = buf[: para.end()], True  # the blank line ends it, whatever follows
        else:
            window, certain = buf, final
        cut = self._sentence_end(window[:BLOCK_CHARS], certain)
        if cut is not None:
            return cut
        if para and not self._in_tag(buf, para.start()):
            return para.end()
        if len(buf) > BLOCK_CHARS:  # a run-on without sentence ends: pysbd's input stays bounded
            first = next(blocks(buf), buf)
            if len(first) < len(buf) and (final or _COMPLETE_WORD.match(buf, len(first))):
                return len(first)
        return None

    def _sentence_end(self, window: str, final: bool) -> int | None:
        """The end (with its trailing space) of the window's first sentence, if certain."""
        # As whole text is split: a run's lines are joined with spaces first (markup.parse), so
        # a line break alone ends no sentence ("Sr.\nSmith"). One space per character keeps
        # the offsets.
        window = _SPACE.sub(" ", window)
        # Whole text joins runs of spaces into one (markup.parse), and pysbd reads "Ave.  and"
        # (two spaces) as two sentences, "Ave. and" as one: it decides on the joined text.
        keep = [i for i, ch in enumerate(window) if ch != " " or not i or window[i - 1] != " "]
        joined = "".join(window[i] for i in keep)
        found = sentences(joined, self.lang, self.raw_phonemes)
        if len(found) < 2:
            return None
        first = joined.find(found[0])
        at = joined.find(found[1], first + len(found[0]))
        if at <= 0:
            return None
        cut = keep[at]
        if self._in_tag(window, cut):
            return None
        if not final:
            # The sentence after must have begun with a whole word (CJK: any character),
            # so that the splitter decided with what follows in view; after a plain word's
            # period and before a capital, its first letter is enough (an LLM's next token).
            buf = self._buf
            whole = cut < len(buf) if self._cjk else _COMPLETE_WORD.match(buf, cut)
            if not whole and not (cut < len(buf) and _plain_end(buf, cut)):
                return None
        return cut

    @staticmethod
    def _in_tag(text: str, pos: int) -> bool:
        """Whether `pos` is inside a markup tag, or after one that may still be closing."""
        for m in _TAG.finditer(text, 0, len(text)):
            if m.start() < pos < m.end():
                return True
        start = text.rfind("[", 0, pos)
        if start < 0:
            return False
        tag = _TAG.match(text, start)
        if tag:
            return False  # a whole tag that ends before pos (checked above)
        return bool(_TAG_PREFIX.fullmatch(text, start))


def _plain_end(text: str, cut: int) -> bool:
    """Whether the sentence before `cut` ends in a plain word's period (or ! or ?) and the next
    one starts with a capital: no abbreviation, initial or number can be hiding there."""
    end = _PLAIN_END.search(text, 0, cut)
    if not end or not text[cut].isupper():
        return False
    word = end[1]
    return end[2] != "." or word not in _ABBREVIATIONS and word.title() not in _ABBREVIATIONS


def sentences_of(
    pieces: Iterable[str | object], lang: str, *, raw_phonemes: bool = False
) -> Iterator[Sentence]:
    """Sentences from text pieces as they arrive; FLUSH speaks what is buffered, the end of
    `pieces` all that is left."""
    stream = SentenceStream(lang, raw_phonemes=raw_phonemes)
    at = 0
    for piece in pieces:
        if piece is not FLUSH and not isinstance(piece, str):
            raise UsageError(f"text pieces must be str, not {type(piece).__name__}")
        done = stream.flush() if piece is FLUSH else stream.feed(piece)
        for text in done:
            yield Sentence(at, text)
            at += len(text)
    for text in stream.flush():
        yield Sentence(at, text)
        at += len(text)
