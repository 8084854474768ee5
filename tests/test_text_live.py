"""Live text (issue 23), no model: the incremental sentence splitter and the pipe reader.

The property test replays texts of canaries and tricky tokens (tests/tricky_tokens.py) cut at
random points, with random pauses of the writer, and checks that the phonemes spoken are those
of the whole text, or, where a pause flushed a sentence early, of the whole text of each side
(the last words of a chunk that only one of the two runs cut may differ: see _same_but_near_cuts).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kokoro_cli.errors import UsageError
from kokoro_cli.inputs import FLUSH, read_pieces, with_flushes
from kokoro_cli.text import chunks
from kokoro_cli.text.live import SentenceStream, sentences_of
from tests.test_text_nothing_dropped import CANARIES
from tests.tricky_tokens import sentence


def fed(pieces: list[str], lang: str = "en-us") -> tuple[list[list[str]], list[str]]:
    """What each feed() returned, and what flush() returned at the end."""
    stream = SentenceStream(lang)
    steps = [stream.feed(p) for p in pieces]
    return steps, stream.flush()


@pytest.mark.parametrize(
    "pieces",
    [
        ["Dr.", " Smith", " is here."],
        ["Bring pens, etc. I", " think so."],
        ["It rose 3.", "5 % today."],
        ["I like pets, e.g.", " cats", " and dogs."],
        ["Version 3.", "11.7 is out."],
        ["Call me at 9 a.m.", " tomorrow."],
    ],
)
def test_a_period_is_not_trusted_before_the_next_word(pieces: list[str]) -> None:
    steps, rest = fed(pieces)
    assert steps == [[]] * len(pieces) and rest == ["".join(pieces)]


def test_sentences_come_out_once_their_end_is_certain() -> None:
    steps, rest = fed(["Hello, Dr. Ho", "w are", " you? I", " am fine.\n", "\nNext", " one"])
    assert steps == [[], [], ["Hello, Dr. How are you? "], [], ["I am fine.\n\n"], []]
    assert rest == ["Next one"]
    # After a plain word's period, the next word's capital is enough: an LLM's next token.
    assert fed(["It went to the harbor.", " E", "very day."])[0] == [[], ["It went to the harbor. "], []]  # fmt: skip
    assert fed(["Pens, paper, etc.", " I", " think so."])[0] == [[], [], []]
    # Japanese: no space after 。, so one more character decides (a closing quote may follow).
    steps, rest = fed(["「こんにちは。", "」元気", "ですか？", "はい"], "ja")
    assert steps == [[], ["「こんにちは。」"], [], ["元気ですか？"]] and rest == ["はい"]


def test_markup_is_never_cut() -> None:
    steps, rest = fed(["Say [Dr. No", "](/dˈɑktəɹ nˈO/) twice. Then [pau", "se:1s] go. on"])
    assert steps == [[], ["Say [Dr. No](/dˈɑktəɹ nˈO/) twice. "], []]
    assert rest == ["Then [pause:1s] go. ", "on"]
    steps, rest = fed(["One [pause:1s]. Two [Mr. X", "](/mˈɪstəɹ ˈɛks/). Three. ", "Four"])
    assert steps == [["One [pause:1s]. "], ["Two [Mr. X](/mˈɪstəɹ ˈɛks/). "], ["Three. "]]
    assert rest == ["Four"]


def test_a_run_on_without_sentence_ends_is_cut_in_blocks() -> None:
    words = " ".join(["word"] * 2000) + " "
    stream = SentenceStream()
    out = stream.feed(words)
    assert out and all(len(p) <= 2100 for p in out)
    assert "".join(out) + stream.pending == words


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .!?\n,3[]()/:e")), max_size=80), st.data())
def test_every_character_comes_out_once_in_order(text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    stream = SentenceStream()
    out: list[str] = []
    for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True):
        out += stream.feed(text[a:b])
        assert "".join(out) + stream.pending == text[:b]
        if data.draw(st.booleans()):
            out += stream.flush()
    assert "".join(out + stream.flush()) == text


# Sentences whose ends a splitter deciding on a cut-off word would get wrong ("etc. I" looks
# like two sentences until the next word shows it is not).
TRAPS = [
    "Bring pens, paper, etc. I think that is all.",
    "She has a Ph.D. I heard it was in physics.",
    "We met Dr. Smith at 5 p.m. and left.",
    "It rose 3.5 % in Jan. but fell in Feb.",
    "Pets, e.g. cats and dogs, sleep a lot.",
]


def _words(phonemes: str) -> list[str]:
    """Phoneme words; stray punctuation between them (". . ." alone) is a pause, not a word,
    and how the splitter groups it varies with what it sees (so does whole text's)."""
    return [w for w in phonemes.split() if any(ch.isalpha() for ch in w)]


def _edges(text: str, lang: str) -> tuple[list[str], set[int]]:
    """The whole run's phoneme words, and the indices of those that end one of its chunks."""
    if not text.strip():
        return [], set()
    try:
        found = chunks(text, lang, fast_start=False)
    except UsageError:
        return [], set()  # only invisible characters: nothing to say, live or whole
    words: list[str] = []
    ends: set[int] = set()
    for c in found:
        words += _words(c.phonemes)
        ends.add(len(words) - 1)
    return words, ends


CONTEXT = 2  # words on each side of a chunk's edge that espeak or a reader reads by context


def _same_but_near_cuts(
    spoken: list[str], whole: list[str], live_cuts: set[int], whole_cuts: set[int]
) -> bool:
    """Equal, word for word, except around the cuts: the ends of chunks that one run made
    inside a sentence and the other did not (`live_cuts` index `spoken`, `whole_cuts` index
    `whole`; the whole run packs sentences into chunks and cuts a long stretch where it must).
    Words there are read by what is around them: a French "huit" is /ɥit/ phrase-final, /ɥi/
    before "chaussette"; "EXAMPLE.COM/A" says "com" at a chunk's end, "C O M" before more
    words; "Eb" opening a chunk is not "E flat". A sentence end the live splitter chose is never
    such a cut, so an early guess there still fails."""
    import difflib

    def near(cuts: set[int], a: int, b: int) -> bool:
        return any(e - CONTEXT <= a and max(b - 1, a) <= e + CONTEXT for e in cuts)

    ops = difflib.SequenceMatcher(a=spoken, b=whole, autojunk=False).get_opcodes()
    return all(
        op == "equal" or near(live_cuts, i1, i2) or near(whole_cuts, j1, j2)
        for op, i1, i2, j1, j2 in ops
    )


def _writer(text: str, cuts: list[int], pauses: set[int], pause: float) -> Iterator[str]:
    for k, (a, b) in enumerate(zip([0, *cuts], [*cuts, len(text)], strict=True)):
        if k in pauses:
            time.sleep(pause)
        yield text[a:b]


# The same 25 draws in every run (derandomize): CI fails on the code, not on a draw. Stress it
# by hand with derandomize off, max_examples=400 and --hypothesis-seed=N (2,400 draws passed).
@pytest.mark.parametrize("lang", ["en-us", "fr-fr"])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(data=st.data())
def test_live_phonemes_equal_the_whole_texts(lang: str, data: st.DataObject) -> None:
    seed = data.draw(st.integers(0, 10**6))
    rng = random.Random(seed)
    words = CANARIES["en" if lang.startswith("en") else lang].split()
    text = ""
    for k in range(rng.randint(2, 6)):
        text += sentence(rng, words, 4 * k, 4) + rng.choice([" ", " ", "\n", "\n\n", "  "])
        if rng.random() < 0.3:  # where a splitter that guessed early would cut
            text += rng.choice(TRAPS) + " "
    # An LLM's tokens: often whole words (the next one comes with its space), else anywhere.
    ends = [i for i in range(1, len(text)) if not text[i - 1].isspace() and text[i] == " "]
    cuts = sorted({i for i in ends if rng.random() < 0.3} | {rng.randint(1, len(text) - 1)})
    pauses = {k for k in range(len(cuts) + 1) if rng.random() < 0.1}
    # The writer's pauses become FLUSH marks (at least those: a busy machine may add some).
    marked = list(with_flushes(_writer(text, cuts, pauses, 0.12), 0.05))
    assert "".join(p for p in marked if p is not FLUSH) == text
    assert marked.count(FLUSH) >= len(pauses - {0})
    said = [s for s in sentences_of(marked, lang)]
    assert "".join(s.text for s in said) == text
    assert all(text[s.start : s.start + len(s.text)] == s.text for s in said)
    spoken: list[str] = []
    inside: set[int] = set()  # live chunk ends inside a sentence (a long one, cut)
    sentence_ends: set[int] = set()  # where the live splitter ended a sentence
    for s in said:
        words, s_ends = _edges(s.text, lang)
        inside |= {len(spoken) + k for k in s_ends if k != len(words) - 1}
        spoken += words
        if spoken:
            sentence_ends.add(len(spoken) - 1)
    # The whole text's phonemes, cut where a flush cut it (which is what a flush means).
    segments, current = [], ""
    for piece in marked:
        if piece is FLUSH:
            segments.append(current)
            current = ""
        else:
            current += piece
    whole: list[str] = []
    cut: set[int] = set()
    for seg in [*segments, current]:
        words, seg_ends = _edges(seg, lang)
        cut |= {len(whole) + k for k in seg_ends}
        whole += words
    # sentence_ends index the live words: where the two runs agree they are the same words
    assert _same_but_near_cuts(spoken, whole, inside, cut - sentence_ends), (text, marked)


def test_only_words_around_a_cut_may_differ() -> None:
    whole = ["ɡʁənˈuj", "sisɑ̃", "pwɛ̃", "swasɑ̃tnœf", "katʁəvɛ̃yˈit", "ʃosˈɛt", "sˈɛz", "ˈœʁ", "dˈi"]
    live = [*whole[:4], "katʁəvɛ̃yˈi", *whole[5:]]

    def same(whole_cuts: set[int], live_cuts: frozenset[int] = frozenset()) -> bool:
        return _same_but_near_cuts(live, whole, set(live_cuts), whole_cuts)

    assert same({4}) and same({6}) and same({2})  # the end, 2 words before, 2 after
    assert same(set(), frozenset({4}))  # a cut live made inside a long sentence
    assert not same({7}) and not same({1}) and not same(set())
    # a word more or less, around a cut ("Eb" / "E flat"), but not elsewhere
    two = [*whole[:4], "ˈi", "flˈæt", *whole[5:]]
    assert _same_but_near_cuts(two, whole, set(), {4})
    assert not _same_but_near_cuts(two, whole, set(), {8})
    assert not _same_but_near_cuts(whole[:-3], whole, set(), {2})


def test_quiet_writers_flush_and_busy_readers_do_not() -> None:
    def slow() -> Iterator[str]:
        yield "Hello"
        time.sleep(0.4)
        yield " there"

    assert list(with_flushes(slow(), 0.1)) == ["Hello", FLUSH, " there"]
    busy = []
    for piece in with_flushes(iter(["a", "b", "c"]), 0.1):  # all there at once
        busy.append(piece)
        time.sleep(0.3)  # the consumer is slow, the writer was not: no flush
    assert busy == ["a", "b", "c"]
    assert list(with_flushes(slow(), None)) == ["Hello", " there"]


def _pipe(*writes: bytes, gap: float = 0.05) -> int:
    """The read end of a pipe that gets `writes` one by one, then closes."""
    r, w = os.pipe()

    def write() -> None:
        for data in writes:
            os.write(w, data)
            time.sleep(gap)
        os.close(w)

    threading.Thread(target=write, daemon=True).start()
    return r


def test_utf8_split_across_reads_is_decoded_whole() -> None:
    text = "Café – 東京 😀 done."
    data = text.encode()
    fd = _pipe(data[:3], data[3:4], data[4:12], data[12:])  # cuts inside é, – and 東
    try:
        pieces = list(read_pieces(fd, "stdin"))
    finally:
        os.close(fd)
    assert "".join(pieces) == text and len(pieces) > 1


@pytest.mark.parametrize(
    ("writes", "message"),
    [
        (
            (b"fine so far. ", b"caf\xe9 cr\xe8me"),
            "stdin is not UTF-8 text (bad byte at offset 16)",
        ),
        ((b"ends inside a character \xe2\x80",), "not UTF-8 text (bad byte at offset 24)"),
        ((b"  ", b"\n"), "stdin is empty; there is nothing to speak"),
    ],
)
def test_pipe_errors_are_read_texts(writes: tuple[bytes, ...], message: str) -> None:
    fd = _pipe(*writes)
    try:
        with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
            list(read_pieces(fd, "stdin"))
    finally:
        os.close(fd)
