"""Word timings from the model's own predicted durations, mapped back onto the input text.

The model says how many frames each phoneme token lasts (FRAME_SAMPLES samples a frame), so
every phoneme word of a chunk has a start and an end sample. From there, four word sequences
are lined up: phoneme words <-> normalized words (by length: espeak sometimes merges "on the"
into one word), normalized words <-> the chunk's text <-> the input (text/align.py: "$5" maps
to "five dollars"). Positions stay integer samples from the start of the output, so nothing
drifts however long the output runs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kokoro_cli.audio.joins import WINDOW, Trimmed
from kokoro_cli.model.config import FRAME_SAMPLES, SAMPLE_RATE
from kokoro_cli.text import align

if TYPE_CHECKING:
    from kokoro_cli.audio.sinks import Cue
    from kokoro_cli.text.ssml_source import Mapped

# Kokoro's punctuation tokens: they carry pauses, not sounds, so words end before them.
_PUNCT = set(';:,.!?¡¿—…"«»“”()[]{}-')
_STRESS = set("ˈˌ")
_PHONEME_WORD = re.compile(r"\S+")
# Moves of the phoneme-word alignment: (normalized words, phoneme words) -> penalty. Lengths
# decide most of it; the penalties make one-to-one the rule and gaps the last resort.
_MOVES = {(1, 1): 0.0, (2, 1): 0.4, (1, 2): 0.4, (3, 1): 1.0, (1, 3): 1.0, (1, 0): 2.5, (0, 1): 2.5}
# The model's sounds start about 40 ms before their predicted frames (the speech after each of
# 30 sentence ends in a paragraph went over -50 dBFS a median 40 ms before its first token).
ONSET_LEAD = 960
BAND = 12  # how far (in words) the alignment may stray from the diagonal


@dataclass(frozen=True)
class Word:
    """One word of the input and when it is spoken: `text == input[char_start:char_end]`."""

    text: str
    char_start: int
    char_end: int
    start_sample: int  # from the start of the output
    end_sample: int

    @property
    def start(self) -> float:
        return self.start_sample / SAMPLE_RATE

    @property
    def end(self) -> float:
        return self.end_sample / SAMPLE_RATE


def phoneme_words(phonemes: str, durations: Sequence[int]) -> list[tuple[str, int, int]]:
    """Each phoneme word of a chunk with its first and last sample (exclusive) in its audio.

    `durations` are the model's frames per token, pads included: character i of `phonemes` is
    token i + 1. Punctuation around a word is left out of its span (it is the pause after it).
    """
    if len(durations) != len(phonemes) + 2:
        return []
    edges = np.concatenate([[0], np.cumsum(np.asarray(durations, dtype=np.int64))])
    out = []
    for m in _PHONEME_WORD.finditer(phonemes):
        sounds = [i for i in range(m.start(), m.end()) if phonemes[i] not in _PUNCT]
        if sounds:
            first, last = sounds[0], sounds[-1]
            start = int(edges[first + 1]) * FRAME_SAMPLES
            if first > 0 and phonemes[first - 1] == " ":  # the space is the move into the word:
                start -= int(durations[first]) * FRAME_SAMPLES // 2  # half of it is the word's
            text = "".join(phonemes[i] for i in sounds)
            out.append((text, start, int(edges[last + 2]) * FRAME_SAMPLES))
    return out


def _cost(letters: int, sounds: int, ratio: float) -> float:
    return abs(math.log((sounds + 1.0) / (ratio * letters + 1.0)))


def spread(
    norm: Sequence[str], phon: Sequence[tuple[str, int, int]]
) -> list[tuple[int, int] | None]:
    """The samples each normalized word is spoken in, from the phoneme words' spans.

    A monotone alignment by length (letters against phonemes) decides which phoneme words
    belong to which words; phoneme words shared by several words are split in proportion to
    their letters.
    """
    n, m = len(norm), len(phon)
    if not n or not m:
        return [None] * n
    letters = [max(1, len(align.key(w))) for w in norm]
    sounds = [max(1, sum(ch not in _STRESS for ch in p[0])) for p in phon]
    ratio = sum(sounds) / sum(letters)
    inf = float("inf")
    cost = np.full((n + 1, m + 1), inf)
    back: dict[tuple[int, int], tuple[int, int]] = {}
    cost[0, 0] = 0.0
    band = BAND + abs(n - m)
    for i in range(n + 1):
        centre = i * m / n
        for j in range(max(0, int(centre) - band), min(m, int(centre) + band) + 1):
            if cost[i, j] == inf:
                continue
            for (da, db), penalty in _MOVES.items():
                a, b = i + da, j + db
                if a > n or b > m:
                    continue
                c = cost[i, j] + penalty
                if da and db:
                    c += _cost(sum(letters[i:a]), sum(sounds[j:b]), ratio)
                if c < cost[a, b]:
                    cost[a, b] = c
                    back[a, b] = (i, j)
    if cost[n, m] == inf:  # cannot happen with the gap moves, but never fail synthesis on it
        return [None] * n
    spans: list[tuple[int, int] | None] = [None] * n
    a, b = n, m
    while (a, b) != (0, 0):
        i, j = back[a, b]
        if a > i and b > j:
            start, end = phon[j][1], phon[b - 1][2]
            total, done = sum(letters[i:a]), 0
            for k in range(i, a):  # split shared phoneme words by letters
                s = start + (end - start) * done // total
                done += letters[k]
                spans[k] = (s, start + (end - start) * done // total)
        a, b = i, j
    return spans


class WordTimer:
    """Turns each chunk's durations into Words of the input text, chunk after chunk."""

    def __init__(self, text: str, lang: str, raw_phonemes: bool = False) -> None:
        from kokoro_cli.text.normalize import normalizer

        self.text = text
        self.normalize = (lambda s: s) if raw_phonemes else normalizer(lang)
        self.cursor = align.SourceCursor(text, raw_phonemes)

    def words(
        self,
        chunk_text: str,
        phonemes: str,
        durations: Sequence[int],
        cut: Trimmed,
        offset: int,
        remap: Callable[[int], int] | None = None,
    ) -> list[Word]:
        """The Words of one chunk, whose audio `cut` was made from; sample 0 of that audio is
        `offset` samples into the output. `remap` takes positions in the model's audio to
        positions in that audio, if pauses were changed in between (joins.pace)."""
        found = self._found(chunk_text, phonemes, durations, remap)
        out = []
        for k, (a, b, spans) in enumerate(found):
            start, end = _audible(cut, min(s for s, _ in spans), max(e for _, e in spans))
            if k == 0:  # the first word starts with the chunk's speech, the last ends with it
                start = cut.speech[0]
            if k == len(found) - 1:
                end = cut.speech[1]
            out.append(Word(self.text[a:b], a, b, offset + start, offset + max(start, end)))
        return out

    def token_spans(self, chunk_text: str, phonemes: str) -> list[tuple[int, int, int, int]]:
        """Before a chunk is spoken: each of its words (char_start, char_end in the text) and
        the tokens that say it (first, end: indices into the model's input, pads included).
        A WordTimer of its own, as it follows the chunks through the text."""
        ones = [1] * (len(phonemes) + 2)  # a frame a token: sample spans count tokens
        out = []
        for a, b, spans in self._found(chunk_text, phonemes, ones, None):
            first, last = min(s for s, _ in spans), max(e for _, e in spans)
            out.append((a, b, -(-first // FRAME_SAMPLES), -(-last // FRAME_SAMPLES)))
        return out

    def _found(
        self,
        chunk_text: str,
        phonemes: str,
        durations: Sequence[int],
        remap: Callable[[int], int] | None,
    ) -> list[tuple[int, int, list[tuple[int, int]]]]:
        """The chunk's words as (char_start, char_end, the sample spans they are said in)."""
        said = chunk_text.split()
        norm = self.normalize(chunk_text).split()
        phon = phoneme_words(phonemes, durations)
        if remap is not None:
            phon = [(p, remap(s), remap(e)) for p, s, e in phon]
        times = spread(norm, phon)
        # union of the groups that share a word: source <-> chunk <-> normalized
        parent: dict[tuple[str, int], tuple[str, int]] = {}

        def find(x: tuple[str, int]) -> tuple[str, int]:
            while parent.setdefault(x, x) != x:
                x = parent[x]
            return x

        def join(nodes: list[tuple[str, int]]) -> None:
            root = find(nodes[0])
            for x in nodes[1:]:
                parent[find(x)] = root

        for cw, sw in self.cursor.locate(said):
            join([("c", i) for i in cw] + [("s", j) for j in sw])
        for cw, nw in align.blocks(said, norm, self.normalize):
            join([("c", i) for i in cw] + [("n", k) for k in nw])
        groups: dict[tuple[str, int], tuple[list[int], list[tuple[int, int]]]] = {}
        for node in list(parent):
            src, spans = groups.setdefault(find(node), ([], []))
            if node[0] == "s":
                src.append(node[1])
            elif node[0] == "n" and (span := times[node[1]]) is not None:
                spans.append(span)
        found = []
        source = self.cursor.words
        for src, spans in groups.values():
            if src and spans:
                a = min(source[j].start for j in src)
                b = max(source[j].end for j in src)
                found.append((*align.trimmed_span(self.text, a, b), spans))
        found.sort(key=lambda f: f[0])
        return found


def _audible(cut: Trimmed, start: int, end: int) -> tuple[int, int]:
    """A word's predicted span as heard: ONSET_LEAD earlier, shrunk to its loud windows (a
    sentence's last sound also holds most of the pause after it), within the speech."""
    lo, hi = cut.speech
    start, end = min(max(start - ONSET_LEAD, lo), hi), min(max(end - ONSET_LEAD, lo), hi)
    first, last = -(-start // WINDOW), end // WINDOW  # whole windows inside the span
    loud = np.flatnonzero(cut.loud[first:last])
    if loud.size:
        start = max(start, (first + int(loud[0])) * WINDOW)
        end = min(end, (first + int(loud[-1]) + 1) * WINDOW)
    return start, max(start, end)


_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n")
_OPENING = "\"“‘'([0123456789"  # what a sentence may start with besides a capital
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*$")


def sentences(words: Sequence[Word], text: str) -> list[Word]:
    """Sentence cues: runs of words up to one that ends a sentence, each as one Word.

    A sentence ends at terminal punctuation that does not close an abbreviation or an initial,
    before a word that starts with a capital, a digit or a quote; and always at a blank line.
    """
    from kokoro_cli.text.split import _ABBREVIATIONS

    out: list[Word] = []
    first = 0
    for i, w in enumerate(words):
        end = w.char_end
        while end < len(text) and not text[end].isspace() and text[end] != "[":
            end += 1  # the punctuation after the word belongs to the sentence
        nxt = words[i + 1] if i + 1 < len(words) else None
        closes = bool(_SENTENCE_END.search(text[w.char_start : end])) and not (
            w.text.rstrip(".") in _ABBREVIATIONS or len(w.text.rstrip(".")) == 1
        )
        if (
            nxt is None
            or closes
            and (text[nxt.char_start].isupper() or text[nxt.char_start] in _OPENING)
            or _PARAGRAPH.search(text, end, nxt.char_start)
        ):
            head = words[first]
            start = head.char_start - (text[head.char_start - 1 : head.char_start] == "[")
            out.append(
                Word(
                    text[start:end],
                    start,
                    end,
                    head.start_sample,
                    w.end_sample,
                )
            )
            first = i + 1
    return out


def to_source(words: Sequence[Word], mapped: Mapped, source: str) -> list[Word]:
    """Words found in a text built from `source` (an SSML group's: text/ssml_source.py) as
    Words of the source itself. The words a reading made of one token ("one thousand" for a
    say-as "1000") become that token, timed from the first one's start to the last one's end."""
    out: list[Word] = []
    for w in words:
        span = mapped.span(w.char_start, w.char_end)
        if span is None:
            continue
        a, b = span
        if out and out[-1].char_start < b and a < out[-1].char_end:
            last = out[-1]
            a, b = min(a, last.char_start), max(b, last.char_end)
            out[-1] = Word(source[a:b], a, b, last.start_sample, max(w.end_sample, last.end_sample))
            continue
        out.append(Word(source[a:b], a, b, w.start_sample, w.end_sample))
    return out


def source_cues(words: Sequence[Word], source: str, *, by_word: bool = False) -> list[Cue]:
    """Subtitle cues for the words of an SSML `source`: char_start/char_end index the source
    as written, captions show its text without the markup."""
    from kokoro_cli.audio.sinks import Cue
    from kokoro_cli.text.ssml_source import caption, masked

    shown = masked(source)  # same length: sentence ends and paragraphs found as in plain text
    found = words if by_word else sentences(words, shown)
    return [Cue(w.start, w.end, source[w.char_start : w.char_end], w.char_start, w.char_end,
                caption(source[w.char_start : w.char_end])) for w in found]  # fmt: skip


def cues(words: Sequence[Word], text: str, *, by_word: bool = False) -> list[Cue]:
    """Subtitle cues for the words of `text`: one a sentence, or one a word with `by_word`."""
    from kokoro_cli.audio.sinks import Cue

    return [
        Cue(w.start, w.end, w.text, w.char_start, w.char_end, align.caption(w.text))
        for w in (words if by_word else sentences(words, text))
    ]


class CueSpool:
    """Subtitle cues collected while a long render runs (`kokoro book`): which kind (sentences or
    words), and a temporary file holding them a line each until the subtitles are written.
    Held as objects, a 10-hour book's ~100,000 word cues took ~35 MB (bench/README.md)."""

    def __init__(self, by_word: bool = False) -> None:
        import tempfile

        self.by_word = by_word
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # gone when closed

    def add(self, cue: Any) -> None:
        """Keep an audio.Cue (in book time)."""
        self._spool.write(json.dumps(list(astuple(cue)), ensure_ascii=False) + "\n")

    def cues(self) -> Iterator[Any]:
        """The audio.Cues in the order they were added (JSON gives floats back exactly)."""
        from kokoro_cli.audio.sinks import Cue

        self._spool.seek(0)
        for line in self._spool:
            yield Cue(*json.loads(line))

    def write(self, path: Path, kind: str) -> None:
        """The cues as a .srt/.vtt/.json file, streamed through a temporary and renamed."""
        from kokoro_cli.atomic import write_text_atomic
        from kokoro_cli.audio.sinks import subtitle_pieces

        write_text_atomic(path, subtitle_pieces(self.cues(), kind))

    def close(self) -> None:
        self._spool.close()
