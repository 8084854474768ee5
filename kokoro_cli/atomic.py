"""Whole files or none: output goes to a hidden temporary beside its target, renamed on success.

Apart from audio.py (numpy, soundfile) so that the server fast path (quick.py) can use the same
names without loading either.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def temp_path(target: Path) -> Path:
    """A hidden temporary beside `target`: same file system, so the final rename is atomic.

    The name is fixed per target so that a run killed hard (no cleanup possible) leaves at most
    one stale temporary, which the next run over the same target simply overwrites.
    """
    return target.with_name(f".{target.name}.part")


def attempt_temp_path(target: Path, attempt: str) -> Path:
    """A hidden temporary beside `target` for one attempt of many at it (`attempt`: 16 hex
    digits, see stale_temps): for writers that may run twice at once, each with its own file.

    `kokoro batch --engine ray` needs it: the workers of a driver killed hard live on for a
    moment, and a rerun's worker on the same output must not write into their file."""
    return target.with_name(f".{target.name}.{attempt}.part")


def temp_targets(name: str) -> tuple[str, ...]:
    """The names of the outputs that a file called `name` may be the temporary of (two when an
    output's own name ends in 16 hex digits)."""
    if not (name.startswith(".") and name.endswith(".part")):
        return ()
    stem = name[1 : -len(".part")]
    head, _, token = stem.rpartition(".")
    attempt = len(token) == 16 and all(c in "0123456789abcdef" for c in token)
    return (stem, head) if attempt and head else (stem,)


def write_text_atomic(path: Path, content: str | Iterable[str]) -> None:
    """Write a text file through a temporary + rename, like the audio sinks; `content` is the
    text, or its pieces in order (a long file is then never whole in memory)."""
    tmp = temp_path(path)
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.writelines([content] if isinstance(content, str) else content)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
