"""Text in, audio chunks out: the library entry point the CLI (and anyone else) drives.

`synthesize()` is a generator so that callers can start playing or writing the first chunk while
the rest is still being computed, and so that a whole book never has to sit in memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from kokoro_cli import pauses
from kokoro_cli.audio import joins
from kokoro_cli.model.config import SAMPLE_RATE

if TYPE_CHECKING:
    from kokoro_cli.audio.timing import Word

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
    # Silences in seconds, from the end of speech to the start of the next. Sentences: None
    # keeps the model's own pauses inside chunks and puts their median where chunks join. The
    # chapter pause is for callers that join several texts (`kokoro book`): see pause().
    pause_sentence: float | None = None
    pause_paragraph: float = pauses.PARAGRAPH_PAUSE
    pause_chapter: float = pauses.CHAPTER_PAUSE
    lexicon: Lexicon | None = None  # the user's pronunciations (text.lexicon.load)


@dataclass
class AudioChunk:
    """One piece of output audio and where it sits in the whole output."""

    audio: np.ndarray  # float32 mono at SAMPLE_RATE
    text: str  # the text it speaks ("" for a pause)
    phonemes: str
    start: float  # seconds from the start of the output
    words: list[Word] = field(default_factory=list)  # its words, timed from the output's start
    offset: int = 0  # samples from the start of the output: `start` without rounding

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def check_speed(speed: float) -> float:
    """Reject speeds the model cannot honour (durations are divided by it)."""
    from kokoro_cli.errors import UsageError

    if not 0.25 <= speed <= 4.0:
        raise UsageError(f"speed {speed:g} is out of range; use a value between 0.25 and 4")
    return speed


def check_pauses(config: SynthesisConfig) -> None:
    """Reject negative or absurd pauses, naming the option that sets each."""
    from kokoro_cli.errors import UsageError

    for name in ("sentence", "paragraph", "chapter"):
        seconds = getattr(config, f"pause_{name}")
        if seconds is not None and not 0 <= seconds <= pauses.MAX_PAUSE:
            raise UsageError(
                f"--pause-{name} {seconds:g} is out of range; use 0 to {pauses.MAX_PAUSE:g} seconds"
            )


def resolve_lang(config: SynthesisConfig) -> str:
    """The language to phonemize in: explicit --lang, else the voice's own language."""
    from kokoro_cli import text
    from kokoro_cli.model import voices

    if config.lang:
        return text.check_lang(config.lang)
    return text.check_lang(voices.voice_lang(config.voice))


def synthesize(
    text: str, config: SynthesisConfig, model: Any, *, offset: int = 0
) -> Iterator[AudioChunk]:
    """Speak `text` with `model`, yielding audio chunk by chunk in order.

    Each chunk is cut to its speech (see joins.py) and pauses come out as chunks of silence
    with empty text, so a sink only has to concatenate. Every chunk carries its words, timed
    from the model's durations and pointing into `text` (see timing.py). `offset` is where the
    output starts, in samples, for callers that join several texts into one stream.
    """
    from kokoro_cli import text as front_end
    from kokoro_cli.audio.timing import WordTimer
    from kokoro_cli.model import voices

    check_speed(config.speed)
    check_pauses(config)
    lang = resolve_lang(config)
    pack = voices.load_voice(config.voice)
    timer = WordTimer(text, lang, config.raw_phonemes)
    position = offset  # samples emitted so far: exact, no float drift over a long book
    spoken = False  # whether any speech is out: its EDGE_SAMPLES of quiet count in a pause
    owed = 0.0  # the pause after what is out, emitted once more speech follows
    explicit = False  # whether `owed` comes from markup (also kept at the very end)
    stream = front_end.chunks(
        text,
        lang,
        raw_phonemes=config.raw_phonemes,
        fast_start=config.fast_start,
        paragraph_pause=config.pause_paragraph,
        lexicon=config.lexicon,
    )
    for chunk in _prefetch(stream):
        if not chunk.tokens:  # pause tags before any text
            owed, explicit = owed + chunk.pause_after, True
            continue
        gap = joins.silence(owed, joins.EDGE_SAMPLES * (2 if spoken else 1))
        if len(gap):
            yield _pause(gap, position)
            position += len(gap)
        audio, durations = model.speak_timed(chunk.tokens, pack, config.speed)
        audio, durations = np.asarray(audio, dtype=np.float32), [int(d) for d in durations]
        remap = None
        if config.pause_sentence is not None:
            audio, remap = joins.pace(audio, chunk.phonemes, durations, config.pause_sentence)
        cut = joins.trim(audio)
        where = position + cut.shift
        words = timer.words(chunk.text, chunk.phonemes, durations, cut, where, remap)
        yield AudioChunk(
            cut.audio, chunk.text, chunk.phonemes, position / SAMPLE_RATE, words, position
        )
        position += len(cut.audio)
        spoken = True
        explicit = chunk.pause_after > 0
        sentence = pauses.SENTENCE_PAUSE if config.pause_sentence is None else config.pause_sentence
        owed = chunk.pause_after if explicit else joins.boundary_pause(chunk.text, sentence)
    gap = joins.silence(owed, joins.EDGE_SAMPLES if spoken else 0)
    if explicit and len(gap):  # pause tags at the very end are kept; a natural pause is not
        yield _pause(gap, position)


