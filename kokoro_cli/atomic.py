"""Whole files or none: output goes to a hidden temporary beside its target, renamed on success.

Apart from audio.py (numpy, soundfile) so that the server fast path (quick.py) can use the same
names without loading either.
"""

from __future__ import annotations

import os
from pathlib import Path


def temp_path(target: Path) -> Path:
    """A hidden temporary beside `target`: same file system, so the final rename is atomic.

    The name is fixed per target so that a run killed hard (no cleanup possible) leaves at most
    one stale temporary, which the next run over the same target simply overwrites.
    """
    return target.with_name(f".{target.name}.part")


def write_text_atomic(path: Path, content: str) -> None:
    """Write a small text file through a temporary + rename, like the audio sinks."""
    tmp = temp_path(path)
    try:
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
