"""`kokoro batch`: many inputs to many files, resumable, with progress and a summary.

Each item streams into a temporary beside its output and is renamed only when complete, so
a re-run (which skips existing outputs) resumes exactly where an interrupted run stopped.
With --jobs N, N threads share the one loaded model and take items in turn.
"""

from __future__ import annotations

import glob
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kokoro_cli.audio.sinks import FileSink, format_for, temp_path
from kokoro_cli.errors import KokoroError, UsageError
from kokoro_cli.inputs import check_not_empty, decode_text, read_bytes
from kokoro_cli.model.shared import TOKENS_AT_ONCE, SharedModel, cores
from kokoro_cli.pipeline import SynthesisConfig

if TYPE_CHECKING:
    from kokoro_cli.api import Kokoro

TEXT_SUFFIXES = (".txt", ".md", ".ssml")  # .ssml files are read as SSML
Report = Callable[[tuple], None]  # progress events: ("start", i, chars) / ("chunk", i, secs, chars)


@dataclass(frozen=True)
class Item:
    """One output to produce: from a file or from inline text (manifest), with overrides."""

    label: str
    output: Path
    source: Path | None = None
    text: str | None = None
    voice: str | None = None
    speed: float | None = None
    pitch: float | None = None  # semitones; None: the run's --pitch
    error: str | None = None  # known bad before starting (e.g. a malformed manifest line)
    ssml: bool | None = None  # SSML or not; None: the run's setting (--ssml/--no-ssml, else auto)


@dataclass
class Result:
    label: str
    output: Path
    status: str  # "done", "skipped" or "failed"
    seconds: float = 0.0  # audio produced
    wall: float = 0.0
    message: str = ""
    node: str = ""  # where it ran, with --engine ray


# ---------------------------------------------------------------- collecting items


def items_from_inputs(inputs: list[str], outdir: Path, fmt: str) -> list[Item]:
    """Files, folders (recursing into .txt/.md) and globs, mirrored under `outdir`."""
    items: list[Item] = []
    for arg in inputs:
        path = Path(arg)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES)
            items += [_file_item(p, p.relative_to(path), outdir, fmt) for p in found if p.is_file()]
        elif path.exists() or not glob.has_magic(arg):
            items.append(_file_item(path, _mirror(path), outdir, fmt))  # a missing file fails later
        else:
            matches = sorted(Path(m) for m in glob.glob(arg, recursive=True))
            if not matches:
                raise UsageError(f"no files match {arg!r}; check the pattern")
            items += [_file_item(m, _mirror(m), outdir, fmt) for m in matches if m.is_file()]
    if not items:
        raise UsageError("no .txt, .md or .ssml files found in the given inputs")
    return _check_unique(items)


def _mirror(path: Path) -> Path:
    """The relative path to keep under OUTDIR: as given if relative and inside, else the name."""
    if path.is_absolute() or ".." in path.parts:
        return Path(path.name)
    return path


def _file_item(path: Path, rel: Path, outdir: Path, fmt: str) -> Item:
    ssml = True if path.suffix.lower() == ".ssml" else None
    return Item(str(path), outdir / rel.with_suffix(f".{fmt}"), source=path, ssml=ssml)


def items_from_manifest(manifest: Path, outdir: Path, fmt: str) -> list[Item]:
    """JSONL: one object a line with "text" or "file", and optional "output", "voice", "speed",
    "pitch", "ssml" (true/false; by default a text starting with <speak>, or a .ssml file, is
    SSML)."""
    lines = decode_text(read_bytes(manifest), str(manifest)).splitlines()
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        label = f"{manifest.name}:{n}"
        default_out = outdir / f"{n:06d}.{fmt}"
        try:
            items.append(_manifest_item(json.loads(line), label, manifest.parent, outdir, fmt))
        except (ValueError, UsageError) as exc:
            items.append(Item(label=label, output=default_out, error=f"bad manifest line: {exc}"))
        if not items[-1].output.name:
            items[-1] = replace(items[-1], output=default_out)
    return _check_unique(items)


