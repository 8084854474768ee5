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
