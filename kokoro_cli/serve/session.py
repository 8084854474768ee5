"""One live-text session on `kokoro serve` (issue 23), whichever door it came in by (live.py).

Text pieces go in from the event loop, audio chunks come out of a worker thread that runs
Kokoro.stream_text. The worker holds a job slot only during each model call, so sessions that
wait for text never keep other requests waiting, and at most --jobs calls run at once. A client
that goes away stops its session at the next chunk or slot.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import queue
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from kokoro_cli.errors import UsageError
from kokoro_cli.inputs import FLUSH
from kokoro_cli.pipeline import AudioChunk
from kokoro_cli.serve import client
from kokoro_cli.serve.server import MAX_BODY, ApiError, SpeechRequest, parse_speech

MAX_MESSAGE = MAX_BODY  # characters of one message: a text piece may be a whole chapter
OUTBOX = 8  # chunks synthesized ahead of a slow client
# WebSocket close codes (RFC 6455): 1007 data that is not what the protocol says (bad JSON),
# 1008 a message or setting the server refuses, 1009 too big, 1011 the server failed.
CLOSE_BAD_DATA, CLOSE_REFUSED, CLOSE_TOO_BIG, CLOSE_FAILED = 1007, 1008, 1009, 1011
HTTP_FORMATS = (client.FRAMES, client.FILE, "pcm", "wav")  # what `say` asks for
MESSAGES = '{"text": "..."}, {"flush": true} or {"end": true}'


class Refused(Exception):
    """A message the session cannot take: the error event's text and the close code."""

    def __init__(self, message: str, code: int = CLOSE_REFUSED) -> None:
        super().__init__(message)
        self.code = code


class Gone(Exception):
    """The client went away."""


def parse_config(payload: dict[str, Any], formats: tuple[str, ...]) -> SpeechRequest:
    """The session's settings, checked as /v1/audio/speech checks its own (one parser)."""
    if "input" in payload:
        raise ApiError(400, "send the text in {\"text\"} messages, not 'input'", "input")
    body = {"response_format": "pcm", **payload, "input": "-"}
    req = parse_speech(body)
    if req.fmt not in formats:
        raise ApiError(
            400, f"response_format '{req.fmt}' is not one of {', '.join(formats)}",
            "response_format",
        )  # fmt: skip
    if req.timings:
        raise ApiError(400, "live sessions send word cues as they go; leave out 'timings'")
    from kokoro_cli.errors import VoiceError
    from kokoro_cli.model import voices

    try:
        voices.load_voice(req.config.voice)  # a broken voicepack is refused before any text
    except VoiceError as exc:
        raise ApiError(400, str(exc), "voice") from None
    return req


def is_config(message: dict[str, Any]) -> bool:
    return not ({"text", "flush", "end"} & message.keys())


def read_message(raw: str | bytes | None) -> dict[str, Any]:
    """One client message as a dict; Refused names what is wrong with it."""
    if raw is None:
        raise Refused("send JSON text messages, not binary ones", CLOSE_BAD_DATA)
    if len(raw) > MAX_MESSAGE:
        raise Refused(
            f"a message is over {MAX_MESSAGE // 1024} KiB; send the text in smaller pieces",
            CLOSE_TOO_BIG,
        )
    try:
        message = json.loads(raw)
    except ValueError as exc:
        raise Refused(
            f"a message is not valid JSON ({exc}); send {MESSAGES}", CLOSE_BAD_DATA
        ) from None
    if not isinstance(message, dict):
        raise Refused(f"a message must be a JSON object: {MESSAGES}")
    return message


