"""pipeline.synthesize with the real model and front-end; the prefetch helper on its own."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from kokoro_cli import SAMPLE_RATE
from kokoro_cli.audio import joins
from kokoro_cli.errors import UsageError, VoiceError
from kokoro_cli.pipeline import AudioChunk, SynthesisConfig, _prefetch, resolve_lang, synthesize
from tests.cli_helpers import voiced_seconds


def test_chunks_are_contiguous_and_timed(model) -> None:
    text = "The first sentence is here. [pause:0.4s] And here is the second one."
    chunks = list(synthesize(text, SynthesisConfig(), model))
    assert all(isinstance(c, AudioChunk) and c.audio.dtype == np.float32 for c in chunks)
    position = 0.0
    for chunk in chunks:
        assert chunk.start == pytest.approx(position, abs=1e-9)  # no gaps, no overlaps
        position += len(chunk.audio) / SAMPLE_RATE
    spoken = [c for c in chunks if c.text.strip()]
    assert "first sentence" in spoken[0].text and "second one" in spoken[-1].text
    assert all(c.phonemes for c in spoken)
    pauses = [c for c in chunks if not c.text.strip()]
    # the tag's 0.4 s run from the end of one chunk's speech to the start of the next: the
    # silence between them plus the 10 ms of quiet each chunk keeps at its edges
    edges = 2 * joins.EDGE_SAMPLES / SAMPLE_RATE
    assert any(abs(c.duration + edges - 0.4) < 1e-6 and not c.audio.any() for c in pauses)
    audio = np.concatenate([c.audio for c in chunks])
    assert voiced_seconds(audio, SAMPLE_RATE) > 1.0


def test_speed_shortens_the_audio(model) -> None:
    text = "Speed should change how long this takes."
    normal = sum(c.duration for c in synthesize(text, SynthesisConfig(), model))
    quick = sum(c.duration for c in synthesize(text, SynthesisConfig(speed=1.5), model))
    assert 0.55 < quick / normal < 0.8


def test_language_follows_the_voice_unless_given() -> None:
    assert resolve_lang(SynthesisConfig(voice="ef_dora")) == "es"
    assert resolve_lang(SynthesisConfig(voice="bf_emma")) == "en-gb"
    assert resolve_lang(SynthesisConfig(voice="bf_emma", lang="fr-fr")) == "fr-fr"


def test_bad_settings_fail_before_any_audio(model) -> None:
    with pytest.raises(UsageError, match="speed"):
        next(synthesize("Hi.", SynthesisConfig(speed=10), model))
    with pytest.raises(VoiceError, match="did you mean"):
        next(synthesize("Hi.", SynthesisConfig(voice="af_haert"), model))


def test_prefetch_keeps_order_and_runs_ahead() -> None:
    produced: list[int] = []

    def numbers():
        for i in range(20):
            produced.append(i)
            yield i

    got = []
    for value in _prefetch(numbers(), depth=3):
        got.append(value)
    assert got == list(range(20))


def test_prefetch_reraises_producer_errors() -> None:
    def broken():
        yield 1
        raise UsageError("bad markup")

    stream = _prefetch(broken())
    assert next(stream) == 1
    with pytest.raises(UsageError, match="bad markup"):
        next(stream)


def test_prefetch_stops_the_producer_when_abandoned() -> None:
    def endless():
        i = 0
        while True:
            yield i
            i += 1

    stream = _prefetch(endless(), depth=2)
    assert next(stream) == 0
    stream.close()  # the consumer gives up (Ctrl-C, closed pipe)
    assert not any(t.name == "kokoro-frontend" and t.is_alive() for t in threading.enumerate())
