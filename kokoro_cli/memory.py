"""Hand freed heap memory back to the OS between the model's big stages (glibc only).

glibc keeps freed blocks for reuse, and tensors whose sizes change with every chunk leave
holes that the next, larger chunk cannot fill; peak RSS then creeps up over a long text
(measured: about 1.05 GB after 13 chunks, against about 0.85 GB for one chunk). Trimming
before the generator, whose long signals are the peak, and after each chunk keeps the peak
near the live size. In paired runs on the long text it cost 0-5 % of synthesis time,
within this machine's run-to-run noise.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # the C library this process already uses
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to do
        return None


def release_free_memory() -> None:
    """Return free heap pages to the OS, where the C library supports it."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
