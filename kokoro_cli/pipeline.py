"""Text in, audio chunks out: the library entry point the CLI (and anyone else) drives.

`synthesize()` returns a generator so that callers can start playing or writing the first chunk
while the rest is still being computed, and so that a whole book never has to sit in memory.
SSML input (text/ssml.py) is planned into parts of one voice, language and speed each, spoken
in order through the same chunking, pauses and joins as plain text.
"""

from __future__ import annotations

import logging
import math
import numbers
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from kokoro_cli import pauses
from kokoro_cli.audio import joins
from kokoro_cli.errors import UsageError
from kokoro_cli.model.config import SAMPLE_RATE

if TYPE_CHECKING:
    from kokoro_cli.audio.timing import Word
    from kokoro_cli.text.lexicon import Lexicon
    from kokoro_cli.text.ssml_source import Mapped

log = logging.getLogger(__name__)

T = TypeVar("T")

# --pitch: an octave either way, which covers SSML's x-low ... x-high. Measured (bench/pitch.py,
# bench/README.md): over that range the output's F0 follows the request frame by frame, and
# words stay recognizable down to -12 and up to +8; at +12 pocketsphinx misses 13 points more of
# them (Whisper 2): a squeaky voice, still usable. Further out it turns into a chipmunk or a growl.
MAX_PITCH = 12.0  # semitones
# volume_db: +12 dB is 4x the amplitude, where much of Kokoro's speech (peaks near -6 dBFS)
# already clips; -inf (silence) is allowed for SSML's volume="silent".
MAX_VOLUME_DB = 12.0

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
    # The output's margins: seconds from its start to the first speech, and from the last
    # speech to its end (0 and 0: tight edges, the 10 ms fades of joins.trim only).
    lead_in: float = pauses.LEAD_IN
    tail: float = pauses.TAIL
    # Prosody (issue 25; SSML's <prosody> sets them per piece of text). pitch: semitones added
    # to the model's predicted F0 (0: untouched); volume_db: a gain on the chunk audio.
    pitch: float = 0.0
    volume_db: float = 0.0
    ssml: bool | None = None  # read the input as SSML; None: if it starts with <speak>


@dataclass
class AudioChunk:
    """One piece of output audio and where it sits in the whole output."""

    audio: np.ndarray  # float32 mono at SAMPLE_RATE
    text: str  # the text it speaks ("" for a pause)
    phonemes: str
    start: float  # seconds from the start of the output
    words: list[Word] = field(default_factory=list)  # its words, timed from the output's start
    offset: int = 0  # samples from the start of the output: `start` without rounding
    marks: list[tuple[str, int]] = field(default_factory=list)  # SSML <mark>s: (name, sample)

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def check_speed(speed: float) -> float:
    """Reject speeds the model cannot honour (durations are divided by it)."""
    if not 0.25 <= speed <= 4.0:
        raise UsageError(f"speed {speed:g} is out of range; use a value between 0.25 and 4")
    return speed


def check_pitch(pitch: float) -> float:
    """Reject pitch shifts outside +-MAX_PITCH semitones (and non-numbers)."""
    from kokoro_cli.errors import UsageError

    if isinstance(pitch, bool) or not isinstance(pitch, numbers.Real):
        raise UsageError(f"pitch {pitch!r} is not a number; give semitones, e.g. pitch=2 or -3")
    if not -MAX_PITCH <= pitch <= MAX_PITCH:  # NaN fails too
        raise UsageError(
            f"pitch {pitch:g} is out of range; use -{MAX_PITCH:g} to +{MAX_PITCH:g} semitones"
        )
    return float(pitch)


def check_volume(volume_db: float) -> float:
    """Reject gains above MAX_VOLUME_DB (and non-numbers); -inf is silence."""
    from kokoro_cli.errors import UsageError

    if isinstance(volume_db, bool) or not isinstance(volume_db, numbers.Real):
        raise UsageError(f"volume_db {volume_db!r} is not a number; give decibels, e.g. -6")
    if math.isnan(volume_db) or volume_db > MAX_VOLUME_DB:
        raise UsageError(
            f"volume_db {volume_db:g} is out of range; use at most +{MAX_VOLUME_DB:g} dB"
        )
    return float(volume_db)


def check_prosody(config: SynthesisConfig) -> None:
    """Reject a config whose speed, pitch or volume the model cannot honour."""
    check_speed(config.speed)
    check_pitch(config.pitch)
    check_volume(config.volume_db)


