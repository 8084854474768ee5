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


def test_short_chunks_skip_the_trims_long_ones_keep_them(model, monkeypatch) -> None:
    """The trims cost a short chunk's forward ~8 % (issue 23); the long chunks that set the
    peak RSS still trim, before the forward and before the generator."""
    from kokoro_cli.model import istftnet, kmodel, memory
    from kokoro_cli.model.voices import load_voice

    calls: list[int] = []

    def counted() -> None:
        calls.append(1)
        release_free_memory()

    monkeypatch.setattr(kmodel, "release_free_memory", counted)
    monkeypatch.setattr(istftnet, "release_free_memory", counted)
    pack = load_voice("af_heart")
    short = [50, 83, 54, 156, 43] * 4  # 20 tokens
    audio = model.speak(short, pack)
    assert len(calls) == 0
    model.speak(short * (memory.TRIM_MIN_TOKENS // len(short) + 1), pack)
    assert len(calls) == 2
    monkeypatch.setattr(memory, "TRIM_MIN_TOKENS", 1)  # trimming never changes the audio
    assert (model.speak(short, pack) == audio).all() and len(calls) == 4
