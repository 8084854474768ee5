"""Pitch measurement shared by tests/test_pitch.py and bench/pitch.py: librosa's pYIN.

pYIN (Mauch & Dixon 2014) is YIN with a hidden Markov model over pitch candidates and voicing,
so octave jumps and unvoiced frames, which would drag a plain median around, are mostly gone.
Audio is taken down to 16 kHz first (speech F0 and its first harmonics are far below 8 kHz):
half the samples, half the time. The median over voiced frames is what a listener calls "the
pitch of the voice"; semitones() compares two of them.
"""

from __future__ import annotations

import math

import numpy as np

from kokoro_cli import SAMPLE_RATE

TRACK_RATE = 16_000
FMIN, FMAX = 50.0, 1000.0  # Hz: a low male voice an octave down to a high female one an octave up
FRAME = 1024  # 64 ms at 16 kHz: three periods of FMIN, as YIN needs two or more


def voiced_f0(audio: np.ndarray) -> np.ndarray:
    """F0 in Hz of the frames pYIN judges voiced."""
    import librosa

    y = librosa.resample(np.asarray(audio, dtype=np.float32), orig_sr=SAMPLE_RATE,
                         target_sr=TRACK_RATE)  # fmt: skip
    f0, voiced, _ = librosa.pyin(y, fmin=FMIN, fmax=FMAX, sr=TRACK_RATE, frame_length=FRAME)
    return f0[voiced & np.isfinite(f0)]


def median_f0(audio: np.ndarray) -> float:
    """The median F0 (Hz) of the voiced frames; NaN when none is voiced."""
    f0 = voiced_f0(audio)
    return float(np.median(f0)) if len(f0) else math.nan


def semitones(f0: float, reference: float) -> float:
    """How far `f0` lies above `reference`, in equal-tempered semitones."""
    return 12.0 * math.log2(f0 / reference)
