"""The Python API: `Kokoro`, one object that speaks text, lists and mixes voices, and saves files.

    from kokoro_cli import Kokoro, KokoroError

    tts = Kokoro()
    audio, sr = tts.synthesize("Hello there.", voice="af_heart")

The CLI's say, batch, voices and mix are built on it (cli -> api -> pipeline / text / model).
Every user-facing failure is a KokoroError (bad input: its subclass UsageError); nothing here
prints or exits. Importing this module is cheap: torch loads only when a model or voice is needed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kokoro_cli.errors import UsageError
from kokoro_cli.inputs import FLUSH
from kokoro_cli.model.config import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np

    from kokoro_cli.model.voices import VoiceInfo
    from kokoro_cli.pipeline import AudioChunk, SynthesisConfig

__all__ = ["Kokoro"]

log = logging.getLogger(__name__)

DEFAULT_VOICE = "af_heart"
# SynthesisConfig fields set by the methods' own arguments, not through **options
_OWN_ARGUMENTS = ("voice", "speed", "lang", "raw_phonemes", "fast_start")
# What mix() accepts: {name: weight}, names, (name, weight) pairs, or a blend string.
VoiceWeights = str | Mapping[str, float] | Sequence[str] | Sequence[tuple[str, float]]


class Kokoro:
    """Kokoro-82M text to speech. The model loads on first use, once per instance.

    `model`: "embedded" (the default, installed with the package), "hf" or "hf:owner/repo" (the
    official checkpoint through huggingface_hub), or the path of a Kokoro v1.0 .pth file.
    `device`: "cpu", "cuda", "mps" or "auto". `precision`: "auto", "fp32", "bf16" or "int8"
    (None: $KOKORO_PRECISION, else "auto").

    Thread safety: every method may be called from several threads at once. The model loads
    once (under a lock) and is shared; each call draws its own noise, so a text gives the same
    audio whichever thread speaks it. Concurrent calls share the CPU cores between them.

    Example:
        >>> tts = Kokoro()
        >>> audio, sr = tts.synthesize("Hello there.")
        >>> sr
        24000
    """

    sample_rate: int = SAMPLE_RATE

    def __init__(
        self, model: str | None = None, *, device: str = "cpu", precision: str | None = None
    ) -> None:
        self.model_source = model
        self.device = device
        self.precision = precision
        self._model: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "loaded" if self._model is not None else "not loaded"
        return f"Kokoro(model={self.model_source!r}, device={self.device!r}, {state})"

    # ------------------------------------------------------------ the model

    def load(self, lang: str | None = None) -> None:
        """Load the model now (otherwise the first synthesis does); a no-op once loaded.

        `lang` warms up that language's phonemizer while the weights load.

        Example:
            >>> tts = Kokoro(precision="fp32")
            >>> tts.load("en-us")  # first audio later comes without the load's delay
        """
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:  # another thread loaded it while this one waited
                return
            from kokoro_cli.model.weights import load_model

            warm = _warm_front_end(lang)  # espeak starts up while torch loads the model
            try:
                log.info("loading model %s on %s", self.model_source or "embedded", self.device)
                self._model = load_model(self.model_source, self.device, self.precision)
            finally:  # also when loading fails: exiting mid-setup races espeak's cleanup
                if warm is not None:
                    warm.join()

    @property
    def engine(self) -> Any:
        """The loaded model (a kokoro_cli.model.KModel), loading it on first access.

        Example:
            >>> tts.engine.speak(tokens, pack, 1.0)  # one forward: token ids -> float32 audio
        """
        self.load()
        return self._model

    def _using(self, engine: Any) -> Kokoro:
        """A copy of this Kokoro that speaks through `engine` (anything with the model's
        `speak(tokens, pack, speed)`); batch uses it to share the model between its threads."""
        copy = Kokoro(self.model_source, device=self.device, precision=self.precision)
        copy._model = engine
        return copy

    # ------------------------------------------------------------ speaking

    def stream(
        self,
        text: str,
        voice: str = DEFAULT_VOICE,
        speed: float = 1.0,
        lang: str | None = None,
        *,
        phonemes: bool = False,
        fast_start: bool = True,
        **options: Any,
    ) -> Iterator[AudioChunk]:
        """Speak `text` chunk by chunk, each chunk as soon as it is computed.

        Each AudioChunk has `audio` (float32 mono numpy at 24 kHz), `text` (what it says; "" for
        a pause), `phonemes`, `start` and `duration` (seconds in the whole output), and word
        timings where the pipeline provides them. `voice` is a name (see voices()), a .pt path
        or a blend ("af_bella:0.6,af_sarah:0.4" or "af_bella+af_sarah"); `lang` defaults to the
        voice's language; `phonemes=True` takes Kokoro phonemes instead of text; `fast_start`
        makes the first chunks short, for listeners. Further keyword `options` set other fields
        of pipeline.SynthesisConfig. Arguments are checked (and the model loaded) when stream()
        is called, before the first chunk is asked for.

        Example:
            >>> for chunk in tts.stream("One. Two. Three.", voice="af_bella+af_sarah"):
            ...     print(f"{chunk.start:5.2f} s  {chunk.text!r}")
        """
        from kokoro_cli.pipeline import synthesize

        config = self._config(text, voice, speed, lang, phonemes, fast_start, options)
        self.load(None if phonemes else config.lang)
        return synthesize(text, config, self._model)

    FLUSH = FLUSH  # among stream_text()'s pieces: speak what is buffered now

    def stream_text(
        self,
        pieces: Iterable[str] | AsyncIterable[str],
        voice: str = DEFAULT_VOICE,
        speed: float = 1.0,
        lang: str | None = None,
        *,
        phonemes: bool = False,
        fast_start: bool = True,
        flush_after: float | None = None,
        **options: Any,
    ) -> Iterator[AudioChunk] | AsyncIterator[AudioChunk]:
        """Speak text while it is still being written: an LLM's tokens, lines of a log.

        `pieces` is an iterable (or async iterable: then an async iterator comes back) of str,
        cut anywhere. Each sentence is spoken once its end is certain (see text/live.py), a
        blank line ends one at once, `Kokoro.FLUSH` among the pieces speaks what is buffered,
        and so does the writer going quiet for `flush_after` seconds (None: never). The
        AudioChunks are those of stream(); word offsets point into all the text received so
        far. Other arguments as for stream(); they are checked (and the model loaded) now.

        Example:
            >>> tokens = ["Hel", "lo the", "re. How", " are you", "?"]
            >>> for chunk in tts.stream_text(tokens, voice="af_heart"):
            ...     play(chunk.audio)
        """
        from kokoro_cli.inputs import with_flushes
        from kokoro_cli.model import voices

        if isinstance(pieces, str):
            raise UsageError("pieces must be an iterable of str, not one str; use stream()")
        config = self.check(voice, speed, lang, phonemes=phonemes, fast_start=fast_start,
                            **options)  # fmt: skip
        voices.load_voice(voice)
        self.load(None if phonemes else config.lang)
        if isinstance(pieces, AsyncIterable):
            return self._stream_async(pieces, config, flush_after)
        return self._live(with_flushes(pieces, flush_after), config)

    def _live(self, pieces: Iterable[Any], config: SynthesisConfig) -> Iterator[AudioChunk]:
        from kokoro_cli.pipeline import synthesize_live
        from kokoro_cli.text.live import sentences_of

        found = sentences_of(pieces, config.lang or "en-us", raw_phonemes=config.raw_phonemes)
        return synthesize_live(found, config, self._model)

    async def _stream_async(
        self, pieces: AsyncIterable[str], config: SynthesisConfig, flush_after: float | None
    ) -> AsyncIterator[AudioChunk]:
        """stream_text() for async pieces: they are read on the event loop, synthesis runs in
        a worker thread, one chunk at a time."""
        import asyncio
        import queue

        from kokoro_cli.inputs import with_flushes

        loop = asyncio.get_running_loop()
        inbox: queue.Queue[tuple[str, Any]] = queue.Queue()

        async def pump() -> None:
            try:
                async for piece in pieces:
                    inbox.put(("piece", piece))
                inbox.put(("end", None))
            except BaseException as exc:  # handed to the synthesis side, which re-raises it
                inbox.put(("error", exc))

        def received() -> Iterator[Any]:
            while True:
                kind, value = inbox.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield value

        reader = loop.create_task(pump())
        chunks = self._live(with_flushes(received(), flush_after), config)
        step: asyncio.Future[Any] | None = None
        try:
            while True:
                step = loop.run_in_executor(None, next, chunks, None)
                chunk = await asyncio.shield(step)  # a cancelled consumer lets the step end
                if chunk is None:
                    return
                yield chunk
        finally:
            reader.cancel()
            inbox.put(("error", _Stopped()))  # the text ends for the synthesis side too
            if step is not None and not step.done():  # a step still runs: close after it
                step.add_done_callback(lambda done: _close_after(done, chunks))
            else:
                chunks.close()

    def synthesize(
        self,
        text: str,
        voice: str = DEFAULT_VOICE,
        speed: float = 1.0,
        lang: str | None = None,
        *,
        phonemes: bool = False,
        **options: Any,
    ) -> tuple[np.ndarray, int]:
        """Speak `text` and return (audio, sample_rate): float32 mono numpy, 24000 Hz.

        Arguments as for stream().

        Example:
            >>> audio, sr = tts.synthesize("Hello there.", voice="af_heart", speed=1.1)
            >>> audio.dtype, audio.ndim, sr
            (dtype('float32'), 1, 24000)
        """
        import numpy as np

        chunks = self.stream(text, voice, speed, lang, phonemes=phonemes, fast_start=False,
                             **options)  # fmt: skip
        pieces = [c.audio for c in chunks]
        return np.concatenate(pieces).astype(np.float32, copy=False), SAMPLE_RATE

    def save(
        self,
        text: str,
        path: str | Path,
        voice: str = DEFAULT_VOICE,
        speed: float = 1.0,
        lang: str | None = None,
        *,
        format: str | None = None,
        phonemes: bool = False,
        **options: Any,
    ) -> Path:
        """Speak `text` into the audio file `path` and return its path.

        The format comes from `format` or the extension: wav, flac, ogg, opus, mp3, raw, and
        (with ffmpeg installed) m4a, aac — the CLI's writers. The audio streams into a hidden
        temporary beside `path`, renamed over it only when complete: a failure or interrupt
        never leaves a partial file, and an existing file stays untouched until then.

        Example:
            >>> tts.save("Hi.", "hi.mp3", voice="af_heart")
            PosixPath('hi.mp3')
        """
        from kokoro_cli.audio import sinks as audio

        target = Path(path)
        fmt = audio.format_for(target, format)
        if not target.parent.is_dir():
            raise UsageError(f"output folder {target.parent} does not exist; create it first")
        chunks = self.stream(
            text, voice, speed, lang, phonemes=phonemes, fast_start=False, **options
        )
        sink = audio.FileSink(target, fmt)
        try:
            for chunk in chunks:
                sink.write(chunk.audio)
            sink.commit()
        except BaseException:
            with suppress(Exception):
                sink.abort()
            raise
        return target

    def phonemize(self, text: str, lang: str = "en-us") -> str:
        """The phonemes Kokoro would speak for `text` (normalized, markup applied).

        Needs no model. Chunks are joined with spaces.

        Example:
            >>> tts.phonemize("Dr. Smith paid $5.", lang="en-us")
            'dˈɑktəɹ smˈɪθ pˈAd fˈIv dˈɑləɹz.'
        """
        from kokoro_cli import text as front_end

        return front_end.phonemize(_check_text(text, "the text"), front_end.check_lang(lang))

    # ------------------------------------------------------------ voices

    def voices(self, lang: str | None = None, gender: str | None = None) -> list[VoiceInfo]:
        """The voices usable by name, each with name, lang, gender, source and path.

        `lang` keeps one language ("en-gb"); `gender` keeps "female" or "male" ("f"/"m").
        Bundled voices come first, then your own and mixed ones. Needs no model.

        Example:
            >>> [v.name for v in tts.voices(lang="en-gb", gender="male")][:2]
            ['bm_daniel', 'bm_fable']
        """
        from kokoro_cli.model import voices

        found = voices.list_voices()
        if lang:
            from kokoro_cli.text import check_lang  # light: no espeak, no torch

            code = check_lang(lang)
            found = [v for v in found if v.lang == code]
        if gender:
            g = gender.lower()[:1]
            if g not in ("f", "m"):
                raise UsageError(f"unknown gender '{gender}'; use female or male")
            found = [v for v in found if v.gender.startswith(g)]
        return found

    def mix(self, voices: VoiceWeights, name: str, *, force: bool = False) -> VoiceInfo:
        """Blend voices into a new voice `name`, saved like `kokoro mix`, and return it.

        `voices`: {name: weight}, (name, weight) pairs, names (an equal blend: the exact
        element-wise mean), or a blend as --voice takes it ("af_bella:0.6,af_sarah:0.4"). Weights are normalized. The new voice is then usable by name
        anywhere (voice="af"). `force` replaces an existing voice of yours.

        Example:
            >>> tts.mix({"af_bella": 0.5, "af_sarah": 0.5}, name="af")
            VoiceInfo(name='af', lang='en-us', gender='female', source='mixed', path=...)
        """
        from kokoro_cli.model import voices as packs

        names, weights = _split_weights(voices)
        packs.create_mixed_voice(name, names, weights, force=force)
        return packs.find_voice(name)

    # ------------------------------------------------------------ helpers

    def check(
        self,
        voice: str = DEFAULT_VOICE,
        speed: float = 1.0,
        lang: str | None = None,
        *,
        phonemes: bool = False,
        fast_start: bool = True,
        **options: Any,
    ) -> SynthesisConfig:
        """Check synthesis arguments without loading anything heavy; return them resolved.

        Raises UsageError naming the bad value (unknown voice or language, speed out of range,
        an option SynthesisConfig does not have). The voice's language fills in a missing
        `lang`. Voice files are read later, by stream().

        Example:
            >>> tts.check(voice="ef_dora").lang
            'es'
        """
        from kokoro_cli.pipeline import SynthesisConfig, check_pauses, check_speed, resolve_lang

        extra = {f.name for f in fields(SynthesisConfig)} - {*_OWN_ARGUMENTS}
        for name in options:
            if name not in extra:
                known = ", ".join(sorted(extra)) or "none"
                raise UsageError(f"unknown option {name!r}; the options are: {known}")
        if not isinstance(voice, str):
            raise UsageError(f"voice {voice!r} is not a name; give e.g. voice='af_heart'")
        if isinstance(speed, bool) or not isinstance(speed, (int, float)):
            raise UsageError(f"speed {speed!r} is not a number; give e.g. speed=1.0")
        check_speed(float(speed))
        config = SynthesisConfig(
            voice=voice, speed=float(speed), lang=lang, raw_phonemes=phonemes,
            fast_start=fast_start, **options,
        )  # fmt: skip
        check_pauses(config)
        return replace(config, lang=resolve_lang(config))

    def _config(
        self, text: str, voice: str, speed: float, lang: str | None, raw: bool, fast_start: bool,
        options: dict[str, Any],
    ) -> SynthesisConfig:  # fmt: skip
        """Check every argument before anything slow happens (fail fast), voicepack included."""
        from kokoro_cli.model import voices

        _check_text(text, "the text")
        config = self.check(voice, speed, lang, phonemes=raw, fast_start=fast_start, **options)
        voices.load_voice(voice)  # a broken voice file fails before the slow model load
        return config


class _Stopped(Exception):
    """The async consumer of stream_text() stopped early: its synthesis ends too."""


def _close_after(step: Any, chunks: Iterator[Any]) -> None:
    if not step.cancelled():
        step.exception()  # retrieved: nobody awaits it any more
    chunks.close()  # type: ignore[attr-defined]


def options_of(config: SynthesisConfig) -> dict[str, Any]:
    """The fields of `config` that the methods take as keyword `options` (lexicon, pauses...)."""
    return {f.name: getattr(config, f.name) for f in fields(config) if f.name not in _OWN_ARGUMENTS}


def _check_text(text: object, where: str) -> str:
    from kokoro_cli.inputs import check_not_empty

    if not isinstance(text, str):
        raise UsageError(f"{where} must be a str, not {type(text).__name__}")
    return check_not_empty(text, where)


def _split_weights(spec: VoiceWeights) -> tuple[list[str], list[float] | None]:
    """{name: weight} / [(name, weight)] / [name] -> names and weights (None: equal)."""
    if isinstance(spec, str):
        from kokoro_cli.model.voices import parse_blend

        return parse_blend(spec)
    if not isinstance(spec, (Mapping, Sequence)):
        raise UsageError(f"voices {spec!r}: give names, (name, weight) pairs, or {{name: weight}}")
    rows = list(spec.items()) if isinstance(spec, Mapping) else list(spec)
    if all(isinstance(r, str) for r in rows):
        return [str(r) for r in rows], None
    if not all(isinstance(r, tuple) and len(r) == 2 and isinstance(r[0], str) for r in rows):
        raise UsageError(f"voices {spec!r}: give names, (name, weight) pairs, or {{name: weight}}")
    names, weights = [], []
    for voice, weight in rows:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise UsageError(f"weight {weight!r} of voice '{voice}' is not a number")
        names.append(voice)
        weights.append(float(weight))
    return names, weights


def _warm_front_end(lang: str | None) -> threading.Thread | None:
    """Start espeak and the normalizer for `lang` in the background (while the model loads)."""
    if lang is None:
        return None
    from kokoro_cli import text as front_end

    def warm() -> None:
        with suppress(Exception):  # a real problem resurfaces, with its message, in synthesis
            front_end.warm_up(lang)

    thread = threading.Thread(target=warm, name="kokoro-warm-up", daemon=True)
    thread.start()
    return thread
