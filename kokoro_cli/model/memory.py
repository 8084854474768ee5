"""Hand freed heap memory back to the OS between the model's big stages (glibc only).

glibc keeps freed blocks for reuse, and tensors whose sizes change with every chunk leave
holes that the next, larger chunk cannot fill; peak RSS then creeps up over a long text
(measured: about 1.05 GB after 13 chunks, against about 0.85 GB for one chunk). Trimming
before the generator, whose long signals are the peak, and after each chunk keeps the peak
near the live size. In paired runs on the long text it cost 0-5 % of synthesis time,
within this machine's run-to-run noise.

Short chunks skip both trims (TRIM_MIN_TOKENS): a short chunk's activations fit in the free
blocks the heap already holds, so trimming there only hands back pages that the same forward
faults in again, on the path a listener waits on (issue 23).
"""

from __future__ import annotations

import ctypes
import os
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


# Chunks of fewer phoneme tokens (about 7 s of speech) are not trimmed for. Measured on 10-word
# sentences (63 tokens) in paired runs, 1 thread: 8 % of each forward's CPU time (1.19 against
# 1.10 s). The long chunks that set the peak still trim: on the long text read in listening
# chunks the peak stayed 0.75-0.77 GB, where no trims at all let it reach 0.83 GB.
TRIM_MIN_TOKENS = 100


def worth_trimming(tokens: int) -> bool:
    """Whether a forward over `tokens` phoneme tokens should start from a trimmed heap."""
    return tokens >= TRIM_MIN_TOKENS


def release_free_memory() -> None:
    """Return free heap pages to the OS, where the C library supports it."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


ONEDNN_CACHE = 32  # compiled convolutions oneDNN keeps; its default is 1024


def bound_onednn_cache() -> None:
    """Keep oneDNN's primitive cache small. Call before the first convolution runs.

    Every new chunk length makes new convolution primitives, and each cached one keeps memory:
    over the 13 chunks of the long bench text the RSS between chunks grew from 475 to 570 MB.
    With 32 entries it stays near 505 MB, at the same speed (0 entries: 12 % slower). The
    peak itself still varies from run to run (0.82-1.04 GB over three runs with the bound).
    oneDNN reads the variable when it first builds a primitive; a user's own setting wins.
    """
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(ONEDNN_CACHE))