def gain(audio: np.ndarray, volume_db: float) -> np.ndarray:
    """`audio` louder or softer by `volume_db` decibels (0: the same array, untouched)."""
    if not volume_db:
        return audio
    return audio * np.float32(10.0 ** (volume_db / 20.0))


def check_pauses(config: SynthesisConfig) -> None:
    """Reject negative or absurd pauses, naming the option that sets each."""
    for name in ("pause_sentence", "pause_paragraph", "pause_chapter", "lead_in", "tail"):
        seconds = getattr(config, name)
        if seconds is not None and not 0 <= seconds <= pauses.MAX_PAUSE:
            option = "--" + name.replace("_", "-")
            raise UsageError(
                f"{option} {seconds:g} is out of range; use 0 to {pauses.MAX_PAUSE:g} seconds"
            )


def resolve_lang(config: SynthesisConfig) -> str:
    """The language to phonemize in: explicit --lang, else the voice's own language."""
    from kokoro_cli import text
    from kokoro_cli.model import voices

    if config.lang:
        return text.check_lang(config.lang)
    return text.check_lang(voices.voice_lang(config.voice))


@dataclass
class Part:
    """A stretch of the input spoken with one voice, language and speed: all of a plain text,
    or one group of an SSML document (text/ssml.py), whose text is then our inline markup."""

    text: str
    config: SynthesisConfig  # SSML's prosody is in it: speed, pitch, volume_db
    source: Mapped | None = None  # where each character of `text` comes from in the input
    marks: list[tuple[int, str]] = field(default_factory=list)  # SSML marks: (position, name)
    emphasis: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, level)

    @property
    def gain(self) -> float:
        """The part's volume as a factor on its audio (0: silent)."""
        return 10.0 ** (self.config.volume_db / 20.0)


@dataclass
class Script:
    """The input, checked and cut into Parts: what synthesize() speaks."""

    text: str
    parts: list[Part]
    warnings: list[str] = field(default_factory=list)

    @property
    def ssml(self) -> bool:
        return any(p.source is not None for p in self.parts)


def plan(text: str, config: SynthesisConfig) -> Script:
    """Check `config` and read `text` (as SSML, if it is: see text/ssml.py) into a Script.

    Everything that can be wrong with the input surfaces here, before any audio is made.
    SSML warnings (unsupported elements, clamped values, a voice changed for a language) are
    logged and kept in Script.warnings.
    """
    from kokoro_cli.text import ssml

    check_prosody(config)
    check_pauses(config)
    config = replace(config, lang=resolve_lang(config))
    if not ssml.detect(text, config.ssml):
        return Script(text, [Part(text, config)])
    if config.raw_phonemes:
        raise UsageError(
            "SSML and --phonemes do not mix; write <phoneme ph=...> in the SSML instead"
        )
    sentence = pauses.SENTENCE_PAUSE if config.pause_sentence is None else config.pause_sentence
    doc = ssml.parse(
        text, config.voice, config.lang or "", _Voices(config.voice, config.lang or ""),
        pauses=(sentence, config.pause_paragraph, config.pause_chapter), lexicon=config.lexicon,
    )  # fmt: skip
    warnings = list(doc.warnings)
    parts = []
    for group in doc.groups:
        style = group.style
        speed = min(max(config.speed * style.rate, 0.25), 4.0)
        if speed != config.speed * style.rate:
            warnings.append(f"SSML: a rate gives speed {config.speed * style.rate:.3g}; "
                            f"{speed:g} is used (the model takes 0.25 to 4)")  # fmt: skip
        pitch = min(max(config.pitch + style.pitch, -MAX_PITCH), MAX_PITCH)
        if pitch != config.pitch + style.pitch:
            warnings.append(f"SSML: a pitch gives {config.pitch + style.pitch:+.3g} semitones; "
                            f"{pitch:+g} is used (at most {MAX_PITCH:g} either way)")  # fmt: skip
        voiced = replace(config, voice=style.voice, lang=style.lang, speed=speed, pitch=pitch,
                         volume_db=config.volume_db + style.volume)  # fmt: skip
        parts.append(Part(group.text.text, voiced, group.text, group.marks, group.emphasis))
    for warning in dict.fromkeys(warnings):
        log.warning(warning)
    return Script(text, parts, list(dict.fromkeys(warnings)))


