"""Live text on `kokoro serve`: text streams in while the audio streams out (issue 23).

Two doors open onto the same session:
- the WebSocket /v1/audio/speech/live, the public protocol (README, "Live text"): JSON text
  messages in (an optional first {"voice", "speed", "lang", "response_format"}, then
  {"text": ...}, {"flush": true}, {"end": true}); binary audio out, and JSON
  {"type": "cue" | "error" | "done"} messages;
- POST /v1/audio/speech/live with the same messages as an NDJSON body sent chunked, answered
  with x-kokoro frames (client.py): how `kokoro say` streams a pipe with the standard library.

A session synthesizes in its own thread and holds a job slot only during each model call, so
sessions that wait for text never keep other requests waiting, and at most --jobs calls run at
once. A client that goes away stops its session at the next chunk or slot.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import queue
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from kokoro_cli.audio.encoders import MEDIA_TYPES, FileEncoder, open_encoder
from kokoro_cli.errors import UsageError
from kokoro_cli.inputs import FLUSH
from kokoro_cli.model.config import SAMPLE_RATE
from kokoro_cli.pipeline import AudioChunk
from kokoro_cli.serve import client
from kokoro_cli.serve.server import (
    FILE_BLOCK,
    MAX_BODY,
    ApiError,
    SpeechRequest,
    error_response,
    parse_speech,
)

MAX_MESSAGE = MAX_BODY  # characters of one message: a text piece may be a whole chapter
OUTBOX = 8  # chunks synthesized ahead of a slow client
# WebSocket close codes (RFC 6455): 1007 data that is not what the protocol says (bad JSON),
# 1008 a message or setting the server refuses, 1009 too big, 1011 the server failed.
CLOSE_BAD_DATA, CLOSE_REFUSED, CLOSE_TOO_BIG, CLOSE_FAILED = 1007, 1008, 1009, 1011
HTTP_FORMATS = (client.FRAMES, client.FILE, "pcm", "wav")  # what `say` asks for
_MESSAGES = '{"text": "..."}, {"flush": true} or {"end": true}'


class Refused(Exception):
    """A message the session cannot take: the error event's text and the close code."""

    def __init__(self, message: str, code: int = CLOSE_REFUSED) -> None:
        super().__init__(message)
        self.code = code


class _Gone(Exception):
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
            f"a message is not valid JSON ({exc}); send {_MESSAGES}", CLOSE_BAD_DATA
        ) from None
    if not isinstance(message, dict):
        raise Refused(f"a message must be a JSON object: {_MESSAGES}")
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
            raise Refused(f"settings go in the first message only; then send {_MESSAGES}")
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
                with suppress(_Gone):
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
            raise _Gone
        future = asyncio.run_coroutine_threadsafe(work(), self.loop)
        self._waits.add(future)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise _Gone from None
        finally:
            self._waits.discard(future)

    def _emit(self, kind: str, value: Any) -> None:
        self._wait(lambda: self.outbox.put((kind, value)))

    def turn(self) -> None:
        """Wait for a job slot (one model call)."""
        self._wait(self.state.slots.acquire)
        if self.stopped.is_set():
            self.release()
            raise _Gone

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


def _cues(chunk: AudioChunk) -> list[str]:
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


def _error_of(exc: BaseException) -> tuple[str, int]:
    """An error's message and close code, for what failed inside a session."""
    if isinstance(exc, UsageError):
        return str(exc), CLOSE_REFUSED
    from kokoro_cli.errors import KokoroError

    if isinstance(exc, KokoroError):
        return str(exc), CLOSE_FAILED
    return f"{type(exc).__name__}: {exc}", CLOSE_FAILED


