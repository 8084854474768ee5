"""Progress for `kokoro book` on stderr: per chapter and overall, audio time, × real time, ETA.

On a terminal, two live bars (the chapter, the book); elsewhere one line per finished chapter.
The ETA comes from words still to speak at the words-per-second rate measured so far.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn


def _rt(audio: float, wall: float) -> str:
    return f"{audio / wall:.2f}×RT" if wall > 0 and audio > 0 else "-"


class BookProgress:
    def __init__(self, chapters: int, words: int, *, quiet: bool) -> None:
        self.quiet = quiet
        self.count = chapters
        self.console = Console(stderr=True, soft_wrap=True)
        self.live = not quiet and sys.stderr.isatty()
        self.t0 = self.tc = time.perf_counter()
        self.audio = 0.0  # seconds of speech so far (book)
        self.chapter_audio = 0.0
        self.words_done = 0
        self.words = words
        self.progress = Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[audio]:>9} audio"),
            TextColumn("{task.fields[rt]:>9}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
            disable=not self.live,
        )
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
        from kokoro_cli.book import clock

        now = time.perf_counter()
        self.audio += seconds
        self.chapter_audio += seconds
        self.words_done += words
        self.progress.update(
            self.task,
            advance=words,
            audio=clock(self.chapter_audio),
            rt=_rt(self.chapter_audio, now - self.tc),
        )
        self.progress.update(
            self.book, advance=words, audio=clock(self.audio), rt=_rt(self.audio, now - self.t0)
        )

    def end_chapter(self, item: Any) -> None:
        from kokoro_cli.book import clock

        if self.quiet:
            return
        now = time.perf_counter()
        wall = now - self.t0
        left = self.words - self.words_done
        eta = left * wall / self.words_done if self.words_done else 0.0
        share = 100 * self.words_done / max(self.words, 1)
        self.console.print(
            f"kokoro: chapter {item.index} '{item.title}': {clock(item.duration)} of audio in "
            f"{now - self.tc:.1f} s ({_rt(item.duration, now - self.tc)}); book {share:.0f} %, "
            f"{clock(self.audio)} audio, {_rt(self.audio, wall)}, ETA {clock(eta)}",
            highlight=False,
            markup=False,
        )
