"""Progress on stderr for the long commands: `kokoro batch` (per file and overall, then a
summary table) and `kokoro book` (per chapter and for the book, with an ETA).

On a terminal: live rich bars showing the audio produced, the speed as a multiple of real time,
and the time left. Elsewhere (logs, CI): one plain line per finished file or chapter. The jobs
call these displays through the methods they expect (jobs.batch.Progress, jobs.book.Progress);
they never import them.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table


def _console(quiet: bool) -> tuple[Console, bool]:
    """stderr, and whether live bars go there (a terminal, not --quiet)."""
    return Console(stderr=True, soft_wrap=True), not quiet and sys.stderr.isatty()


def _bars(console: Console, live: bool, audio: str, rt_width: int) -> Progress:
    """The bars both displays draw: name, bar, %, audio so far, × real time, time left."""
    return Progress(
        TextColumn("{task.description}", style="bold"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn(audio),
        TextColumn(f"{{task.fields[rt]:>{rt_width}}}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not live,
    )


def _rt(digits: int, audio: float, wall: float) -> str:
    """Speed as a multiple of real time ("2.4×RT"), or "-" before there is any."""
    return f"{audio / wall:.{digits}f}×RT" if wall > 0 and audio > 0 else "-"


def clock(seconds: float) -> str:
    """H:MM:SS."""
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _estimate(item: Any) -> int:
    """Characters to speak, guessed before reading: inline text length or file size."""
    if item.text is not None:
        return len(item.text)
    try:
        return item.source.stat().st_size if item.source is not None else 1
    except OSError:
        return 1


class BatchProgress:
    def __init__(self, items: list[Any], todo: list[int], *, quiet: bool) -> None:
        self.items = items
        self.quiet = quiet
        self.console, self.live = _console(quiet)
        self.estimate = {i: _estimate(items[i]) for i in todo}
        self.tasks: dict[int, Any] = {}
        self.clock: dict[int, float] = {}
        self.audio: dict[int, float] = {}
        self.done_chars: dict[int, int] = {}
        self.total_audio = 0.0
        self.t0 = time.perf_counter()
        self.progress = _bars(self.console, self.live, "{task.fields[audio]:7.1f} s audio", 8)
        self.overall = self.progress.add_task(
            f"all {len(todo)} items", total=sum(self.estimate.values()) or 1, audio=0.0, rt="-"
        )

    def __enter__(self) -> BatchProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def event(self, event: tuple) -> None:
        kind, index = event[0], event[1]
        if kind == "start":
            chars = int(event[2])
            # Replace the guess (file size) by the real character count, keeping the ETA honest.
            self.progress.update(
                self.overall, total=self._overall_total() - self.estimate[index] + chars
            )
            self.estimate[index] = chars
            self.clock[index] = time.perf_counter()
            self.audio[index] = 0.0
            self.done_chars[index] = 0
            name = self.items[index].label
            short = name if len(name) <= 28 else "…" + name[-27:]
            self.tasks[index] = self.progress.add_task(
                short, total=max(chars, 1), audio=0.0, rt="-"
            )
        elif kind == "chunk" and index in self.tasks:
            seconds, chars = float(event[2]), int(event[3])
            self.audio[index] += seconds
            self.done_chars[index] += chars
            self.total_audio += seconds
            wall = time.perf_counter() - self.clock[index]
            self.progress.update(
                self.tasks[index], advance=chars, audio=self.audio[index],
                rt=_rt(1, self.audio[index], wall),
            )  # fmt: skip
            self.progress.update(
                self.overall, advance=chars, audio=self.total_audio,
                rt=_rt(1, self.total_audio, time.perf_counter() - self.t0),
            )  # fmt: skip

    def _overall_total(self) -> float:
        return float(self.progress.tasks[self.overall].total or 0)

    def finished(self, index: int, result: Any) -> None:
        task = self.tasks.pop(index, None)
        if task is not None:
            self.progress.remove_task(task)
        # Whatever was not advanced (a failure, rounding) still counts as dealt with.
        left = self.estimate.get(index, 0) - self.done_chars.get(index, 0)
        self.progress.update(self.overall, advance=max(left, 0))
        if result.status == "failed":
            self.console.print(
                f"[red]failed[/red] {result.label}: {result.message}", markup=True, highlight=False
            )
        elif not self.quiet:
            line = f"done {result.label} -> {result.output} ({result.seconds:.1f} s audio, "
            self.console.print(
                line + f"{_rt(1, result.seconds, result.wall)})", highlight=False, markup=False
            )

    def summary(self, results: list[Any]) -> None:
        if self.quiet:
            return
        nodes = any(r.node for r in results)  # --engine ray: where each item ran
        table = Table("input", "output", "status", "audio s", "speed", title="kokoro batch")
        if nodes:
            table.add_column("node")
        for r in results:
            style = {"failed": "red", "skipped": "dim"}.get(r.status, "")
            cells = [
                r.label,
                str(r.output),
                r.status,
                f"{r.seconds:.1f}",
                _rt(1, r.seconds, r.wall),
            ]
            table.add_row(*cells, *([r.node] if nodes else []), style=style)
        counts = {s: sum(r.status == s for r in results) for s in ("done", "skipped", "failed")}
        total = sum(r.seconds for r in results)
        wall = time.perf_counter() - self.t0
        self.console.print(table)
        self.console.print(
            f"{counts['done']} done, {counts['skipped']} skipped, {counts['failed']} failed; "
            f"{total:.1f} s of audio in {wall:.1f} s ({_rt(1, total, wall)})",
            highlight=False,
        )


class BookProgress:
    def __init__(self, chapters: int, words: int, *, quiet: bool) -> None:
        self.quiet = quiet
        self.count = chapters
        self.console, self.live = _console(quiet)
        self.t0 = self.tc = time.perf_counter()
        self.audio = 0.0  # seconds of speech so far (book)
        self.chapter_audio = 0.0
        self.words_done = 0
        self.words = words
        self.progress = _bars(self.console, self.live, "{task.fields[audio]:>9} audio", 9)
        self.book = self.progress.add_task("book", total=max(words, 1), audio="0:00:00", rt="-")
        self.task: Any = None

    def __enter__(self) -> BookProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start_chapter(self, n: int, index: int, chapter: Any) -> None:
        self.tc = time.perf_counter()
        self.chapter_audio = 0.0
        if self.task is not None:
            self.progress.remove_task(self.task)
        label = f"{n + 1}/{self.count} {chapter.title[:30]}"
        self.task = self.progress.add_task(label, total=max(chapter.words, 1), audio="-", rt="-")

    def advance(self, words: int, seconds: float) -> None:
        now = time.perf_counter()
        self.audio += seconds
        self.chapter_audio += seconds
        self.words_done += words
        self.progress.update(
            self.task,
            advance=words,
            audio=clock(self.chapter_audio),
            rt=_rt(2, self.chapter_audio, now - self.tc),
        )
        self.progress.update(
            self.book, advance=words, audio=clock(self.audio), rt=_rt(2, self.audio, now - self.t0)
        )

    def end_chapter(self, item: Any) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        wall = now - self.t0
        left = self.words - self.words_done
        eta = left * wall / self.words_done if self.words_done else 0.0
        share = 100 * self.words_done / max(self.words, 1)
        self.console.print(
            f"kokoro: chapter {item.index} '{item.title}': {clock(item.duration)} of audio in "
            f"{now - self.tc:.1f} s ({_rt(2, item.duration, now - self.tc)}); book {share:.0f} %, "
            f"{clock(self.audio)} audio, {_rt(2, self.audio, wall)}, ETA {clock(eta)}",
            highlight=False,
            markup=False,
        )