def _log(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the WebSocket


def authorized(headers: Any, api_key: str | None) -> bool:
    import hmac

    if not api_key:
        return True
    given = headers.get("authorization", "").encode()
    return hmac.compare_digest(given, f"Bearer {api_key}".encode())


def websocket_route(api_key: str | None) -> Callable[[WebSocket], Any]:
    async def live_socket(ws: WebSocket) -> None:
        if not authorized(ws.headers, api_key):
            await ws.close(code=CLOSE_REFUSED)  # before accept: the handshake gets a 403
            return
        await ws.accept()
        try:
            await _socket_session(ws)
        except (WebSocketDisconnect, _Gone):
            pass

    return live_socket


async def _send_error(ws: WebSocket, message: str, code: int) -> None:
    try:
        await ws.send_text(json.dumps({"type": "error", "message": message}, ensure_ascii=False))
        await ws.close(code=code)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # gone already


async def _socket_session(ws: WebSocket) -> None:
    state = ws.app.state
    first: dict[str, Any] | None = None
    try:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        first = read_message(message.get("text"))
        req = parse_config(first if is_config(first) else {}, tuple(MEDIA_TYPES))
    except Refused as exc:
        return await _send_error(ws, str(exc), exc.code)
    except ApiError as exc:
        return await _send_error(ws, exc.message, CLOSE_REFUSED)
    session = Session(state, req)
    encoder = open_encoder(req.fmt)
    session.start()

    async def receive() -> None:
        if not is_config(first):
            session.take(first)
        while not session.ended:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                raise _Gone
            session.take(read_message(message.get("text")))

    try:
        await _pump(session, receive(), lambda kind, value: _to_socket(ws, encoder, kind, value))
    except Refused as exc:
        await _send_error(ws, str(exc), exc.code)
    except (_Gone, WebSocketDisconnect, OSError, RuntimeError):
        _log(f"kokoro: a live client went away; stopped after {session.spoken} spoken chunks")
    finally:
        session.stop()
        encoder.close()


async def _to_socket(ws: WebSocket, encoder: Any, kind: str, value: Any) -> bool:
    """Send one outbox item; True once the session is over."""
    if kind == "chunk":
        for cue in _cues(value):
            await ws.send_text(cue)
        data = encoder.write(value.audio)
        if data:
            await ws.send_bytes(data)
        return False
    if kind == "end":
        data = encoder.finish()
        if data:
            await ws.send_bytes(data)
        await ws.send_text(json.dumps({"type": "done"}))
        await ws.close(code=1000)
        return True
    message, code = _error_of(value)
    _log(f"kokoro: a live session failed: {message}")
    await _send_error(ws, message, code)
    return True


async def _pump(session: Session, receive: Any, send: Callable[[str, Any], Any]) -> None:
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


# ---------------------------------------------------------------- NDJSON over HTTP (for `say`)


async def _lines(request: Request) -> AsyncIterator[str]:
    """The body's lines as they arrive (a line over MAX_MESSAGE is refused)."""
    held = b""
    async for part in request.stream():
        held += part
        *lines, held = held.split(b"\n")
        if len(held) > 4 * MAX_MESSAGE:
            raise Refused(f"a message is over {MAX_MESSAGE // 1024} KiB", CLOSE_TOO_BIG)
        for line in lines:
            if line.strip():
                yield line.decode("utf-8", errors="surrogateescape")
    if held.strip():
        yield held.decode("utf-8", errors="surrogateescape")


async def http_live(request: Request) -> Response:
    lines = _lines(request)
    try:
        try:
            first = read_message(await lines.__anext__())
        except StopAsyncIteration:
            raise ApiError(400, f"the body is empty; send {_MESSAGES}, one a line") from None
        except (Refused, UnicodeDecodeError) as exc:
            raise ApiError(400, str(exc)) from None
        req = parse_config(first if is_config(first) else {}, HTTP_FORMATS)
    except ApiError as exc:
        return error_response(exc.status, exc.message, exc.param)
    except ClientDisconnect:
        return Response(status_code=499)
    return _LiveAnswer(Session(request.app.state, req), lines, None if is_config(first) else first)


class _LiveAnswer(Response):
    """x-kokoro frames for a live session over HTTP, while its NDJSON body is still read."""

    def __init__(self, session: Session, lines: AsyncIterator[str], first: Any) -> None:
        super().__init__(media_type="application/octet-stream")
        self.session, self.lines, self.first = session, lines, first
        self.encoder: Any = None
        fmt = session.req.fmt
        if session.req.file is not None:
            self.encoder = FileEncoder(session.req.file)
        elif fmt != client.FRAMES:
            self.encoder = open_encoder(fmt)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        session = self.session
        headers = [(b"content-type", b"application/octet-stream")]
        headers.append((b"x-sample-rate", str(SAMPLE_RATE).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        session.start()

        async def body() -> None:
            if self.first is not None:
                session.take(self.first)
            try:
                async for line in self.lines:
                    session.take(read_message(line))
                    if session.ended:
                        return
            except ClientDisconnect:
                raise _Gone from None
            if not session.ended:
                raise Refused(f'the body ended without {{"end": true}}; send {_MESSAGES}')

        async def out(kind: str, value: Any) -> bool:
            return await self._frame(send, kind, value)

        try:
            await _pump(session, body(), out)
        except Refused as exc:
            await self._put(send, client.encode_bytes({"error": _error(str(exc), True)}))
        except (_Gone, OSError, ClientDisconnect):
            _log(f"kokoro: a live client went away; stopped after {session.spoken} spoken chunks")
        finally:
            session.stop()
            if self.encoder is not None:
                self.encoder.close()
        try:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass

    @staticmethod
    async def _put(send: Any, data: bytes) -> None:
        await send({"type": "http.response.body", "body": data, "more_body": True})

    async def _frame(self, send: Any, kind: str, value: Any) -> bool:
        if kind == "error":
            message, code = _error_of(value)
            _log(f"kokoro: a live session failed: {message}")
            error = _error(message, code == CLOSE_REFUSED)
            await self._put(send, client.encode_bytes({"error": error}))
            return True
        if kind == "end":
            if self.encoder is None:
                return True
            data = self.encoder.finish()
            if isinstance(self.encoder, FileEncoder):
                return await self._file(send, self.encoder)
            if data:
                await self._put(send, client.encode_bytes({"text": ""}, data))
            return True
        chunk = value
        header = {"text": chunk.text, "phonemes": chunk.phonemes, "start": chunk.start}
        if self.encoder is None:
            await self._put(send, client.encode_frame(header, chunk.audio))
        else:
            data = self.encoder.write(chunk.audio)
            if data:
                await self._put(send, client.encode_bytes(header, data))
        return False

    async def _file(self, send: Any, encoder: FileEncoder) -> bool:
        """The finished file: one frame header naming its size, then its bytes in blocks."""
        import anyio

        size = encoder.path.stat().st_size
        await self._put(send, client.encode_bytes({"file": True}, b"", size))
        with encoder.path.open("rb") as data:
            while block := await anyio.to_thread.run_sync(data.read, FILE_BLOCK):
                await self._put(send, block)
        return True


def _error(message: str, usage: bool) -> dict[str, str]:
    kind = "invalid_request_error" if usage else "server_error"
    return {"message": message, "type": kind}


def add_routes(app: Any, api_key: str | None) -> None:
    """The live routes on the server's app, behind the same API key as the others."""
    from starlette.routing import Route, WebSocketRoute

    from kokoro_cli.serve.server import _guarded

    app.router.routes.append(
        Route(client.LIVE_PATH, _guarded(http_live, api_key), methods=["POST"])
    )
    app.router.routes.append(WebSocketRoute(client.LIVE_PATH, websocket_route(api_key)))
