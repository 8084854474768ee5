"""Batch workers: threads sharing one real model, and the token budget that bounds their memory."""

from __future__ import annotations

import threading
import time

import numpy as np
import torch

from kokoro_cli.model.shared import SharedModel
from tests.engine_helpers import tokens, voicepack


def test_concurrent_forwards_match_sequential_ones(model) -> None:
    """Two threads in the model at once (1 intra-op thread each, as batch runs them) produce
    exactly what each input produces alone: no state is shared between forwards."""
    texts = ["ðɪs ɪz ðə fˈɜɹst θɹˈɛd.", "ænd ðɪs wˈʌn ɹˈʌnz ɐlˈɔŋsaɪd ɪt æt ðə sˈAm tˈIm."]
    inputs = [tokens(t) for t in texts]
    pack = voicepack()
    noise, intra = model.noise, torch.get_num_threads()
    model.noise = False
    try:
        torch.set_num_threads(1)  # the result depends on the thread count, not on neighbours
        alone = [model.speak(t, pack) for t in inputs]
        together: dict[int, list[np.ndarray]] = {0: [], 1: []}
        start = threading.Barrier(2)

        def work(k: int) -> None:
            torch.set_num_threads(1)
            start.wait()
            for _ in range(2):
                together[k].append(model.speak(inputs[k], pack))

        threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        model.noise = noise
        torch.set_num_threads(intra)  # the workers' setting is also torch's global default
    for k in range(2):
        for audio in together[k]:
            assert np.array_equal(audio, alone[k])


class _Recorder:
    """Stands in for the model only to watch which chunks are in flight at once, and with
    how many compute threads each runs."""

    def __init__(self) -> None:
        self.busy: list[int] = []
        self.seen: list[tuple[int, tuple[int, ...], int]] = []  # (size, others, threads)
        self.lock = threading.Lock()

    def speak_timed(self, toks: list[int], pack: object, speed: float = 1.0) -> tuple:
        with self.lock:
            self.busy.append(len(toks))
        time.sleep(0.05)
        with self.lock:
            self.busy.remove(len(toks))
            self.seen.append((len(toks), tuple(self.busy), torch.get_num_threads()))
        return toks, None


def _run(sizes: list[int]) -> list[tuple[int, tuple[int, ...], int]]:
    """Each size from its own thread, staggered; what each chunk saw while it ran."""
    rec = _Recorder()
    shared = SharedModel(rec, 320, threads=2, shared_threads=1)
    threads = [threading.Thread(target=shared.speak, args=([1] * n, None)) for n in sizes]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join()
    return sorted(rec.seen)


def test_short_chunks_share_the_model_and_long_ones_have_it_alone() -> None:
    intra = torch.get_num_threads()
    try:
        short = _run([56, 56])
        assert any(others for _, others, _ in short)  # side by side...
        assert all(threads == 1 for *_, threads in short)  # ...one compute thread each
        mixed = _run([56, 300, 56, 290, 150, 56])
        for size, others, threads in mixed:
            if size > 160:
                assert others == () and threads == 2  # alone, on every core
            else:
                assert all(o <= 160 for o in others) and threads == 1
        assert _run([600]) == [(600, (), 2)]  # over the budget still runs, alone
    finally:
        torch.set_num_threads(intra)