def _pause(audio: np.ndarray, position: int) -> AudioChunk:
    return AudioChunk(audio, "", "", position / SAMPLE_RATE, [], position)


def pause(seconds: float, offset: int = 0) -> AudioChunk:
    """A chunk of silence to put between two synthesize() outputs (chapters, say), so that
    `seconds` pass between the speech of one and the speech of the next."""
    return _pause(joins.silence(seconds, 2 * joins.EDGE_SAMPLES), offset)


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


def synthesize_live(
    sentences: Iterable[tuple[int, str]], config: SynthesisConfig, model: Any
) -> Iterator[AudioChunk]:
    """Speak (offset, text) sentences as they come (text.live.sentences_of), each at once.

    Each sentence is synthesized on its own (short first chunks for the first one only), so the
    audio of a text depends on where its sentences end, never on when they arrived. Between
    sentences go the pauses whole text gets (a sentence's, or a paragraph's after a blank line);
    the pause is sent as soon as the next sentence arrives, so a player fills it while the
    sentence is synthesized. Word offsets point into the whole text received.
    """
    from dataclasses import fields, replace

    from kokoro_cli.errors import UsageError
    from kokoro_cli.text.live import ends_paragraph

    sentence_pause = (
        pauses.SENTENCE_PAUSE if config.pause_sentence is None else config.pause_sentence
    )
    # Where the config has margins (a lead-in before the output's speech, a tail after it),
    # they are the stream's: the first sentence gets the lead-in, the end of the text the tail.
    names = {f.name for f in fields(config)}
    tail = float(getattr(config, "tail", 0.0) or 0.0)

    def margins(spoken: bool) -> dict[str, float]:
        found = {"tail": 0.0} if "tail" in names else {}
        if "lead_in" in names and spoken:
            found["lead_in"] = 0.0
        return found

    position = 0
    owed = 0.0  # the pause owed before the next speech
    spoken = False
    nothing: UsageError | None = None  # why sentences with nothing to say were left out
    for start, text in sentences:
        lead = text[: len(text) - len(text.lstrip())]
        if spoken and ends_paragraph(lead):  # a blank line before it (or all it has)
            owed = max(owed, config.pause_paragraph)
        if not text.strip():
            continue
        gap = joins.silence(owed, 2 * joins.EDGE_SAMPLES) if spoken else joins.silence(0)
        eager = any(ch.isalnum() for ch in text)  # surely speech: the pause can go out now
        if eager and len(gap):
            yield _pause(gap, position)
            position += len(gap)
            gap = gap[:0]
        this = replace(config, fast_start=config.fast_start and not spoken, **margins(spoken))
        last: AudioChunk | None = None
        shift = 0  # samples of a pause sent after synthesis began (see `eager`)
        try:
            for chunk in synthesize(text, this, model, offset=position):
                if len(gap):
                    yield _pause(gap, position)
                    shift, gap = len(gap), gap[:0]
                chunk.start += shift / SAMPLE_RATE
                chunk.offset += shift
                chunk.words = [_shifted(w, start, shift) for w in chunk.words]
                yield chunk
                last = chunk
            position = (last.offset + len(last.audio)) if last else position
        except UsageError as exc:
            if not str(exc).startswith("no text to speak"):
                raise
            nothing = exc  # only invisible characters or punctuation: whole text skips them too
            continue
        if last is None:
            continue
        spoken = True
        if ends_paragraph(text):
            owed = config.pause_paragraph
        elif last.text:
            owed = joins.boundary_pause(last.text, sentence_pause)
        else:
            owed = 0.0  # the sentence ended in pause tags, and their silence is out already
    if not spoken and nothing is not None:
        raise nothing
    if spoken and tail:
        yield _pause(joins.silence(tail, joins.EDGE_SAMPLES), position)


def _shifted(word: Word, chars: int, samples: int) -> Word:
    from dataclasses import replace

    return replace(
        word,
        char_start=word.char_start + chars,
        char_end=word.char_end + chars,
        start_sample=word.start_sample + samples,
        end_sample=word.end_sample + samples,
    )
