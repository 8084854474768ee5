"""Chunking: token limits, short first chunk, pauses, markup, raw phonemes and garbage input.

Everything runs through the real espeak-ng. Timings are never asserted; hypothesis deadlines are
off and example counts modest so the file stays fast on two cores.
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kokoro_cli.errors import UsageError
from kokoro_cli.model.config import MAX_TOKENS
from kokoro_cli.text import Chunk, chunks, tokenize
from kokoro_cli.text.markup import PARAGRAPH_PAUSE
from kokoro_cli.text.normalize import clean
from kokoro_cli.text.split import (
    _OPENERS,
    BLOCK_CHARS,
    CHUNK_TOKENS,
    FIRST_TOKENS,
    LEAD_WORDS,
    blocks,
)

WORDS = (
    "the quick brown fox jumps over a lazy dog while seven wizards quietly hex "
    "an enormous sphinx of black quartz judging my vow near old oak trees"
).split()


def speech(seed: int, n_words: int, punct: str = ".,;") -> str:
    """Deterministic English-like text of `n_words` words with punctuation from `punct`."""
    rng = random.Random(seed)
    out = []
    for i in range(n_words):
        w = rng.choice(WORDS)
        out.append(w.capitalize() if i == 0 or out[-1][-1] == "." else w)
        if punct and rng.random() < 0.12:
            out[-1] += rng.choice(punct)
    return " ".join(out) + "."


def check(text: str, got: list[Chunk]) -> None:
    """Invariants of every chunk list: limits, ids, and every source word once, in order."""
    for c in got:
        assert len(c.tokens) <= MAX_TOKENS
        assert c.tokens == tokenize(c.phonemes)
        assert c.pause_after >= 0
    paragraphs = re.split(r"\n[ \t\r\f\v]*\n", text)  # a blank line: only whitespace on it
    expected = " ".join(clean(p) for p in paragraphs).split()
    assert " ".join(c.text for c in got).split() == expected


def test_long_text_short_first_chunk_then_full_chunks() -> None:
    text = speech(1, 2000)
    got = list(chunks(text, "en-us"))
    check(text, got)
    assert len(got[0].tokens) <= FIRST_TOKENS
    # ends at a sentence or clause boundary, or before a word that opens a phrase
    assert got[0].text.endswith((".", ",", ";")) or got[1].text.split()[0] in _OPENERS["en"]
    assert max(len(c.tokens) for c in got) > 250  # later chunks are packed, not one per sentence
    assert max(len(c.tokens) for c in got) <= CHUNK_TOKENS  # and stay small enough for memory
    assert all(c.pause_after == 0 for c in got)


def test_without_fast_start_the_first_chunk_is_full_size() -> None:
    """Files and batch jobs skip the short first chunks: fewer forwards, more context."""
    text = speech(1, 2000)
    got = list(chunks(text, "en-us", fast_start=False))
    check(text, got)
    fast = list(chunks(text, "en-us"))
    assert len(got[0].tokens) > FIRST_TOKENS  # packed like the rest, not cut at the first sentence
    assert len(got) < len(fast)
    assert max(len(c.tokens) for c in got) <= CHUNK_TOKENS
    short = list(
        chunks("This is file number one. It has two sentences.", "en-us", fast_start=False)
    )
    assert len(short) == 1  # one forward for a two-sentence file
    assert len(list(chunks("This is file number one. It has two sentences.", "en-us"))) == 2


def test_a_long_first_clause_is_cut_before_a_phrase() -> None:
    """Issue 23: the first audio of a 63-token sentence waits for a 27-token forward."""
    sentence = "The quick brown fox jumps over the lazy dog near the river."
    text = f"{sentence} {sentence}"
    got = list(chunks(text, "en-us"))
    check(text, got)
    assert got[0].text == "The quick brown fox jumps"
    assert len(got[0].tokens) <= FIRST_TOKENS
    assert [c.text for c in got[1:]] == ["over the lazy dog near the river.", sentence]
    # a whole sentence where no cut leaves LEAD_WORDS words on each side, or without fast_start
    assert [c.text for c in chunks(sentence, "en-us", fast_start=False)] == [sentence]
    no_opener = "Seven wizards quietly hexed enormous sphinxes, judging my vow."
    assert (
        list(chunks(no_opener, "en-us"))[0].text == "Seven wizards quietly hexed enormous sphinxes,"
    )
    short_rest = "The lighthouse keeper slowly climbed one hundred steps before dawn."
    assert len(short_rest.split()[short_rest.split().index("before") :]) < LEAD_WORDS
    assert [c.text for c in chunks(short_rest, "en-us")] == [short_rest]


@given(seed=st.integers(0, 10_000), n=st.integers(8, 40))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_first_chunk_cuts_keep_every_word(seed: int, n: int) -> None:
    text = speech(seed, n, punct="")
    got = list(chunks(text, "en-us"))
    check(text, got)
    if len(got) > 1 and not got[0].text.endswith("."):
        assert len(got[0].tokens) <= FIRST_TOKENS
        assert len(got[0].text.split()) >= LEAD_WORDS
        assert got[1].text.split()[0] in _OPENERS["en"]


def test_long_sentence_splits_at_clauses_first() -> None:
    clause = "the quick brown fox jumps over the lazy dog again and again"
    text = ", ".join([clause] * 40) + "."
    got = list(chunks(text, "en-us"))
    check(text, got)
    assert len(got) > 2
    assert all(c.text.endswith((",", ".")) for c in got[1:])
    assert got[0].text.endswith(",") or got[1].text.split()[0] in _OPENERS["en"]  # a phrase


def test_sentence_without_punctuation_splits_between_words() -> None:
    text = speech(2, 1500, punct="")
    got = list(chunks(text, "en-us"))
    check(text, got)
    assert len(got) > 3


def test_giant_word_is_cut_only_in_its_phonemes() -> None:
    word = "a" * 5000
    got = list(chunks(f"Before {word} after.", "en-us"))
    assert [c.text for c in got if word in c.text.split()]  # the word is never cut in the text
    assert all(len(c.tokens) <= MAX_TOKENS for c in got)
    assert got[-1].text.endswith("after.")


def test_blocks_cut_at_sentence_ends_not_after_abbreviations() -> None:
    filler = "word " * (BLOCK_CHARS // 5 - 40)
    text = filler + "I met Dr. Smith and J. Jones there, then " + "more " * 200
    got = list(blocks(text))
    assert "".join(got) == text
    assert got[0].endswith("there, ")  # a clause end beats the periods of "Dr." and "J."
    assert all(len(b) <= BLOCK_CHARS for b in got[:-1])


def test_paragraphs_get_a_longer_pause_but_not_at_the_end() -> None:
    got = list(chunks("First one. Second one.\n\nThird paragraph.\n\n", "en-us"))
    assert [c.pause_after for c in got] == [0.0, PARAGRAPH_PAUSE, 0.0]
    assert [c.text for c in got] == ["First one.", "Second one.", "Third paragraph."]


def test_pause_tags_in_seconds_and_milliseconds() -> None:
    got = list(
        chunks("[pause:1s]Hello there.[pause:0.5s] Go on.[pause:300ms][pause:200ms]", "en-us")
    )
    assert got[0] == Chunk("", "", [], 1.0)  # a pure pause before any speech
    assert [c.text for c in got[1:]] == ["Hello there.", "Go on."]
    assert got[1].pause_after == 0.5
    assert got[2].pause_after == pytest.approx(0.5)


def test_pauses_around_paragraphs_combine() -> None:
    got = list(chunks("\n\n[pause:1s]A.\n\n[pause:1s]\n\nB.[pause:2s]\n\n", "en-us"))
    assert [(c.text, c.pause_after) for c in got] == [
        ("", 1.0),
        ("A.", PARAGRAPH_PAUSE + 1.0),
        ("B.", 2.0),
    ]


@pytest.mark.parametrize("tag", ["[pause:abc]", "[pause:5 minutes]", "[pause:120s]"])
def test_bad_pause_tags_are_usage_errors(tag: str) -> None:
    with pytest.raises(UsageError, match="pause"):
        chunks(f"Hello {tag} world.", "en-us")


def test_custom_pronunciation_is_used_verbatim() -> None:
    (c,) = chunks("Say [Kokoro](/kˈOkəɹO/) now, [Kokoro](/kˈOkəɹO/)'s turn.", "en-us")
    assert c.text == "Say Kokoro now, Kokoro's turn."
    assert c.phonemes == "sˈA kˈOkəɹO nˈW, kˈOkəɹOz tˈɜɹn."


def test_custom_pronunciation_with_bad_symbols_names_them() -> None:
    with pytest.raises(UsageError, match="'X'"):
        chunks("Say [Kokoro](/kˈOXə/) now.", "en-us")


def test_raw_phonemes_mode() -> None:
    got = list(chunks("həlˈO wˈɜɹld. hˈW ɑɹ ju?\n\nɡʊd.", "en-us", raw_phonemes=True))
    assert [c.phonemes for c in got] == ["həlˈO wˈɜɹld.", "hˈW ɑɹ ju?", "ɡʊd."]
    assert got[1].pause_after == PARAGRAPH_PAUSE
    long = " ".join(["ðə kwˈɪk bɹˈWn fˈɑks,"] * 200)
    assert all(len(c.tokens) <= MAX_TOKENS for c in chunks(long, "en-us", raw_phonemes=True))
    with pytest.raises(UsageError, match="'Z'.*'#'"):
        chunks("həlˈO Z wˈɜɹld #", "en-us", raw_phonemes=True)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", "\u200b\u200b", "\x07"])
def test_empty_or_invisible_text_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="no text"):
        chunks(text, "en-us")


def test_unknown_language_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="en-us"):
        chunks("Hello.", "xx")


# --- properties ----------------------------------------------------------------------------

GARBAGE = st.lists(
    st.sampled_from(
        list("abc xyz ABC 123 .,;:!?…—-'\"()[]$%&@#/\n\t")
        + ["😀", "👍🏽", "שלום", "مرحبا", "\u202e", "\u200b", "\u200d", "\x00", "\x1b", "\x7f",
           "中文", "é", "\u0301", "\ufeff", "\U000f0001", "ß", "ﬁ", "Dr. ", "3.5", "\r\n"]
    )
    | st.text(max_size=20),  # anything at all, including surrogates-free random code points
    max_size=200,
).map("".join)  # fmt: skip
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@SETTINGS
@given(GARBAGE)
def test_garbage_never_crashes_and_keeps_every_word(text: str) -> None:
    try:
        got = list(chunks(text, "en-us"))
    except UsageError as err:  # only for input with nothing to say, or a malformed tag
        assert "no text" in str(err) or "pause" in str(err) or "pronunciation" in str(err)
        return
    if "[pause:" not in text and "](/" not in text:
        check(text, got)


@SETTINGS
@given(
    st.lists(st.sampled_from(WORDS + ["1,250", "$3.50", "Dr.", "U.S.", "10:30", "5th"]),
             min_size=100, max_size=1500),
    st.lists(st.sampled_from([" ", " ", " ", ", ", ". ", "; ", "\n", "\n\n", " — "]), min_size=1),
)  # fmt: skip
def test_splitter_properties_on_long_text(words: list[str], seps: list[str]) -> None:
    text = "".join(w + seps[i % len(seps)] for i, w in enumerate(words))
    got = list(chunks(text, "en-us"))
    check(text, got)
    assert len(got[0].tokens) <= MAX_TOKENS


@pytest.mark.parametrize("lang", ["en-gb", "es", "fr-fr", "hi", "it", "pt-br"])
def test_other_languages_long_text(lang: str) -> None:
    text = speech(3, 600) + "\n\n" + "ज़िंदगी बहुत सुंदर है। " * 20
    check(text, list(chunks(text, lang)))


def test_one_megabyte_without_newline() -> None:
    # Real path, full size: proves there is no quadratic step (pysbd only ever sees small blocks).
    rng = random.Random(4)
    pieces = WORDS + ["😀", "שלום", "\u200b", "1,234.5", "...", "—", "x" * 300]
    text = ""
    parts = []
    size = 0
    while size < 1_000_000:
        p = rng.choice(pieces) + rng.choice([" ", " ", ", ", ". "])
        parts.append(p)
        size += len(p)
    text = "".join(parts)
    got = list(chunks(text, "en-us"))
    check(text, got)


def test_a_long_clause_is_cut_where_both_sides_read_as_they_do_together() -> None:
    """A clause over the chunk limit is cut in word groups phonemized apart; cut by size alone,
    this one was cut after "4528 N" and read "four thousand five hundred twenty-eight N"."""
    from kokoro_cli.text import chunks

    filler = "we kept walking down the long and quiet road".split()
    words = [filler[k % len(filler)] for k in range(39)]
    text = f"{' '.join(words)} on Jan 17 we met at 4528 N Elm Ave and {' '.join(words[:30])}."
    got = list(chunks(text, "en-us", fast_start=False))
    assert len(got) == 2
    said = " ".join(c.phonemes for c in got)
    assert "ʤˈænjuˌɛɹi sˈɛvəntˌinθ" in said  # January seventeenth
    assert "fˈɔɹTifˈIv twˈɛntiˈAt nˈɔɹθ ˈɛlm ˈævənˌu" in said  # forty-five twenty-eight North
    for c in got:  # and each chunk reads as its own text does
        assert [a.phonemes for a in chunks(c.text, "en-us", fast_start=False)] == [c.phonemes]