class Session:
    """One live request: text in from the event loop, audio chunks out of a worker thread."""

    def __init__(self, state: Any, req: SpeechRequest) -> None:
        self.state, self.req = state, req
        self.loop = asyncio.get_running_loop()
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.outbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(OUTBOX)
        self.stopped = threading.Event()
        self.ended = False
        self.spoken = 0  # chunks of speech sent
        self._waits: set[concurrent.futures.Future[Any]] = set()
        self._thread = threading.Thread(target=self._run, name="kokoro-live", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def take(self, message: dict[str, Any]) -> None:
        """Act on one client message ({"text"}, {"flush"}, {"end"}); Refused if it is wrong."""
        if self.ended:
            raise Refused('a message came after {"end": true}; open a new session')
        if is_config(message):
            raise Refused(f"settings go in the first message only; then send {MESSAGES}")
        text = message.get("text")
        if text is not None:
            if not isinstance(text, str):
                raise Refused("'text' must be a string")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise Refused("'text' is not valid Unicode (lone surrogates)") from None
            self.inbox.put(text)
        if message.get("flush") is True:
            self.inbox.put(FLUSH)
        if message.get("end") is True:
            self.ended = True
            self.inbox.put(None)

    def stop(self) -> None:
        """The client went away or was refused: end the text, cancel what waits."""
        self.stopped.set()
        self.inbox.put(None)
        for wait in list(self._waits):
            wait.cancel()

    async def next(self) -> tuple[str, Any]:
        return await self.outbox.get()

    # ------------------------------------------------ the worker thread

    def _run(self) -> None:
        chunks = None
        try:
            from kokoro_cli.api import options_of

            engine, config = self.state.engine, self.req.config
            tts = engine.tts._using(_Turns(engine.tts.engine, self))
            chunks = tts.stream_text(
                self._pieces(), config.voice, config.speed, config.lang,
                phonemes=config.raw_phonemes, fast_start=config.fast_start, **options_of(config),
            )  # fmt: skip
            for chunk in chunks:
                self._emit("chunk", chunk)
            self._emit("end", None)
        except BaseException as exc:
            if not self.stopped.is_set():
                with suppress(Gone):
                    self._emit("error", exc)
        finally:
            if chunks is not None:
                chunks.close()  # type: ignore[union-attr]

    def _pieces(self) -> Any:
        while (piece := self.inbox.get()) is not None:
            yield piece

    def _wait(self, work: Callable[[], Any]) -> Any:
        """Run a coroutine on the event loop and wait for it; cancelled if the session stops."""
        if self.stopped.is_set():
            raise Gone
        future = asyncio.run_coroutine_threadsafe(work(), self.loop)
        self._waits.add(future)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise Gone from None
        finally:
            self._waits.discard(future)

    def _emit(self, kind: str, value: Any) -> None:
        self._wait(lambda: self.outbox.put((kind, value)))

    def turn(self) -> None:
        """Wait for a job slot (one model call)."""
        self._wait(self.state.slots.acquire)
        if self.stopped.is_set():
            self.release()
            raise Gone

    def release(self) -> None:
        self.loop.call_soon_threadsafe(self.state.slots.release)


class _Turns:
    """The model, each call of it inside a job slot of the server."""

    def __init__(self, model: Any, session: Session) -> None:
        self._model, self._session = model, session

    def speak_timed(self, *args: Any, **kwargs: Any) -> Any:
        self._session.turn()
        try:
            return self._model.speak_timed(*args, **kwargs)
        finally:
            self._session.release()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def cues(chunk: AudioChunk) -> list[str]:
    return [
        json.dumps(
            {
                "type": "cue",
                "start": round(w.start, 3),
                "end": round(w.end, 3),
                "text": w.text,
                "char_start": w.char_start,
                "char_end": w.char_end,
            },  # fmt: skip
            ensure_ascii=False,
        )
        for w in chunk.words
    ]


def error_of(exc: BaseException) -> tuple[str, int]:
    """An error's message and close code, for what failed inside a session."""
    if isinstance(exc, UsageError):
        return str(exc), CLOSE_REFUSED
    from kokoro_cli.errors import KokoroError

    if isinstance(exc, KokoroError):
        return str(exc), CLOSE_FAILED
    return f"{type(exc).__name__}: {exc}", CLOSE_FAILED


def log(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


async def pump(session: Session, receive: Any, send: Callable[[str, Any], Any]) -> None:
    """Run the client's messages into the session and its output back out, until one ends:
    the output (done, or failed), or the input (a refused message, a vanished client)."""
    reader = asyncio.ensure_future(receive)
    getter = asyncio.ensure_future(session.next())
    try:
        while True:
            waits = {getter} if reader.done() else {getter, reader}
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if reader.done() and reader.exception() is not None:
                raise reader.exception()  # type: ignore[misc]
            if getter.done():
                kind, value = getter.result()
                if kind == "chunk" and value.text.strip():
                    session.spoken += 1
                if await send(kind, value):
                    return
                getter = asyncio.ensure_future(session.next())
    finally:
        for task in (reader, getter):
            task.cancel()
