"""Helpers for the CLI tests (kept out of conftest.py so test modules can import them)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: str


Kokoro = Callable[..., Run]


def kokoro_popen(args: list[str], cwd: Path, **kw: object) -> subprocess.Popen[bytes]:
    """Start the CLI without waiting (for interrupt tests)."""
    return subprocess.Popen([sys.executable, "-m", "kokoro_cli", *args], cwd=cwd, **kw)  # type: ignore[call-overload]


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0


def voiced_seconds(audio: np.ndarray, rate: int, threshold: float = 0.01) -> float:
    """Seconds of 20 ms frames louder than `threshold` RMS: speech, not silence or hiss."""
    frame = int(rate * 0.02)
    frames = audio[: len(audio) // frame * frame].reshape(-1, frame)
    loud = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1)) > threshold
    return float(loud.sum() * 0.02)


def silences(
    audio: np.ndarray, rate: int, db: float = -40.0, least: float = 0.1
) -> list[tuple[int, int]]:
    """(first, end) samples of each run of 5 ms windows quieter than `db` dBFS lasting at least
    `least` seconds, leaving out runs at the very start or end."""
    hop = rate // 200
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop).astype(np.float64)
    quiet = np.sqrt(np.mean(frames * frames, axis=1)) < 10 ** (db / 20)
    runs, i = [], 0
    while i < len(quiet):
        if not quiet[i]:
            i += 1
            continue
        j = i
        while j < len(quiet) and quiet[j]:
            j += 1
        if (j - i) * hop >= least * rate and i > 0 and j < len(quiet):
            runs.append((i * hop, j * hop))
        i = j
    return runs


def margins(audio: np.ndarray, rate: int = 24_000) -> tuple[float, float]:
    """Seconds of near-silence before the first speech and after the last: to the first and
    from the last sample above -45 dBFS. (joins.trim's speech edges are 5 ms windows above
    -50 dBFS; a final fricative's decay sits between -45 and -40 dBFS, so a -40 dBFS threshold
    would end the speech up to 22 ms early.)"""
    loud = np.flatnonzero(np.abs(audio) > 10 ** (-45 / 20))
    return loud[0] / rate, (len(audio) - 1 - loud[-1]) / rate
