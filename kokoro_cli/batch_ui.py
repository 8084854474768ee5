"""Progress and summary for `kokoro batch`, all on stderr.

On a terminal: a live rich display with one bar per file in flight plus an overall bar, each
showing audio seconds produced, speed as a multiple of real time, and ETA. Elsewhere (logs, CI):
one plain line per finished item. Either way a summary table closes the run.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table


def _estimate(item: Any) -> int:
    """Characters to speak, guessed before reading: inline text length or file size."""
    if item.text is not None:
        return len(item.text)
    try:
        return item.source.stat().st_size if item.source is not None else 1
    except OSError:
        return 1


def _rt(audio: float, wall: float) -> str:
    return f"{audio / wall:.1f}×RT" if wall > 0 and audio > 0 else "-"


class BatchProgress:
    def __init__(self, items: list[Any], todo: list[int], *, quiet: bool) -> None:
        self.items = items
        self.quiet = quiet
        self.console = Console(stderr=True, soft_wrap=True)
        self.live = not quiet and sys.stderr.isatty()
        self.estimate = {i: _estimate(items[i]) for i in todo}
        self.tasks: dict[int, Any] = {}
        self.clock: dict[int, float] = {}
        self.audio: dict[int, float] = {}
        self.done_chars: dict[int, int] = {}
        self.total_audio = 0.0
        self.t0 = time.perf_counter()
        self.progress = Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[audio]:7.1f} s audio"),
            TextColumn("{task.fields[rt]:>8}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
            disable=not self.live,
        )
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
                rt=_rt(self.audio[index], wall),
            )  # fmt: skip
            self.progress.update(
                self.overall, advance=chars, audio=self.total_audio,
                rt=_rt(self.total_audio, time.perf_counter() - self.t0),
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
                line + f"{_rt(result.seconds, result.wall)})", highlight=False, markup=False
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
            cells = [r.label, str(r.output), r.status, f"{r.seconds:.1f}", _rt(r.seconds, r.wall)]
            table.add_row(*cells, *([r.node] if nodes else []), style=style)
        counts = {s: sum(r.status == s for r in results) for s in ("done", "skipped", "failed")}
        total = sum(r.seconds for r in results)
        wall = time.perf_counter() - self.t0
        self.console.print(table)
        self.console.print(
            f"{counts['done']} done, {counts['skipped']} skipped, {counts['failed']} failed; "
            f"{total:.1f} s of audio in {wall:.1f} s ({_rt(total, wall)})",
            highlight=False,
        )
