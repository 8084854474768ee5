"""Chunk edges and the pauses between chunks.

The model starts and ends every chunk with its own silence (the pad tokens and a final
period): about 0.4 s at each end, so two chunks joined as they come leave 0.8-0.9 s of silence
where the model's own sentence ends inside a chunk leave about 0.45 s (issue 18). Each chunk
is therefore cut down to its speech plus EDGE_SAMPLES of its own quiet, faded to zero at the
cut (no click), and the silence between chunks is then chosen: a sentence, clause, paragraph
or explicit pause, measured from the end of one chunk's speech to the start of the next.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kokoro_cli.model.config import SAMPLE_RATE
from kokoro_cli.pauses import CLAUSE_PAUSE, WORD_PAUSE  # the defaults live there, numpy-free

EDGE_SAMPLES = 240  # 10 ms of the model's own quiet kept at each speech edge, faded to zero
WINDOW = 120  # 5 ms analysis windows to find the speech edges
# Below this RMS a window is silence: the model's pauses sit at -60 to -90 dBFS, its quietest
# speech sounds (final fricatives, releases) above -45 dBFS.
SPEECH_RMS = 10 ** (-50 / 20)

_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–、，；：][\"'”’»)\]]*$")


@dataclass(frozen=True)
class Trimmed:
    """A chunk's audio cut to its speech and EDGE_SAMPLES of quiet on each side."""

    audio: np.ndarray
    shift: int  # add to a sample position of the model's audio to get one in `audio`
    speech: tuple[int, int]  # where the speech starts and ends in the model's audio
    loud: np.ndarray  # per WINDOW of the model's audio: louder than SPEECH_RMS


def loudness(audio: np.ndarray) -> np.ndarray:
    """Whether each WINDOW of `audio` is louder than SPEECH_RMS (a partial last one is not)."""
    n = len(audio) // WINDOW
    frames = audio[: n * WINDOW].reshape(n, WINDOW).astype(np.float64)
    return np.sqrt(np.mean(frames * frames, axis=1)) > SPEECH_RMS


def speech_bounds(loud: np.ndarray, length: int) -> tuple[int, int]:
    """First and last (exclusive) sample of the loud windows of an audio of `length` samples."""
    found = np.flatnonzero(loud)
    if not found.size:
        return 0, 0
    return int(found[0]) * WINDOW, min(length, (int(found[-1]) + 1) * WINDOW)


def trim(audio: np.ndarray) -> Trimmed:
    """Cut the model's silence off both ends, keeping EDGE_SAMPLES of quiet faded to zero.

    Where the model left less quiet than that, zeros make up the difference: every chunk has
    exactly EDGE_SAMPLES before and after its speech, so a pause between two chunks can be
    set to the sample.
    """
    loud = loudness(audio)
    start, end = speech_bounds(loud, len(audio))
    if end <= start:  # nothing audible: the chunk is only its two edges of silence
        return Trimmed(np.zeros(2 * EDGE_SAMPLES, np.float32), EDGE_SAMPLES, (0, 0), loud)
    a, b = max(0, start - EDGE_SAMPLES), min(len(audio), end + EDGE_SAMPLES)
    body = audio[a:b].astype(np.float32, copy=True)
    head, tail = start - a, b - end
    body[:head] *= _ramp(head)
    if tail:
        body[-tail:] *= _ramp(tail)[::-1]
    out = np.concatenate(
        [
            np.zeros(EDGE_SAMPLES - head, np.float32),
            body,
            np.zeros(EDGE_SAMPLES - tail, np.float32),
        ]
    )
    return Trimmed(out, EDGE_SAMPLES - head - a, (start, end), loud)


def _ramp(n: int) -> np.ndarray:
    """A raised-cosine fade-in over n samples (0 -> almost 1)."""
    return (0.5 - 0.5 * np.cos(np.pi * np.arange(n) / max(n, 1))).astype(np.float32)


def boundary_pause(text: str, sentence: float) -> float:
    """The pause after a chunk that ends where `text` ends, with no markup after it."""
    text = text.rstrip()
    if _SENTENCE_END.search(text):
        return sentence
    if _CLAUSE_END.search(text):
        return min(CLAUSE_PAUSE, sentence)
    return min(WORD_PAUSE, sentence)


def silence(seconds: float, already: int = 0) -> np.ndarray:
    """Zeros that make a pause of `seconds` where `already` samples of quiet surround it."""
    return np.zeros(max(0, round(seconds * SAMPLE_RATE) - already), np.float32)


_SENTENCE_TOKEN = re.compile(r"[.!?…][\"”’)\]]* (?=\S)")  # a sentence end inside a chunk


def pace(
    audio: np.ndarray, phonemes: str, durations: list[int], seconds: float
) -> tuple[np.ndarray, Callable[[int], int]]:
    """Set every sentence-end silence inside a chunk to `seconds`, from the end of one
    sentence's speech to the start of the next: zeros go into the middle of the model's own
    silence, or its middle is cut out (it sits at -60 to -90 dBFS: no click either way).

    Returns the new audio and a map from sample positions in the model's audio to the new one.
    """
    from kokoro_cli.model.config import FRAME_SAMPLES

    loud = loudness(audio)
    edges = np.concatenate([[0], np.cumsum(durations)]) * FRAME_SAMPLES
    target = round(seconds * SAMPLE_RATE)
    pieces, points, shifts = [], [0], [0]
    done = 0  # samples of `audio` already in `pieces`
    for m in _SENTENCE_TOKEN.finditer(phonemes):
        w = min(int(edges[m.start() + 1]) // WINDOW, len(loud) - 1)  # the punctuation token
        if w < 0 or loud[w]:
            continue
        a, b = w, w
        while a > 0 and not loud[a - 1]:
            a -= 1
        while b + 1 < len(loud) and not loud[b + 1]:
            b += 1
        start, end = a * WINDOW, (b + 1) * WINDOW
        middle, change = (start + end) // 2, target - (end - start)
        if middle < done or end - start < 2 * EDGE_SAMPLES:
            continue  # not a pause the model made (or one already set)
        if change >= 0:
            pieces += [audio[done:middle], np.zeros(change, np.float32)]
            done = middle
        else:
            pieces.append(audio[done : middle + change // 2])
            done = middle + change // 2 - change
        points.append(middle)
        shifts.append(shifts[-1] + change)
    if len(points) == 1:
        return audio, lambda t: t
    pieces.append(audio[done:])
    at, by = np.array(points), np.array(shifts)

    def remap(t: int) -> int:
        k = int(np.searchsorted(at, t, side="right")) - 1
        if k == 0:
            return t
        change = by[k] - by[k - 1]  # a position inside a cut lands where the cut was made
        return int(max(t + by[k], at[k] + by[k - 1] + min(change, 0) // 2))

    return np.concatenate(pieces).astype(np.float32, copy=False), remap