class _Voices:
    """What text/ssml.py asks about voices, answered from model/voices.py. Voice files are the
    caller's to choose (--voice): an SSML document may name voices, not paths."""

    def __init__(self, own: str, lang: str) -> None:
        self.own, self.lang = own, lang

    def lang_of(self, voice: str) -> str:
        from kokoro_cli import paths
        from kokoro_cli.errors import KokoroError, VoiceError
        from kokoro_cli.model import voices

        if voice == self.own:
            try:
                return voices.voice_lang(voice)
            except KokoroError:
                return self.lang  # a voice file of unknown language: as the caller reads it
        names = voices.parse_blend(voice)[0]
        if any(paths.is_voice_file(n) for n in names):
            raise VoiceError(f"SSML may name voices, not voice files ('{voice}')")
        for name in names:
            voices.find_voice(name)
        return voices.voice_lang(voice)

    def gender_of(self, voice: str) -> str:
        from kokoro_cli.errors import KokoroError
        from kokoro_cli.model import voices

        try:
            return voices.find_voice(voices.parse_blend(voice)[0][0]).gender
        except KokoroError:
            return "unknown"

    def pick(self, lang: str, gender: str | None, variant: int, current: str) -> str | None:
        from kokoro_cli.model import voices

        return voices.pick_voice(lang, gender if gender in ("female", "male") else None,
                                 variant, current)  # fmt: skip


def synthesize(
    text: str | Script, config: SynthesisConfig, model: Any, *, offset: int = 0
) -> Iterator[AudioChunk]:
    """Speak `text` (or a Script made by plan()) with `model`, yielding audio chunk by chunk.

    Each chunk is cut to its speech (see joins.py) and pauses come out as chunks of silence
    with empty text, so a sink only has to concatenate. The margins do too: config.lead_in
    before the first speech, yielded before the model starts on it (zeros, written at once:
    a player's device wakes meanwhile), and config.tail after the last. Every chunk carries its
    words, timed from the model's durations and pointing into `text` (see timing.py). `offset`
    is where the output starts, in samples, for callers that join several texts into one stream.
    The input is checked when this is called, before the first chunk is asked for.

    config.pitch shifts the model's F0 and config.volume_db scales each chunk's audio (after
    its speech edges are found, so timings do not move with the volume); SSML's <prosody> adds
    its own pitch and volume to them, part by part.
    """
    script = text if isinstance(text, Script) else plan(text, config)
    return _speak(script, _part_chunks(script), model, offset)


def _part_chunks(script: Script) -> Iterator[tuple[int, Any]]:
    """(part index, front-end chunk) for every part in order; markup is parsed now."""
    from kokoro_cli import text as front_end

    streams = []
    for k, part in enumerate(script.parts):
        c = part.config
        if part.text.strip():
            stream = front_end.chunks(
                part.text, c.lang or "", raw_phonemes=c.raw_phonemes, fast_start=c.fast_start,
                paragraph_pause=c.pause_paragraph, lexicon=c.lexicon,
            )  # fmt: skip
            streams.append((k, stream))
    return ((k, chunk) for k, stream in streams for chunk in stream)