def _manifest_item(row: Any, label: str, base: Path, outdir: Path, fmt: str) -> Item:
    if not isinstance(row, dict) or ("text" in row) == ("file" in row):
        raise UsageError('each line needs exactly one of "text" or "file"')
    n = label.rsplit(":", 1)[1]
    out = Path(row.get("output") or f"{int(n):06d}.{fmt}")
    if out.is_absolute() or ".." in out.parts:
        raise UsageError(f'"output" {str(out)!r} must be a relative path inside the output folder')
    if not out.suffix:
        out = out.with_suffix(f".{fmt}")
    format_for(out)  # an unsupported extension is this line's error, found before any work
    speed = row.get("speed")
    if speed is not None and not isinstance(speed, (int, float)):
        raise UsageError(f'"speed" must be a number, not {speed!r}')
    pitch = row.get("pitch")
    if pitch is not None:
        from kokoro_cli.pipeline import check_pitch

        pitch = check_pitch(pitch)  # out of range: this line's error, found before any work
    text = row.get("text")
    if text is not None and not isinstance(text, str):
        raise UsageError('"text" must be a string')
    ssml = row.get("ssml")
    if ssml is not None and not isinstance(ssml, bool):
        raise UsageError(f'"ssml" must be true or false, not {ssml!r}')
    source = base / row["file"] if "file" in row else None
    if ssml is None and source is not None and source.suffix.lower() == ".ssml":
        ssml = True
    return Item(label, outdir / out, source, text, row.get("voice"), speed, pitch, ssml=ssml)


def _check_unique(items: list[Item]) -> list[Item]:
    seen: dict[Path, str] = {}
    for item in items:
        if item.output in seen:
            raise UsageError(
                f"{seen[item.output]} and {item.label} would both write {item.output}; "
                "rename one of them"
            )
        seen[item.output] = item.label
    return items


# ---------------------------------------------------------------- doing one item


class Stopped(Exception):
    """Another thread asked the workers to stop (Ctrl-C): abandon this item."""


def process(
    index: int, item: Item, base: SynthesisConfig, tts: Kokoro, report: Report,
    stop: threading.Event | None = None, tmp: Path | None = None,
) -> Result:  # fmt: skip
    """Synthesize one item into its output file; failures become a Result, not an exception.

    `tmp` is the temporary to write it into (default: atomic.temp_path's, beside the output)."""
    from kokoro_cli.api import options_of

    started = time.perf_counter()
    result = Result(item.label, item.output, "failed")
    sink = None
    try:
        if item.error:
            raise UsageError(item.error)
        if item.text is not None:
            text = check_not_empty(item.text, item.label)
        elif item.source is not None:
            text = decode_text(read_bytes(item.source), item.label)
        else:
            raise UsageError("nothing to speak: no text and no file")
        voice, speed = item.voice or base.voice, item.speed or base.speed
        if item.pitch is not None:
            base = replace(base, pitch=item.pitch)
        options = options_of(base)
        if item.ssml is not None and base.ssml is not False:
            options["ssml"] = item.ssml  # --no-ssml reads even .ssml files as they are
        chunks = tts.stream(text, voice, speed, base.lang, fast_start=base.fast_start, **options)
        report(("start", index, len(text)))
        item.output.parent.mkdir(parents=True, exist_ok=True)
        sink = FileSink(item.output, format_for(item.output), tmp)
        for chunk in chunks:
            if stop is not None and stop.is_set():
                raise Stopped
            sink.write(chunk.audio)
            result.seconds += chunk.duration
            report(("chunk", index, chunk.duration, len(chunk.text)))
        sink.commit()
        result.status = "done"
    except Stopped:
        result.message = "interrupted"
    except KokoroError as exc:
        result.message = str(exc)
    except OSError as exc:
        result.message = f"{exc.strerror or exc}: {exc.filename or item.output}"
    except Exception as exc:  # a model or codec failure on one item must not stop the batch
        result.message = f"unexpected {type(exc).__name__}: {exc}"
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    if result.status != "done" and sink is not None:
        sink.abort()
    result.wall = time.perf_counter() - started
    return result


# ---------------------------------------------------------------- running many


