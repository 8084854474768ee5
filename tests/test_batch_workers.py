"""Batch workers: threads sharing one real model, and the token budget that bounds their memory."""

from __future__ import annotations

import threading
import time

import numpy as np
import torch

from kokoro_cli.batch import TokenBudget
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
    """Stands in for the model only to watch how many tokens are in flight at once."""

    def __init__(self) -> None:
        self.busy, self.peak = 0, 0
        self.lock = threading.Lock()

    def speak(self, toks: list[int], pack: object, speed: float = 1.0) -> list[int]:
        with self.lock:
            self.busy += len(toks)
            self.peak = max(self.peak, self.busy)
        time.sleep(0.05)
        with self.lock:
            self.busy -= len(toks)
        return toks


def _peak(sizes: list[int], budget: int) -> int:
    rec = _Recorder()
    shared = TokenBudget(rec, budget)
    threads = [threading.Thread(target=shared.speak, args=([1] * n, None)) for n in sizes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return rec.peak


def test_token_budget_lets_short_items_overlap_and_long_ones_wait() -> None:
    assert _peak([56, 56], 400) == 112  # short items run side by side
    assert _peak([300, 300], 400) == 300  # two long chunks never do
    assert _peak([600], 400) == 600  # one chunk over the budget still runs, alone
