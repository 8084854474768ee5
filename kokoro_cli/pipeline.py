"""Text in, audio chunks out: the library entry point the CLI (and anyone else) drives.

`synthesize()` is a generator so that callers can start playing or writing the first chunk while
the rest is still being computed, and so that a whole book never has to sit in memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from kokoro_cli import SAMPLE_RATE

if TYPE_CHECKING:
    from kokoro_cli.text.lexicon import Lexicon

T = TypeVar("T")

# How many front-end chunks may be phonemized ahead of the model. Small: it only has to hide the
# phonemizer's latency behind the (much slower) forward pass, not buffer the whole text.
PREFETCH = 4


@dataclass(frozen=True)
class SynthesisConfig:
    """Runtime knobs for one synthesis run (the model's own hyper-parameters live elsewhere)."""

    voice: str = "af_heart"
    speed: float = 1.0
    lang: str | None = None  # None: taken from the voice's name prefix
    raw_phonemes: bool = False  # input is already phonemes, skip normalization and espeak
    fast_start: bool = True  # short first chunks, for listeners; off for files and batch jobs
    lexicon: Lexicon | None = None  # the user's pronunciations (text.lexicon.load)


@dataclass
class AudioChunk:
    """One piece of output audio and where it sits in the whole output."""

    audio: np.ndarray  # float32 mono at SAMPLE_RATE
    text: str  # the text it speaks ("" for a pause)
    phonemes: str
    start: float  # seconds from the start of the output

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def check_speed(speed: float) -> float:
    """Reject speeds the model cannot honour (durations are divided by it)."""
    from kokoro_cli.errors import UsageError

    if not 0.25 <= speed <= 4.0:
        raise UsageError(f"speed {speed:g} is out of range; use a value between 0.25 and 4")
    return speed


def resolve_lang(config: SynthesisConfig) -> str:
    """The language to phonemize in: explicit --lang, else the voice's own language."""
    from kokoro_cli import text, voices

    if config.lang:
        return text.check_lang(config.lang)
    return text.check_lang(voices.voice_lang(config.voice))


def synthesize(text: str, config: SynthesisConfig, model: Any) -> Iterator[AudioChunk]:
    """Speak `text` with `model`, yielding audio chunk by chunk in order.

    Pauses (from markup or sentence ends) come out as chunks of silence with empty text, so a
    sink only has to concatenate and a subtitle writer only has to skip the empty ones.
    """
    from kokoro_cli import text as front_end
    from kokoro_cli import voices

    check_speed(config.speed)
    lang = resolve_lang(config)
    pack = voices.load_voice(config.voice)
    position = 0  # samples emitted so far: exact, no float drift over a long book
    for chunk in _prefetch(
        front_end.chunks(
            text,
            lang,
            raw_phonemes=config.raw_phonemes,
            fast_start=config.fast_start,
            lexicon=config.lexicon,
        )
    ):
        if chunk.tokens:
            audio = np.asarray(model.speak(chunk.tokens, pack, config.speed), dtype=np.float32)
            yield AudioChunk(audio, chunk.text, chunk.phonemes, position / SAMPLE_RATE)
            position += len(audio)
        if chunk.pause_after > 0:
            silence = np.zeros(round(chunk.pause_after * SAMPLE_RATE), dtype=np.float32)
            yield AudioChunk(silence, "", "", position / SAMPLE_RATE)
            position += len(silence)


def _prefetch(items: Iterable[T], depth: int = PREFETCH) -> Iterator[T]:
    """Iterate `items` in a background thread, `depth` ahead of the consumer.

    The model's forward releases the GIL, so phonemizing the next sentence overlaps with
    synthesizing this one. Errors from the producer are re-raised in the consumer.
    """
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put(("item", item))
            q.put(("end", None))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            q.put(("error", exc))

    worker = threading.Thread(target=produce, name="kokoro-frontend", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        # The consumer stopped early (error, Ctrl-C, closed pipe): let the producer finish.
        stop.set()
        while worker.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                worker.join(0.05)