def plan(items: list[Item], force: bool) -> tuple[dict[int, Result], list[int]]:
    """Results for the outputs that exist (skipped unless `force`), and the indices left to do."""
    results: dict[int, Result] = {}
    todo: list[int] = []
    for i, item in enumerate(items):
        if item.output.exists() and not force:
            results[i] = Result(item.label, item.output, "skipped", message="exists")
        else:
            todo.append(i)
    return results, todo


class Progress(Protocol):
    """What run() reports to (the CLI's display is batch_ui.BatchProgress); used as a context."""

    def __enter__(self) -> Any: ...
    def __exit__(self, *exc: object) -> Any: ...
    def event(self, event: tuple) -> None: ...
    def finished(self, index: int, result: Result) -> None: ...
    def summary(self, results: list[Result]) -> None: ...


def run(
    items: list[Item], base: SynthesisConfig, *, force: bool, jobs: int, tts: Kokoro,
    progress: Callable[[list[Item], list[int]], Progress],
) -> int:  # fmt: skip
    """Process every item (skipping finished ones unless `force`); returns the failure count.

    The model loads only when there is work to do (all outputs may exist already). `progress`
    makes the display for the items and the indices to do (the CLI's is batch_ui.BatchProgress).
    """
    results, todo = plan(items, force)
    ui = progress(items, todo)
    started: set[int] = set()

    def report(event: tuple) -> None:
        if event[0] == "start":
            started.add(event[1])
        ui.event(event)

    try:
        with ui:
            if todo:
                tts.load(base.lang)
            if todo and min(jobs, len(todo)) == 1:
                for i in todo:
                    results[i] = process(i, items[i], base, tts, report)
                    ui.finished(i, results[i])
            elif todo:
                _run_threads(items, todo, base, jobs, tts, report, ui, results)
    finally:
        # Belt and braces after an interrupt: no temporary outlives an unfinished item.
        for i in started - set(results):
            temp_path(items[i].output).unlink(missing_ok=True)
    ui.summary([results[i] for i in range(len(items))])
    return sum(r.status == "failed" for r in results.values())


def default_jobs() -> int:
    """Items at once by default: 2 where there are 2+ cores (see `_run_threads`)."""
    return 2 if cores() >= 2 else 1


def _run_threads(
    items: list[Item], todo: list[int], base: SynthesisConfig, jobs: int, tts: Kokoro,
    report: Report, ui: Progress, results: dict[int, Result],
) -> None:  # fmt: skip
    """Synthesize `jobs` items at once in threads that share one model (see SharedModel).

    The forward releases the GIL, and two 1-thread forwards get more out of 2 cores than one
    2-thread forward (measured: 1.27-1.31x the files per second on short files), with one copy
    of the weights. Only this thread touches the progress display: workers send it events.
    """
    import queue

    import torch

    events: queue.Queue[tuple] = queue.Queue()
    pending: queue.Queue[int] = queue.Queue()
    for i in todo:
        pending.put(i)
    stop = threading.Event()
    jobs = min(jobs, len(todo))
    before = torch.get_num_threads()
    shared = tts._using(SharedModel(tts.engine, TOKENS_AT_ONCE, before, max(1, before // jobs)))

    def work() -> None:
        while not stop.is_set():
            try:
                i = pending.get_nowait()
            except queue.Empty:
                return
            try:
                result = process(i, items[i], base, shared, events.put, stop)
            except BaseException as exc:  # process() turns failures into results; not this
                events.put(("crash", exc))
                return
            events.put(("done", i, result))

    workers = [
        threading.Thread(target=work, name=f"kokoro-batch-{n}", daemon=True) for n in range(jobs)
    ]
    for w in workers:
        w.start()
    try:
        left = len(todo)
        while left:
            try:
                event = events.get(timeout=0.1)  # a timeout keeps Ctrl-C responsive
            except queue.Empty:
                continue
            if event[0] == "done":
                results[event[1]] = event[2]
                ui.finished(event[1], event[2])
                left -= 1
            elif event[0] == "crash":
                raise event[1]
            else:
                report(event)
    finally:
        stop.set()  # after Ctrl-C: workers abandon their items at the next chunk
        for w in workers:
            w.join()
        torch.set_num_threads(before)  # the workers' count also became torch's global default
