"""Reading the text to speak: from an argument, a file or stdin, as checked UTF-8.

Shared by the CLI's commands and by batch, so every input reports the same one-line errors
(missing file, a folder, not UTF-8, empty) as a UsageError.
"""

from __future__ import annotations

import sys
from pathlib import Path

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
