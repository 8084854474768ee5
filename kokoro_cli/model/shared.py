"""One model, several threads: short chunks side by side within a core budget, long ones alone.

Used by `kokoro batch` (several files at once) and by `kokoro serve --jobs` (several requests).
"""

from __future__ import annotations

import os
import threading
from typing import Any

TOKENS_AT_ONCE = 320  # short chunks side by side: no more in flight than one full chunk


class SharedModel:
    """The one model, shared by batch's worker threads within a memory and a core budget.

    Short chunks (up to half of `tokens`) run side by side, `shared_threads` compute threads
    each: two 1-thread forwards do 1.2-1.3x the work of one 2-thread forward. A longer chunk
    runs alone on all `threads`: its activations are large (two 300-token chunks side by side
    peaked at 1.03-1.16 GB RSS, against 0.79-0.82 GB for one), and one 1-thread forward would
    leave a core idle. A waiting long chunk holds back new short ones, so it is not starved.
    """

    def __init__(self, model: Any, tokens: int, threads: int, shared_threads: int) -> None:
        self.model, self.tokens = model, tokens
        self.threads, self.shared_threads = threads, shared_threads
        self._busy = 0  # tokens in flight
        self._alone = False  # a long chunk is running
        self._waiting = 0  # long chunks waiting for the model to themselves
        self._free = threading.Condition()

    def speak(self, tokens: list[int], pack: Any, speed: float = 1.0, pitch: float = 0.0) -> Any:
        return self.speak_timed(tokens, pack, speed, pitch)[0]

    def speak_timed(
        self, tokens: list[int], pack: Any, speed: float = 1.0, pitch: float = 0.0, **local: Any
    ) -> Any:
        """The model's speak_timed() (audio, frames per token), when its turn comes."""
        import torch

        n = len(tokens)
        alone = n > self.tokens // 2
        with self._free:
            if alone:
                self._waiting += 1
                self._free.wait_for(lambda: self._busy == 0)
                self._waiting -= 1
                self._alone = True
            else:
                self._free.wait_for(
                    lambda: not (self._alone or self._waiting) and self._busy + n <= self.tokens
                )
            self._busy += n
        torch.set_num_threads(self.threads if alone else self.shared_threads)  # this thread's
        try:
            shift = (pitch,) if pitch else ()  # pitch 0: as for a model that knows no pitch
            return self.model.speak_timed(tokens, pack, speed, *shift, **local)
        finally:
            with self._free:
                self._busy -= n
                self._alone = self._alone and not alone
                self._free.notify_all()


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
