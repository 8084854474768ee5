"""Word timings (issue 18): offsets into the input, monotonic cues, no drift, and onsets that
agree with an independent aligner (pocketsphinx)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from kokoro_cli import SAMPLE_RATE, pauses
from kokoro_cli.audio.timing import Word, cues, sentences, spread
from kokoro_cli.pipeline import SynthesisConfig, synthesize
from kokoro_cli.text import align
from tests.cli_helpers import Kokoro

# Expansions of every kind: numbers, money, times, dates, abbreviations, symbols, markup.
EXPANSIONS = (
    "Dr. Smith paid $1,250.50 at 10:30 a.m. on Jan. 3, 2024. The U.S. team won 3-2, and "
    "Mrs. Jones said “it’s 98°F” — wow... [Kokoro](/kˈOkəɹO/)'s twenty-four (1990s) 5th St."
    "\n\nI think 1/2 of 15% is 7.5%, [pause:300ms] e.g. at 3 p.m. & then -- well -- €3,400."
)


def test_source_words_resolve_markup_at_its_offsets() -> None:
    text = "Say [Kokoro](/kˈOkəɹO/)'s name [pause:1s] now."
    words = align.source_words(text)
    assert [w.text for w in words] == ["Say", "Kokoro's", "name", "now."]
    assert [text[w.start : w.end] for w in words] == ["Say", "Kokoro", "name", "now."]


def test_unmatched_runs_map_as_groups() -> None:
    said = "I paid $5 on Jan. 3, 2024 today.".split()
    spoken = "I paid five dollars on January third, twenty twenty-four today.".split()
    from kokoro_cli.text.normalize import normalizer

    groups = align.blocks(said, spoken, normalizer("en-us"))
    as_words = [([said[i] for i in a], [spoken[j] for j in b]) for a, b in groups]
    assert (["$5"], ["five", "dollars"]) in as_words
    assert (["3,"], ["third,"]) in as_words  # counts of the words said alone add up: split
    assert (["2024"], ["twenty", "twenty-four"]) in as_words


def test_merged_phoneme_words_are_shared_by_letters() -> None:
    # espeak writes "on the" as one word: both words get a share of its time
    spans = spread(
        ["slid", "on", "the", "smooth"],
        [("slˈɪd", 0, 100), ("ɔnðə", 100, 200), ("smˈuð", 200, 300)],
    )
    assert spans == [(0, 100), (100, 140), (140, 200), (200, 300)]


def test_sentence_cues_do_not_end_at_abbreviations() -> None:
    text = "Dr. Smith came. He left!\n\nnew paragraph"
    spans = [(m.start(), m.end()) for m in re.finditer(r"Dr\.|\w+", text)]
    words = [Word(text[a:b], a, b, 10 * a, 10 * b) for a, b in spans]
    got = [(s.text, s.start_sample, s.end_sample) for s in sentences(words, text)]
    assert got == [("Dr. Smith came.", 0, 140), ("He left!", 160, 230), ("new paragraph", 260, 390)]


@pytest.fixture(scope="module")
def expansions(model) -> list:
    return list(synthesize(EXPANSIONS, SynthesisConfig(), model))


@pytest.mark.slow
def test_every_word_points_into_the_input(expansions) -> None:
    words = [w for c in expansions for w in c.words]
    assert all(EXPANSIONS[w.char_start : w.char_end] == w.text for w in words)
    said = [w.text for w in words]
    for original in (
        "Dr.",
        "$1,250.50",
        "10:30",
        "a.m.",
        "U.S.",
        "98°F",
        "Kokoro",
        "15%",
        "€3,400",
    ):
        assert original in said, said  # an expansion maps to the token it came from
    # every word of the input has a cue (dashes and markup are not words; "&" is)
    shown = align.caption(EXPANSIONS).split()
    assert len(words) == len([w for w in shown if w not in ("—", "--")]) == 43


@pytest.mark.slow
def test_cues_are_monotonic_and_inside_their_chunks(expansions) -> None:
    last = 0
    for chunk in expansions:
        for w in chunk.words:
            assert last <= w.start_sample <= w.end_sample
            assert chunk.offset <= w.start_sample and w.end_sample <= chunk.offset + len(
                chunk.audio
            )
            last = w.end_sample
    found = cues([w for c in expansions for w in c.words], EXPANSIONS)
    assert [c.text[:9] for c in found] == ["Dr. Smith", "The U.S. ", "[Kokoro](", "I think 1"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


@pytest.mark.slow
def test_no_drift_after_many_chunks_and_pauses(model) -> None:
    """Short paragraphs with long pause tags: many chunks, pauses and joins, in little compute.
    Each word cue must sit on speech in the joined audio, and the last ends with it."""
    paragraphs = [
        f"Number {n} is here. [pause:{12 + n % 5}.{n}s] Then {n + 1} follows." for n in range(12)
    ]
    text = "\n\n".join(paragraphs)
    chunks = list(synthesize(text, SynthesisConfig(fast_start=True), model))
    audio = np.concatenate([c.audio for c in chunks])
    assert len(audio) > 3 * 60 * SAMPLE_RATE and len(chunks) > 45
    words = [w for c in chunks for w in c.words]
    assert len(words) == 12 * 7
    assert all(isinstance(w.start_sample, int) for w in words)
    tail = round(pauses.TAIL * SAMPLE_RATE)  # the output's margin after its last speech
    assert abs(len(audio) - tail - words[-1].end_sample) <= 0.025 * SAMPLE_RATE
    for w in words:  # each cue is on speech in the joined audio: a loud 10 ms inside it
        span = audio[w.start_sample : w.end_sample]
        frames = span[: len(span) // 240 * 240].reshape(-1, 240)
        assert np.sqrt(np.mean(frames**2, axis=1)).max() > 0.01, w
    for a, b in zip(words, words[1:], strict=False):  # and the gaps between are silent
        gap = audio[a.end_sample + 480 : b.start_sample - 480]
        if len(gap) > 0.5 * SAMPLE_RATE:
            assert np.sqrt(np.mean(gap**2)) < 0.003, (a, b)


@pytest.mark.slow
def test_word_onsets_agree_with_pocketsphinx(model) -> None:
    """pocketsphinx aligns the same words in the same audio on its own acoustic model.
    Measured 2026-11-30: onsets 25 ms apart at the median, 65 ms at p95 (10 sentences)."""
    pocketsphinx = pytest.importorskip("pocketsphinx")
    from tests.test_intelligibility import ASR_RATE, pcm16
    from tests.test_joins import PARAGRAPH

    text = PARAGRAPH[: PARAGRAPH.index("A large size")]  # 9 sentences, several chunks
    chunks = list(synthesize(text, SynthesisConfig(fast_start=True), model))
    words = [w for c in chunks for w in c.words]
    decoder = pocketsphinx.Decoder(samprate=ASR_RATE, loglevel="FATAL")
    decoder.set_align_text(" ".join(re.sub(r"[^\w']", "", w.text).lower() for w in words))
    decoder.start_utt()
    decoder.process_raw(pcm16(np.concatenate([c.audio for c in chunks])), full_utt=True)
    decoder.end_utt()
    theirs = [s.start_frame / 100 for s in decoder.seg() if s.word[0] not in "<[("]
    assert len(theirs) == len(words)
    apart = np.abs(np.array([w.start for w in words]) - theirs)
    assert np.median(apart) <= 0.060 and np.percentile(apart, 95) <= 0.150, apart
    # the check can fail: cues 150 ms late are caught
    late = np.abs(np.array([w.start + 0.15 for w in words]) - theirs)
    assert np.median(late) > 0.060


def test_say_writes_json_word_cues(kokoro: Kokoro, tmp_path: Path) -> None:
    text = "The birch canoe cost $5. [Kokoro](/kˈOkəɹO/) paid."
    r = kokoro("say", text, "-o", "out.wav", "--subtitles", "cues.json", "--words")
    assert r.returncode == 0, r.stderr
    rows = json.loads((tmp_path / "cues.json").read_text("utf-8"))
    assert [row["text"] for row in rows] == [
        "The",
        "birch",
        "canoe",
        "cost",
        "$5",
        "Kokoro",
        "paid",
    ]
    for row in rows:
        assert set(row) == {"start", "end", "text", "char_start", "char_end"}
        assert text[row["char_start"] : row["char_end"]] == row["text"]
    r = kokoro("say", text, "-o", "out.wav", "--subtitles", "cues.srt")
    assert r.returncode == 0, r.stderr
    srt = (tmp_path / "cues.srt").read_text("utf-8")
    assert "The birch canoe cost $5.\n" in srt and "\nKokoro paid.\n" in srt  # markup resolved


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--words"], "--words needs --subtitles"),
        (["--subtitles", "x.txt"], ".srt, .vtt or .json"),
        (["--pause-sentence", "-1"], "--pause-sentence -1 is out of range"),
        (["--pause-paragraph", "100"], "--pause-paragraph 100 is out of range"),
    ],
)
def test_say_refuses_bad_timing_options(kokoro: Kokoro, args: list[str], message: str) -> None:
    r = kokoro("say", "Hi.", "-o", "out.wav", *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