def _speak(
    script: Script, stream: Iterator[tuple[int, Any]], model: Any, offset: int
) -> Iterator[AudioChunk]:
    from kokoro_cli.audio.timing import WordTimer, to_source
    from kokoro_cli.model import voices

    packs: dict[str, Any] = {}
    timers: dict[int, WordTimer] = {}
    aligners: dict[int, WordTimer] = {}  # for emphasis: the words' tokens before they are said
    marks = [(k, pos, name) for k, p in enumerate(script.parts) for pos, name in p.marks]
    marks.reverse()  # popped from the end, in order
    edges = script.parts[0].config if script.parts else SynthesisConfig()
    position = offset  # samples emitted so far: exact, no float drift over a long book
    spoken = False  # whether any speech is out: its EDGE_SAMPLES of quiet count in a pause
    owed = edges.lead_in  # the silence before the next speech, emitted once it follows
    explicit = False  # whether `owed` comes from markup (also kept at the very end)
    speech_end = offset  # where the last words end: SSML marks after them sit there
    for k, chunk in _prefetch(stream):
        part = script.parts[k]
        config = part.config
        if not chunk.tokens:  # pause tags before any text of this part: they replace the
            # natural pause after the speech before, and add to the lead-in before any speech
            owed = (owed if explicit or not spoken else 0.0) + chunk.pause_after
            explicit = True
            continue
        gap = joins.silence(owed, joins.EDGE_SAMPLES * (2 if spoken else 1))
        if len(gap):
            yield _pause(gap, position)
            position += len(gap)
        if config.voice not in packs:
            packs[config.voice] = voices.load_voice(config.voice)
        local = None
        if part.emphasis:
            if k not in aligners:
                aligners[k] = WordTimer(part.text, config.lang or "", config.raw_phonemes)
            local = _emphasis(aligners[k], chunk, part.emphasis)
        # pitch and local only when set: engines that know neither still serve plain speech
        shift = (config.pitch,) if config.pitch else ()
        shape = {"local": local} if local is not None else {}
        pack = packs[config.voice]
        audio, durations = model.speak_timed(chunk.tokens, pack, config.speed, *shift, **shape)
        audio, durations = np.asarray(audio, dtype=np.float32), [int(d) for d in durations]
        remap = None
        if config.pause_sentence is not None:
            audio, remap = joins.pace(audio, chunk.phonemes, durations, config.pause_sentence)
        cut = joins.trim(audio)
        where = position + cut.shift
        if k not in timers:
            timers[k] = WordTimer(part.text, config.lang or "", config.raw_phonemes)
        words = timers[k].words(chunk.text, chunk.phonemes, durations, cut, where, remap)
        found = []
        for word in words:  # SSML marks go with the first word after them
            while marks and (marks[-1][0], marks[-1][1]) <= (k, word.char_start):
                found.append((marks.pop()[2], word.start_sample))
        if part.source is not None:
            words = to_source(words, part.source, script.text)
        clip = gain(cut.audio, config.volume_db)  # SSML's volume included
        yield AudioChunk(
            clip, chunk.text, chunk.phonemes, position / SAMPLE_RATE, words, position, found
        )
        position += len(cut.audio)
        speech_end = words[-1].end_sample if words else position
        spoken = True
        explicit = chunk.pause_after > 0
        sentence = pauses.SENTENCE_PAUSE if config.pause_sentence is None else config.pause_sentence
        owed = chunk.pause_after if explicit else joins.boundary_pause(chunk.text, sentence)
    if not explicit and spoken:  # pause tags at the very end are kept; a natural pause is not
        owed = 0.0
    gap = joins.silence(owed + edges.tail, joins.EDGE_SAMPLES if spoken else 0)
    rest = [(name, speech_end) for _, _, name in reversed(marks)]
    if len(gap) or rest:
        yield AudioChunk(gap, "", "", position / SAMPLE_RATE, [], position, rest)


def _emphasis(
    aligner: Any, chunk: Any, spans: list[tuple[int, int, int]]
) -> tuple[list[float], list[float]] | None:
    """Per token of `chunk`, the rate factor and semitones of SSML's emphasis (the small local
    change beside the stress markup; ssml_values.EMPHASIS_RATE, EMPHASIS_PITCH), or None if
    no emphasized word is in it."""
    from kokoro_cli.text.ssml_values import EMPHASIS_PITCH, EMPHASIS_RATE

    n = len(chunk.tokens)
    rates, semitones = [1.0] * n, [0.0] * n
    found = False
    for a, b, first, end in aligner.token_spans(chunk.text, chunk.phonemes):
        level = next((lv for s, e, lv in spans if s < b and a < e), 0)
        for t in range(max(first - 1, 0), min(end - 1, n)) if level else ():
            rates[t], semitones[t] = EMPHASIS_RATE[level], EMPHASIS_PITCH[level]
            found = True
    return (rates, semitones) if found else None


def _pause(audio: np.ndarray, position: int) -> AudioChunk:
    return AudioChunk(audio, "", "", position / SAMPLE_RATE, [], position)


def margin(seconds: float, offset: int = 0) -> AudioChunk:
    """The silence to put before (or after) a synthesize() output made without margins, so
    that `seconds` pass from the start of the whole output to its speech (or from the speech
    to the end): `kokoro book` gives the book, not each of its pieces, its lead-in and tail."""
    return _pause(joins.silence(seconds, joins.EDGE_SAMPLES), offset)


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
    from kokoro_cli.errors import UsageError
    from kokoro_cli.text.live import ends_paragraph

    sentence_pause = (
        pauses.SENTENCE_PAUSE if config.pause_sentence is None else config.pause_sentence
    )
    # The margins are the stream's: the first sentence gets the lead-in, the end the tail.
    tail = config.tail

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
        this = replace(
            config, fast_start=config.fast_start and not spoken, tail=0.0,
            lead_in=0.0 if spoken else config.lead_in,
        )  # fmt: skip
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
