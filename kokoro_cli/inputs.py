"""Reading the text to speak: from an argument, a file or stdin, as checked UTF-8.

Shared by the CLI's commands and by batch, so every input reports the same one-line errors
(missing file, a folder, not UTF-8, empty) as a UsageError. A pipe can also be read as it is
written (live_source, read_pieces), with FLUSH marks where its writer goes quiet (with_flushes).
Standard library only: the server fast path (commands/quick.py) reads its input with these.
"""

from __future__ import annotations

import codecs
import os
import queue
import stat
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kokoro_cli.errors import UsageError


def read_text(text: str | None, file: Path | None) -> str:
    """The input text from the argument, -f FILE, or stdin ("-" or nothing given)."""
    if text is not None and file is not None:
        raise UsageError("give the text as an argument or with -f FILE, not both")
    if file is not None and str(file) != "-":
        return decode_text(read_bytes(file), str(file))
    if text is not None and text != "-":
        return check_not_empty(text, "the text argument")
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("no text given; pass it as an argument, with -f FILE, or on stdin")
    return decode_text(sys.stdin.buffer.read(), "stdin")


def read_bytes(path: Path) -> bytes:
    """The bytes of `path`, or a UsageError saying why it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder; give a text file (or use `kokoro batch`)") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}; check its permissions") from None


def decode_text(data: bytes, where: str) -> str:
    """`data` as UTF-8 text (a BOM tolerated), not empty; `where` names it in errors."""
    try:
        text = data.decode("utf-8-sig")  # tolerate a BOM from Windows editors
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{where} is not UTF-8 text (bad byte at offset {exc.start}); "
            "convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None
    return check_not_empty(text, where)


def check_not_empty(text: str, where: str) -> str:
    """`text` unchanged, or a UsageError when it holds only whitespace."""
    if not text.strip():
        raise UsageError(f"{where} is empty; there is nothing to speak")
    return text


# ---------------------------------------------------------------- live input (issue 23)


class _Flush:
    def __repr__(self) -> str:
        return "FLUSH"


FLUSH: Any = _Flush()  # among text pieces: speak what is buffered now (the writer went quiet)
FLUSH_AFTER = 1.0  # `say --flush-after`: seconds of a quiet writer before a fragment is spoken
MAX_FLUSH_AFTER = 3600.0
READ_BYTES = 64 * 1024  # per os.read: whatever has arrived, up to this
_QUEUED = 16  # pieces read ahead of the consumer: bounds memory when the writer is fast


def live_source(text: str | None, file: Path | None) -> tuple[int, str] | None:
    """(fd, name) when the input is a stream still being written: stdin or `-f` a pipe, FIFO or
    socket. None for an argument, a regular file or a terminal: those are read whole."""
    if text is not None and file is not None:
        return None  # read_text() reports it
    if file is not None and str(file) != "-":
        try:
            if not stat.S_ISFIFO(os.stat(file).st_mode):
                return None
            return os.open(file, os.O_RDONLY), str(file)  # waits for a writer, as reading does
        except OSError:
            return None  # read_text() says why
    if (text is not None and text != "-") or sys.stdin is None:
        return None
    try:
        fd = sys.stdin.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError):
        return None
    return (fd, "stdin") if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None


def read_pieces(fd: int, where: str) -> Iterator[str]:
    """The text of `fd` as it arrives, decoded incrementally (a character split across reads
    is whole in one piece). Not UTF-8, or only whitespace at the end: read_text()'s errors."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    seen = 0  # bytes read so far
    spoken = False
    while True:
        data = os.read(fd, READ_BYTES)
        held = len(decoder.getstate()[0])  # bytes of a character begun in the last read
        try:
            piece = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            at = max(0, seen - held + exc.start)
            raise UsageError(
                f"{where} is not UTF-8 text (bad byte at offset {at}); "
                "convert it, e.g. iconv -f latin1 -t utf-8"
            ) from None
        seen += len(data)
        if piece:
            spoken = spoken or not piece.isspace()
            yield piece
        if not data:
            if not spoken:
                raise UsageError(f"{where} is empty; there is nothing to speak")
            return


def with_flushes(pieces: Iterable[Any], seconds: float | None) -> Iterator[Any]:
    """`pieces`, read from now on in a background thread, with FLUSH wherever the writer went
    quiet for `seconds` (None or 0: never). Only time spent waiting for the writer counts, not
    time the consumer spent busy, so the same writer gives the same flushes however fast we
    speak (and reading starts at once, while a model may still be loading)."""
    items: queue.Queue[tuple[str, Any, float]] = queue.Queue(maxsize=_QUEUED)
    waiting_since: list[float | None] = [None]  # when the reader began waiting, if it is
    stop = threading.Event()

    def read() -> None:
        try:
            source = iter(pieces)
            while not stop.is_set():
                began = waiting_since[0] = time.monotonic()
                try:
                    piece = next(source)
                except StopIteration:
                    break
                finally:
                    waiting_since[0] = None
                items.put(("piece", piece, time.monotonic() - began))
            items.put(("end", None, 0.0))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            items.put(("error", exc, 0.0))

    threading.Thread(target=read, name="kokoro-live-input", daemon=True).start()
    return _flushed(items, waiting_since, stop, seconds)


def _flushed(
    items: queue.Queue[tuple[str, Any, float]],
    waiting_since: list[float | None],
    stop: threading.Event,
    seconds: float | None,
) -> Iterator[Any]:
    owed = False  # text came since the last flush
    try:
        while True:
            if not (owed and seconds):
                kind, value, waited = items.get()
            else:
                began = waiting_since[0]
                left = seconds if began is None else began + seconds - time.monotonic()
                try:
                    kind, value, waited = items.get(timeout=max(0.0, left))
                except queue.Empty:
                    began = waiting_since[0]
                    if began is not None and time.monotonic() - began >= seconds:
                        owed = False
                        yield FLUSH
                    continue
                if waited >= seconds:  # the writer paused before this piece
                    owed = False
                    yield FLUSH
            if kind == "end":
                return
            if kind == "error":
                raise value
            owed = value is not FLUSH
            yield value
    finally:
        stop.set()
