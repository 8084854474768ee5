"""Chunk joins and pauses through the real pipeline (issue 18): silences measured in the audio."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kokoro_cli import SAMPLE_RATE
from kokoro_cli.audio import joins
from kokoro_cli.pipeline import SynthesisConfig, check_pauses, pause, synthesize
from tests.cli_helpers import silences

# 30 Harvard sentences (IEEE 1969): one paragraph, four full-size chunks, three joins.
PARAGRAPH = (
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
    "It is easy to tell the depth of a well. These days a chicken leg is a rare dish. "
    "Rice is often served in round bowls. The juice of lemons makes fine punch. "
    "The box was thrown beside the parked truck. The hogs were fed chopped corn and garbage. "
    "Four hours of steady work faced us. A large size in stockings is hard to sell. "
    "The boy was there when the sun rose. A rod is used to catch pink salmon. "
    "The source of the huge river is the clear spring. Kick the ball straight and follow "
    "through. Help the woman get back to her feet. A pot of tea helps to pass the evening. "
    "Smoky fires lack flame and heat. The soft cushion broke the man's fall. "
    "The salt breeze came across from the sea. The girl at the booth sold fifty bonds. "
    "The small pup gnawed a hole in the sock. The fish twisted and turned on the bent hook. "
    "Press the pants and sew a button on the vest. The swan dive was far short of perfect. "
    "The beauty of the view stunned the young boy. Two blue fish swam in the tank. "
    "Her purse was full of useless trash. The colt reared and threw the tall rider. "
    "It snowed, rained, and hailed the same morning. Read verse out loud for pleasure."
)
SENTENCE_END = 0.25  # s: longer than any comma pause (0.15-0.2 s), shorter than any sentence end


def sentence_end_silences(audio: np.ndarray) -> list[tuple[int, int]]:
    return [(a, b) for a, b in silences(audio, SAMPLE_RATE) if b - a > SENTENCE_END * SAMPLE_RATE]


@pytest.mark.slow
def test_joins_are_no_longer_than_the_models_own_sentence_ends(model) -> None:
    """Before issue 18 the joins measured 0.82-0.88 s against a 0.45 s median (1.9x)."""
    chunks = list(synthesize(PARAGRAPH, SynthesisConfig(fast_start=False), model))
    audio = np.concatenate([c.audio for c in chunks])
    joints = [c.offset for c in chunks[1:]]
    found = sentence_end_silences(audio)
    assert len(found) == 29, [(b - a) / SAMPLE_RATE for a, b in found]  # every sentence end
    at_join = [b - a for a, b in found if any(a <= j <= b for j in joints)]
    inside = [b - a for a, b in found if not any(a <= j <= b for j in joints)]
    assert len(at_join) >= 2, "the paragraph must make several chunks"
    assert max(at_join) <= max(inside), (at_join, inside)
    lengths = [b - a for a, b in found]
    assert max(lengths) <= 1.45 * float(np.median(lengths)), sorted(lengths)


@pytest.mark.slow
def test_configured_pauses_are_what_they_say(model) -> None:
    text = (
        "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background."
        "\n\nIt is easy to tell the depth of a well. [pause:1.5s] Rice is often served in bowls."
    )
    config = SynthesisConfig(fast_start=False, pause_sentence=0.7, pause_paragraph=1.3)
    config = replace(config, lead_in=0, tail=0)  # two texts joined: the pieces of one output
    first = list(synthesize(text, config, model))
    end = first[-1].offset + len(first[-1].audio)
    gap = pause(2.0, end)  # a chapter break, as `kokoro book` joins two texts
    second = list(
        synthesize(
            "The juice of lemons makes fine punch.", config, model, offset=end + len(gap.audio)
        )
    )
    audio = np.concatenate([c.audio for c in [*first, gap, *second]])
    assert second[0].offset == len(audio) - len(second[0].audio)
    found = [(b - a) / SAMPLE_RATE for a, b in sentence_end_silences(audio)]
    # sentence inside a chunk (set), paragraph, sentence + tag, chapter
    assert found == pytest.approx([0.7, 1.3, 1.5, 2.0], abs=0.05)


def test_pause_settings_are_checked() -> None:
    from kokoro_cli.errors import UsageError

    with pytest.raises(UsageError, match="--pause-paragraph"):
        check_pauses(SynthesisConfig(pause_paragraph=-1))
    with pytest.raises(UsageError, match="--pause-sentence"):
        check_pauses(SynthesisConfig(pause_sentence=61))
    check_pauses(SynthesisConfig(pause_sentence=0, pause_chapter=60))


def test_trim_keeps_the_speech_and_fades_its_edges() -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    hiss = np.full(SAMPLE_RATE // 2, 1e-4, np.float32)  # the model's quiet: below -50 dBFS
    cut = joins.trim(np.concatenate([hiss, tone, hiss]))
    assert len(cut.audio) == len(tone) + 2 * joins.EDGE_SAMPLES
    assert cut.speech == (len(hiss), len(hiss) + len(tone))
    inner = cut.audio[joins.EDGE_SAMPLES : -joins.EDGE_SAMPLES]
    assert np.array_equal(inner, tone)  # speech untouched
    assert cut.audio[0] == 0 and abs(cut.audio[-1]) < 1e-6  # faded to nothing: no click
    assert cut.shift == joins.EDGE_SAMPLES - len(hiss)
    # no quiet before the speech: zeros make up the edge, so every chunk has the same margins
    cut = joins.trim(np.concatenate([tone, hiss]))
    assert cut.speech[0] == 0 and not cut.audio[: joins.EDGE_SAMPLES].any()


def test_pace_sets_silences_and_maps_positions() -> None:
    # phonemes "ab. cd": the period (token 3) sits in a 0.3 s silence between two tones
    tone = np.full(SAMPLE_RATE // 2, 0.2, np.float32)
    audio = np.concatenate([tone, np.zeros(int(0.3 * SAMPLE_RATE), np.float32), tone])
    frames = [0, 10, 10, 6, 6, 10, 10, 0]  # x 600 samples: 12,000 + 7,200 + 12,000
    for target in (0.1, 0.8):
        out, remap = joins.pace(audio, "ab. cd", frames, target)
        ((a, b),) = silences(out, SAMPLE_RATE, db=-50, least=0.05)
        assert (b - a) / SAMPLE_RATE == pytest.approx(target, abs=0.006)
        assert remap(0) == 0 and remap(len(audio)) == len(out)  # after the change: shifted
    out, _ = joins.pace(audio, "ab cd", frames[:-1], 0.8)  # no sentence end inside: unchanged
    assert out is audio
