"""A book job: a document's chapters spoken into one M4B (or one file per chapter).

Each chapter is its title, a pause, then its paragraphs, fed to pipeline.synthesize() a segment
at a time (so a 200 MB chapter never sits in memory) and encoded as it comes. Chunks go through
the on-disk chunk cache, so a killed run started again skips what it had already synthesized.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kokoro_cli.documents import Book, Chapter, clean
from kokoro_cli.errors import UsageError
from kokoro_cli.model.config import SAMPLE_RATE

if TYPE_CHECKING:
    from kokoro_cli.audio.timing import CueSpool

# A slow reading of narrative English (Kokoro's is about 3.3 words a second): the length of a
# WAV is guessed from it, to choose RF64 in time. --plan estimates with jobs.duration instead.
WORDS_PER_SECOND = 2.6
# Seconds from the end of a chapter's spoken title to its first paragraph (speech to speech,
# like SynthesisConfig's pause_paragraph and pause_chapter, which the rest of a book uses).
TITLE_PAUSE = 1.0
SEGMENT_CHARS = 5_000  # paragraphs handed to synthesize() at once
PARAGRAPH_BREAK = "\n\n"  # between the title and paragraphs of a chapter's text
WAV_LIMIT = 0xFFFF_FFFF - 2**20  # a RIFF size field's range, less a margin for the header
SPLIT_MANIFEST = "chapters.json"
_SAFE_NAME = re.compile(r"[^\w\- ]+")


class Progress(Protocol):
    """What render() reports to (the CLI's display is commands.progress.BookProgress)."""

    def start_chapter(self, n: int, index: int, chapter: Chapter) -> None: ...
    def advance(self, words: int, seconds: float) -> None: ...
    def end_chapter(self, item: Rendered) -> None: ...


@dataclass
class Rendered:
    index: int  # 1-based chapter number in the book
    title: str
    start: float  # seconds from the start of the book (as rendered)
    duration: float
    file: str = ""


def parse_selection(spec: str | None, count: int) -> list[int]:
    """1-based chapter numbers from "1-3,7" (all chapters when spec is None)."""
    if not spec:
        return list(range(1, count + 1))
    chosen: list[int] = []
    for part in spec.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m:
            raise UsageError(f"bad --chapters '{spec}'; write numbers and ranges, e.g. 1-3,7")
        lo, hi = int(m[1]), int(m[2] or m[1])
        if lo < 1 or hi > count or lo > hi:
            raise UsageError(
                f"--chapters {part.strip()} is outside 1-{count}; see the list with --plan"
            )
        chosen += [i for i in range(lo, hi + 1) if i not in chosen]
    return chosen


def estimate(words: int, speed: float) -> float:
    return words / WORDS_PER_SECOND / speed


def plan_rows(
    book: Book, selection: list[int], config: Any, split: bool = False
) -> list[dict[str, Any]]:
    """--plan's rows: each selected chapter with its words, notes and estimated seconds (as
    rendered with `config`: its voice, language, speed, pauses and margins; see jobs.duration).
    One output has the lead-in before its first chapter and the tail after its last, the
    chapter pause between; with `split` every chapter's file has both, and no chapter pause."""
    from kokoro_cli.jobs.duration import chapter_seconds

    rows = []
    for n, i in enumerate(selection):
        chapter = book.chapters[i - 1]
        first, last = split or n == 0, split or n + 1 == len(selection)
        seconds = chapter_seconds(
            spoken_title(chapter.title),
            chapter.paragraphs(),
            config,
            title_pause=TITLE_PAUSE,
            last=last,
            words=chapter.words,
        )
        seconds += (config.lead_in if first else 0.0) + (config.tail if last else 0.0)
        row = {"index": i, "title": chapter.title, "words": chapter.words}
        rows.append({**row, "seconds": round(seconds, 1), "notes": chapter.notes})
    return rows


def segments(paragraphs: Iterator[str]) -> Iterator[str]:
    """Paragraphs grouped into texts of about SEGMENT_CHARS, blank-line separated (so the
    segments joined by PARAGRAPH_BREAK are the paragraphs joined by it)."""
    group: list[str] = []
    size = 0
    for p in paragraphs:
        group.append(p)
        size += len(p)
        if size >= SEGMENT_CHARS:
            yield PARAGRAPH_BREAK.join(group)
            group, size = [], 0
    if group:
        yield PARAGRAPH_BREAK.join(group)


_ROMAN_AFTER = re.compile(r"\b(chapter|part|book|volume)\s+([IVXLCDM]{2,}|[IVX])\b", re.IGNORECASE)
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _roman(numeral: str) -> int:
    values = [_ROMAN[c] for c in numeral.upper()]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def spoken_title(title: str) -> str:
    """The title as a sentence of its own; "Part II" is said "Part 2", not "Part roman two"."""
    title = _ROMAN_AFTER.sub(lambda m: f"{m[1]} {_roman(m[2])}", clean(title))
    return title if title[-1:] in ".!?" else f"{title}."


def chapter_text(chapter: Chapter) -> str:
    """The chapter's text exactly as it is read aloud, which subtitle cues' char_start/char_end
    index: the spoken title, a blank line, then the paragraphs joined by blank lines."""
    return PARAGRAPH_BREAK.join([spoken_title(chapter.title), *chapter.paragraphs()])


def chapter_audio(
    chapter: Chapter,
    config: Any,
    model: Any,
    advance: Any,
    *,
    offset: int = 0,
    number: int | None = None,
    timings: CueSpool | None = None,
) -> Iterator[Any]:
    """A chapter's pipeline.AudioChunks: title, pause, paragraphs (chapter_text(), spoken a
    segment at a time), starting `offset` samples into the book.

    `advance(words, seconds)` reports progress. With `timings`, each piece's cues go there,
    their char offsets moved from the piece to the chapter's text, tagged with `number`.
    """
    from kokoro_cli.audio.timing import cues
    from kokoro_cli.documents import count_words
    from kokoro_cli.pipeline import pause, synthesize

    if chapter.pronunciations:  # the book's lexicons; the user's --lexicon overrides them
        from kokoro_cli.text.lexicon import combined

        config = replace(config, lexicon=combined(chapter.pronunciations, config.lexicon))
    position = offset  # integer samples: exact over the whole book

    def gap(seconds: float) -> Any:
        nonlocal position
        chunk = pause(seconds, position)
        position += len(chunk.audio)
        advance(0, chunk.duration)
        return chunk

    def speak(text: str, at: int, count: bool) -> Iterator[Any]:
        """`text` sits at char `at` of the chapter's text."""
        nonlocal position
        words: list = []
        for chunk in synthesize(text, config, model, offset=position):
            position += len(chunk.audio)
            words += chunk.words
            advance(count_words([chunk.text]) if count else 0, chunk.duration)
            yield chunk
        if timings is not None:
            for cue in cues(words, text, by_word=timings.by_word):
                cue.char_start, cue.char_end = cue.char_start + at, cue.char_end + at
                cue.chapter = number
                timings.add(cue)

    title = spoken_title(chapter.title)
    yield from speak(title, 0, False)
    yield gap(TITLE_PAUSE)
    at = len(title) + len(PARAGRAPH_BREAK)
    for n, text in enumerate(segments(chapter.paragraphs())):
        if n:
            yield gap(config.pause_paragraph)
        yield from speak(text, at, True)
        at += len(text) + len(PARAGRAPH_BREAK)


def split_name(index: int, title: str, fmt: str) -> str:
    safe = _SAFE_NAME.sub("", title).strip()[:60] or "chapter"
    return f"{index:02d} {safe}.{fmt}"


def wav_format(words: int, speed: float) -> Any:
    """WAV, or RF64 when the estimate passes the 4 GB a RIFF header can describe."""
    from kokoro_cli.audio.sinks import FORMATS, Format

    if estimate(words, speed) * SAMPLE_RATE * 2 * 2 > WAV_LIMIT:  # the estimate may be short
        return Format("wav", "RF64", "PCM_16")
    return FORMATS["wav"]


def render(
    book: Book,
    selection: list[int],
    config: Any,
    model: Any,
    *,
    output: Path | None,
    split: Path | None,
    fmt: str,
    narrator: str,
    progress: Progress,
    timings: CueSpool | None = None,
) -> list[Rendered]:
    """Speak the selected chapters into `output` (M4B or one audio file) or `split`/.

    Between chapters, config.pause_chapter of silence ends the chapter before. The margins,
    config.lead_in and config.tail, go around the whole output: the book's start and end in one
    file, each chapter's with --split. `timings`, when given, collects subtitle cues."""
    from kokoro_cli.audio.m4b import M4bSink
    from kokoro_cli.audio.sinks import FileSink, format_for, write_text_atomic
    from kokoro_cli.pipeline import margin, pause

    lead_in, tail = config.lead_in, config.tail
    config = replace(config, fast_start=False, lead_in=0.0, tail=0.0)  # pieces: none of their own
    done: list[Rendered] = []
    sink: Any = None
    words = sum(book.chapters[i - 1].words for i in selection)
    if output is not None:
        if output.suffix.lower() == ".m4b":
            sink = M4bSink(
                output,
                title=book.title,
                author=book.author,
                language=book.language,
                narrator=narrator,
                cover=book.cover,
                cover_type=book.cover_type,
            )
        else:
            f = format_for(output)
            sink = FileSink(output, wav_format(words, config.speed) if f.name == "wav" else f)
    frames = 0
    try:
        for n, index in enumerate(selection):
            chapter = book.chapters[index - 1]
            progress.start_chapter(n, index, chapter)
            start = frames
            out, part = sink, None
            if split is not None:
                name = split_name(index, chapter.title, fmt)
                f = (
                    wav_format(chapter.words, config.speed)
                    if fmt == "wav"
                    else format_for(split / name)
                )
                out = part = FileSink(split / name, f)
            if hasattr(out, "chapter"):
                out.chapter(chapter.title)
            first, last = split is not None or n == 0, split is not None or n + 1 == len(selection)
            try:
                if first:
                    edge = margin(lead_in, frames)
                    progress.advance(0, edge.duration)
                    out.write(edge.audio)
                    frames += len(edge.audio)
                pieces = chapter_audio(
                    chapter,
                    config,
                    model,
                    progress.advance,
                    offset=frames,
                    number=index,
                    timings=timings,
                )
                for chunk in pieces:
                    out.write(chunk.audio)
                    frames += len(chunk.audio)
                # the end of a file gets the tail; within one, chapters are a pause apart
                gap = margin(tail, frames) if last else pause(config.pause_chapter, frames)
                progress.advance(0, gap.duration)
                out.write(gap.audio)
                frames += len(gap.audio)
                if part is not None:
                    part.commit()
            except BaseException:
                if part is not None:
                    part.abort()
                raise
            item = Rendered(
                index, chapter.title, start / SAMPLE_RATE, (frames - start) / SAMPLE_RATE
            )
            item.file = name if split is not None else ""
            done.append(item)
            progress.end_chapter(item)
        if sink is not None:
            sink.commit()
        if split is not None:
            rows = [r.__dict__ for r in done]
            meta = {"title": book.title, "author": book.author, "narrator": narrator}
            write_text_atomic(
                split / SPLIT_MANIFEST,
                json.dumps({**meta, "chapters": rows}, indent=2, ensure_ascii=False) + "\n",
            )
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    return done


def check_extras() -> None:
    """The book extra's packages, or one line saying how to install them."""
    import importlib.util

    from kokoro_cli.errors import KokoroError

    missing = [m for m in ("av", "pypdf", "defusedxml") if importlib.util.find_spec(m) is None]
    if missing:
        raise KokoroError(
            f"kokoro book needs {', '.join(missing)}, which is not installed; "
            "install it: pip install 'kokoro-cli[book]'"
        )
