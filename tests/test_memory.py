"""release_free_memory: freed heap blocks really go back to the OS (glibc)."""

from __future__ import annotations

import pytest

from kokoro_cli.model.memory import _malloc_trim, release_free_memory


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(_malloc_trim() is None, reason="needs glibc's malloc_trim")
def test_freed_heap_blocks_are_returned() -> None:
    # 64 KiB blocks stay under glibc's mmap threshold, so they live on the heap; a 4 KiB block
    # (above pymalloc's limit, so a real malloc block) after each one keeps the freed blocks
    # from merging into the heap's top, where plain free() could give them back.
    blocks, pins = [], []
    for _ in range(2000):  # 125 MiB, every page touched
        blocks.append(bytearray(64 * 1024))
        pins.append(bytearray(4096))
    held = _rss_mb()
    del blocks
    before = _rss_mb()
    release_free_memory()
    after = _rss_mb()
    assert held - before < 60  # free() alone keeps most of it (else this test proves nothing)
    assert before - after > 80, (held, before, after)
    del pins


def test_release_is_safe_to_call_repeatedly() -> None:
    for _ in range(3):
        release_free_memory()
