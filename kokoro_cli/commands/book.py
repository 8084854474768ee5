"""`kokoro book` after option parsing: check the request, show the plan or render the book
(jobs.book) with a progress display, and say what was written."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kokoro_cli.commands.progress import BookProgress, clock
from kokoro_cli.documents import Book
from kokoro_cli.errors import UsageError
from kokoro_cli.jobs.book import (
    chapter_text,
    check_extras,
    parse_selection,
    plan_rows,
    render,
)


def default_output(source: Path) -> Path:
    return Path.cwd() / f"{source.stem}.m4b"


def print_plan(book: Book, rows: list[dict[str, Any]], as_json: bool, config: Any) -> None:
    """The chapter list on stdout (it is the data asked for), with who reads it in what
    language ("language" is the book's own tag, "lang" the one it is spoken in)."""
    if as_json:
        meta = {"title": book.title, "author": book.author, "language": book.language}
        meta |= {"lang": config.lang, "voice": config.voice, "cover": bool(book.cover)}
        print(json.dumps({**meta, "chapters": rows}, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    from kokoro_cli.text.langs import LANGUAGES

    head = f"{book.title}" + (f" — {book.author}" if book.author else "")
    head += f"\nread in {LANGUAGES.get(config.lang, config.lang)} by {config.voice}"
    table = Table("#", "title", "words", "est.", "notes", title=head, box=None)
    for r in rows:
        row = [str(r["index"]), r["title"], str(r["words"]), clock(r["seconds"])]
        table.add_row(*row, "; ".join(r["notes"]))
    total = sum(r["seconds"] for r in rows)
    table.add_row("", "total", str(sum(r["words"] for r in rows)), clock(total), "")
    Console(soft_wrap=True).print(table)


def _check_language(book_lang: str, lang: str | None, quiet: bool) -> None:
    """Say so when the book's declared language is not the one it will be spoken in (only
    when --voice or --lang chose another: otherwise the book's language picked the voice)."""
    from kokoro_cli.jobs.narrator import NO_LANGUAGE, language_name
    from kokoro_cli.text.langs import lang_of_tag

    if quiet or book_lang.strip().lower() in NO_LANGUAGE or not lang:
        return
    theirs = lang_of_tag(book_lang)
    if theirs is None:
        print(
            f"kokoro: note: the book's language is {language_name(book_lang)}, which Kokoro "
            f"cannot speak; it is read as {lang}, as asked",
            file=sys.stderr,
        )
    elif theirs.split("-")[0] != lang.split("-")[0]:
        print(
            f"kokoro: note: the book says its language is {book_lang}, but it will be spoken "
            f"as {lang}; leave out --voice and --lang to read it in its own language",
            file=sys.stderr,
        )


MAX_NOTES = 10  # lines of reader notes shown; the rest are counted


def _tell_notes(notes: list[str], quiet: bool) -> None:
    """What the reader could not use (pronunciations, mostly), one line each on stderr."""
    if quiet or not notes:
        return
    for note in notes[:MAX_NOTES]:
        print(f"kokoro: note: {note}", file=sys.stderr)
    if len(notes) > MAX_NOTES:
        print(f"kokoro: note: and {len(notes) - MAX_NOTES} more like these", file=sys.stderr)


def run(
    source: Path,
    *,
    output: Path | None,
    split: Path | None,
    fmt: str,
    plan: bool,
    as_json: bool,
    chapters: str | None,
    config: Any,
    load_engine: Any,
    narrate: Any = None,
    model_key: tuple[str | None, str, str | None],
    quiet: bool,
    use_cache: bool = True,
    subtitles: Path | None = None,
    words: bool = False,
    with_text: bool = False,
) -> None:
    """The `book` command after option parsing: plan, or check, load the model and render.

    `narrate(book_language)` gives the config the book is read with (its language picks the
    voice, see jobs.narrator); `load_engine(lang)` loads the model for that language."""
    from kokoro_cli.audio.sinks import format_for
    from kokoro_cli.documents import read_document

    check_extras()
    from kokoro_cli.audio import sinks as audio

    kind = audio.subtitle_kind(subtitles) if subtitles else None
    if words and not subtitles:
        raise UsageError("--words needs --subtitles FILE (.srt, .vtt or .json) to write them to")
    if with_text and not (plan and as_json):
        raise UsageError("--text goes with --plan --json")
    if subtitles and not subtitles.parent.is_dir():
        raise UsageError(f"subtitles folder {subtitles.parent} does not exist; create it first")
    if split is not None and output is not None:
        raise UsageError("give -o FILE or --split DIR, not both")
    if split is None:
        output = output or default_output(source)
        if output.suffix.lower() != ".m4b":
            format_for(output)  # one audio file without chapters: any format `say` writes
        if not output.parent.is_dir():
            raise UsageError(f"output folder {output.parent} does not exist; create it first")
    else:
        format_for(Path(f"x.{fmt}"))
    book = read_document(source)
    _tell_notes(book.notes, quiet)
    selection = parse_selection(chapters, len(book.chapters))
    if narrate is not None:
        config = narrate(book.language)
    if plan:
        rows = plan_rows(book, selection, config, split=split is not None)
        if with_text:  # what the char offsets of --subtitles ... .json index, chapter by chapter
            for row in rows:
                row["text"] = chapter_text(book.chapters[row["index"] - 1])
        print_plan(book, rows, as_json, config)
        return
    _check_language(book.language, config.lang, quiet)
    if split is not None:
        split.mkdir(parents=True, exist_ok=True)
    from kokoro_cli.model import voices

    voices.load_voice(config.voice)  # a broken voice fails before the slow model load
    model = load_engine(config.lang)
    cached = None
    if use_cache:
        from kokoro_cli.jobs import chunk_cache
        from kokoro_cli.paths import cache_dir

        key = chunk_cache.model_key(*model_key)
        cached = model = chunk_cache.CachedModel(model, cache_dir() / "chunks", key)
    else:
        from kokoro_cli.jobs.chunk_cache import Quantized

        model = Quantized(model)  # the same bytes as a run through the cache
    from kokoro_cli.audio.timing import CueSpool

    timings = CueSpool(by_word=words) if subtitles else None
    words_total = sum(book.chapters[i - 1].words for i in selection)
    try:
        with BookProgress(len(selection), words_total, quiet=quiet) as progress:
            done = render(
                book,
                selection,
                config,
                model,
                output=output,
                split=split,
                fmt=fmt,
                narrator=config.voice,
                progress=progress,
                timings=timings,
            )
        if subtitles and kind and timings is not None:
            timings.write(subtitles, kind)
    finally:
        if timings is not None:
            timings.close()
    if cached is not None:
        if cached.hits and not quiet:
            print(
                f"kokoro: resumed: {cached.hits} chunks from the cache, {cached.misses} synthesized",
                file=sys.stderr,
            )
        cached.forget()
    if not quiet:
        where = output if split is None else split
        total = sum(r.duration for r in done)
        print(f"kokoro: wrote {where} ({len(done)} chapters, {clock(total)})", file=sys.stderr)
