"""`kokoro serve --wyoming tcp://HOST:PORT`: the Wyoming protocol (Home Assistant) on the engine
and job slots that the HTTP listeners use.

Each connection has a reader and a worker. The reader takes events off the wire (the `wyoming`
package's framing, with limits on their size) and hands them to the worker in order, except the
text of an open stream, which goes straight to that stream: its audio is being sent meanwhile.
The worker answers one request at a time: Describe -> Info, Synthesize -> AudioStart,
AudioChunk (100 ms each, sent as synthesized), AudioStop, and a stream (SynthesizeStart, its
chunks, SynthesizeStop) -> each sentence's audio as soon as the sentence is complete, then
SynthesizeStopped. A request that cannot be served gets an Error event and the connection
stays open; broken framing gets an Error event and the connection is closed (its next bytes
cannot be trusted). A client that goes away stops its
work at the next chunk and frees its slot. On SIGTERM (`drain()`), the listener closes, idle
connections close, and busy ones finish their request first.
"""

from __future__ import annotations

import asyncio
import sys
from functools import partial
from typing import Any

import anyio
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_read_event
from wyoming.info import Describe
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler, AsyncServer
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

from kokoro_cli.audio.sinks import to_pcm16
from kokoro_cli.errors import KokoroError, UsageError
from kokoro_cli.model.config import SAMPLE_RATE
from kokoro_cli.serve import wyoming_mdns
from kokoro_cli.serve.server import MAX_BODY, SpeechRequest
from kokoro_cli.serve.wyoming_info import Refused, describe, speech_request, voice_of

DEFAULT_PORT = 10200  # wyoming-piper's: Home Assistant users know it
LINE_LIMIT = 64 * 1024  # bytes of an event's JSON header line (asyncio's own default limit)
MAX_DATA = MAX_BODY  # bytes of an event's data or payload: as much text as one HTTP request
STREAM_TEXT = 16 * MAX_DATA  # characters of one stream's text (an LLM's answer: a few KB)
QUEUED = 16  # requests a client may send ahead of their answers before we stop reading
CHUNK_SAMPLES = SAMPLE_RATE // 10  # 100 ms of audio per AudioChunk
WIDTH, CHANNELS = 2, 1  # 16-bit mono
TAKES = "describe, synthesize, synthesize-start, synthesize-chunk, synthesize-stop and ping"


def parse_uri(uri: str) -> tuple[str, int]:
    """(host, port) of `--wyoming tcp://HOST:PORT`; no host: 127.0.0.1, no port: 10200."""
    from urllib.parse import urlsplit

    hint = "e.g. tcp://127.0.0.1:10200 (this machine) or tcp://0.0.0.0:10200 (the network)"
    parts = urlsplit(uri.strip())
    if parts.scheme != "tcp" or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise UsageError(f"--wyoming '{uri}' is not tcp://HOST:PORT; {hint}")
    try:
        port = DEFAULT_PORT if parts.port is None else parts.port
    except ValueError:
        raise UsageError(f"--wyoming '{uri}' has no valid port (0-65535); {hint}") from None
    return parts.hostname or "127.0.0.1", port


class Broken(Exception):
    """A request failed after some of its audio went out: the connection is closed."""


class _Limited:
    """The connection's reader as async_read_event sees it, refusing oversized events before
    their bytes are read; `trouble` says what was wrong when it returns None early."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self.trouble: str | None = None
        self.line = b""

    async def readline(self) -> bytes:
        try:
            self.line = await self._reader.readline()
        except ValueError:  # asyncio's limit: no newline within LINE_LIMIT bytes
            self.trouble = f"an event's header line is over {LINE_LIMIT // 1024} KiB"
            raise
        return self.line

    async def readexactly(self, n: Any) -> bytes:
        if not isinstance(n, int) or n > MAX_DATA:
            self.trouble = (
                f"an event's data or payload of {n!r} bytes is refused (over "
                f"{MAX_DATA // 1024} KiB); send long text as several events"
            )
            raise ValueError(self.trouble)
        return await self._reader.readexactly(n)

    def feed_eof(self) -> None:
        self._reader.feed_eof()


class Connection(AsyncEventHandler):
    """One client: a reader (handle_event) and a worker answering its requests in order."""

    def __init__(self, service: WyomingService, reader: Any, writer: Any) -> None:
        self.limited = _Limited(reader)
        super().__init__(self.limited, writer)  # type: ignore[arg-type]
        self.service = service
        self.inbox: asyncio.Queue[Any] = asyncio.Queue(QUEUED)  # full: stop reading the client
        self.stream: TextStream | None = None  # the stream whose text is still coming in
        self.samples = 0  # audio sent in the current answer, for chunk timestamps
        self.spoken = 0  # chunks of speech synthesized for the current answer (pauses not counted)
        self.busy = False  # a request is being answered (or its stream's text awaited)
        self._finishing: asyncio.Future[None] | None = None

    async def run(self) -> None:
        worker = asyncio.ensure_future(self._work())
        reader = asyncio.ensure_future(self._read())
        try:
            await asyncio.wait({worker, reader}, return_when=asyncio.FIRST_COMPLETED)
            if reader.done() and self.busy:
                log(
                    f"kokoro: a Wyoming client went away; stopped after {self.spoken} spoken chunks"
                )
            (worker if reader.done() else reader).cancel()  # the client left, or we are done
            results = await asyncio.gather(reader, worker, return_exceptions=True)
            for result in results:
                if isinstance(result, Exception) and not isinstance(
                    result, (ConnectionError, Broken)
                ):
                    log(f"kokoro: a Wyoming connection failed: {type(result).__name__}: {result}")
        finally:
            if self.stream is not None:
                self.stream.end()
            self.writer.close()

    def finish(self) -> None:
        """Close once the requests already received are answered (the server is draining)."""
        self._finishing = asyncio.ensure_future(self.inbox.put(None))

    # ------------------------------------------------------------ reading

    async def _read(self) -> None:
        while True:
            try:
                event = await async_read_event(self.reader)
            except (KeyError, TypeError, AttributeError):  # JSON, but not an event's shape
                self.limited.trouble = 'an event is not a JSON object with a "type"'
                event = None
            except (asyncio.IncompleteReadError, ConnectionError):
                return  # the client went away mid-event
            if event is None:
                trouble = self.limited.trouble
                if trouble is None and self.limited.line.strip():
                    trouble = "an event is not valid JSON"
                if trouble is not None:  # the framing is lost: say why, then hang up
                    log(f"kokoro: Wyoming client refused: {trouble}")
                    await self._error(f"{trouble}; closing the connection", "bad-event")
                return
            await self.handle_event(event)

    async def handle_event(self, event: Event) -> bool:
        kind, data = event.type, event.data if isinstance(event.data, dict) else {}
        if self.stream is not None:
            if SynthesizeChunk.is_type(kind):
                self.stream.feed(data.get("text"))
                return True
            if Synthesize.is_type(kind):
                return True  # the whole text again, for servers that cannot stream: ignored
            if SynthesizeStop.is_type(kind):
                self.stream.end()
                self.stream = None
                return True
            if SynthesizeStart.is_type(kind):
                await self.inbox.put(Refused("a stream is open; send synthesize-stop first"))
                return True
        if SynthesizeStart.is_type(kind):
            self.stream = TextStream(data.get("voice"))
            await self.inbox.put(self.stream)
        else:
            await self.inbox.put(event)
        return True

    # ------------------------------------------------------------ answering

    async def _work(self) -> None:
        while (item := await self.inbox.get()) is not None:
            self.busy, self.spoken = True, 0
            if isinstance(item, TextStream):
                await self._speak_stream(item)
            elif isinstance(item, Refused):
                await self._error(str(item), item.code)
            else:
                await self._answer(item)
            self.busy = False
            if self.service.draining and self.stream is None and self.inbox.empty():
                return

    async def _answer(self, event: Event) -> None:
        kind, data = event.type, event.data if isinstance(event.data, dict) else {}
        if Describe.is_type(kind):
            await self.write_event(describe().event())
        elif Ping.is_type(kind):
            await self.write_event(Pong(text=data.get("text")).event())
        elif Synthesize.is_type(kind):
            try:
                voice = voice_of(data.get("voice"))
                req = speech_request(data.get("text"), voice, data.get("text_format"))
            except Refused as exc:
                await self._error(str(exc), exc.code)
                return
            await self._speak(req)
        elif SynthesizeChunk.is_type(kind) or SynthesizeStop.is_type(kind):
            await self._error(f"{kind} outside a stream; send synthesize-start first", "no-stream")
        else:
            await self._error(f"unknown event type {kind!r}; this server takes {TAKES}", "unknown")

    async def _speak(self, req: SpeechRequest) -> None:
        """Synthesize: AudioStart, the audio in 100 ms AudioChunks as it is made, AudioStop."""
        state = self.service.state
        await state.slots.acquire()
        chunks = None
        step: asyncio.Future[Any] | None = None  # the model call in a worker thread
        first = True  # no audio sent yet
        try:
            start = partial(state.engine.synthesize, req.text, req.config)
            chunks = await anyio.to_thread.run_sync(start)
            self.samples = 0
            loop = asyncio.get_running_loop()
            while True:
                step = loop.run_in_executor(None, next, chunks, None)
                # shielded: a client that hangs up cancels this task, not the model call
                chunk = await asyncio.shield(step)
                if chunk is None:
                    break
                if first:  # after the first chunk: a voice that fails to load is an Error
                    await self.write_event(AudioStart(SAMPLE_RATE, WIDTH, CHANNELS).event())
                    first = False
                self.spoken += bool(chunk.text.strip())
                await self.send_audio(chunk.audio)
            if first:
                await self.write_event(AudioStart(SAMPLE_RATE, WIDTH, CHANNELS).event())
            await self.write_event(AudioStop(timestamp=self._ms()).event())
        except (ConnectionError, asyncio.CancelledError):
            raise  # the client went away: nobody to tell
        except Exception as exc:  # bad input found late, a broken voicepack, a bug
            await self._failed(exc, midway=not first)
        finally:
            if step is not None and not step.done():
                # a model call still runs in its thread (the generator is executing): close
                # the generator and free the slot once it returns, not before
                step.add_done_callback(partial(_finish, chunks, state.slots))
            else:
                _finish(chunks, state.slots)

    async def _speak_stream(self, stream: TextStream) -> None:
        """A stream's audio, each sentence spoken as soon as its end is certain (text/live.py,
        through serve/session.py's live session, which takes a job slot per model call), then
        SynthesizeStopped once the client's SynthesizeStop has come and all is spoken."""
        from kokoro_cli.serve.session import Session

        try:
            if stream.error is not None:
                raise Refused(stream.error)
            req = speech_request("-", stream.voice)  # voice and language, checked before text
        except Refused as exc:
            await self._error(str(exc), exc.code)
            await stream.text()  # the stream's text, not spoken
            await self.write_event(SynthesizeStopped().event())
            return
        session = Session(self.service.state, req)
        session.start()
        feeding = asyncio.ensure_future(_feed(stream, session))
        try:
            self.samples = 0
            started = False
            while True:
                kind, value = await session.next()
                if kind == "chunk":
                    if not started:
                        await self.write_event(AudioStart(SAMPLE_RATE, WIDTH, CHANNELS).event())
                        started = True
                    self.spoken += bool(value.text.strip())
                    await self.send_audio(value.audio)
                    continue
                if kind == "error":
                    await self._failed(value, midway=started)
                break
            if started:
                await self.write_event(AudioStop(timestamp=self._ms()).event())
            await feeding  # after a failure, the rest of the text until the client's stop
        except BaseException:
            feeding.cancel()
            raise
        finally:
            session.stop()
        if stream.error is not None:  # a piece refused mid-stream (the text before it is spoken)
            await self._error(stream.error, "bad-request")
        await self.write_event(SynthesizeStopped().event())

    async def send_audio(self, audio: Any) -> None:
        pcm = to_pcm16(audio)
        step = CHUNK_SAMPLES * WIDTH * CHANNELS
        for at in range(0, len(pcm), step):
            piece = pcm[at : at + step]
            event = AudioChunk(SAMPLE_RATE, WIDTH, CHANNELS, piece, timestamp=self._ms())
            await self.write_event(event.event())
            self.samples += len(piece) // (WIDTH * CHANNELS)

    def _ms(self) -> int:
        return self.samples * 1000 // SAMPLE_RATE

    async def _failed(self, exc: BaseException, midway: bool) -> None:
        """Say why a request failed. Before any audio the connection stays usable; after some,
        it is closed: an answer cut short must not pass for a whole one (Home Assistant keeps
        the audio it got when it sees audio-stop, and reports a lost connection)."""
        message = str(exc) if isinstance(exc, KokoroError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, KokoroError):
            log(f"kokoro: Wyoming request failed: {message}")
        await self._error(f"synthesis failed: {message}", "failed")
        if midway:
            raise Broken(message)

    async def _error(self, message: str, code: str) -> None:
        await self.write_event(Error(text=message, code=code).event())


async def _feed(stream: TextStream, session: Any) -> None:
    """A stream's text pieces into its live session as they come; its end when the stream's
    SynthesizeStop comes (a piece the session refuses ends the text there)."""
    from kokoro_cli.serve.session import Refused as Unusable

    ended = False
    while (piece := await stream.pieces.get()) is not None:
        if ended or session.stopped.is_set():
            continue
        try:
            session.take({"text": piece})
        except Unusable as exc:
            stream.error = stream.error or str(exc)
            session.take({"end": True})
            ended = True
    if not ended and not session.stopped.is_set():
        session.take({"end": True})


class TextStream:
    """The text of one SynthesizeStart..SynthesizeStop stream, as it arrives."""

    def __init__(self, voice: Any) -> None:
        self.error: str | None = None
        self.voice: SynthesizeVoice | None = None
        try:
            self.voice = voice_of(voice)
        except Refused as exc:
            self.error = str(exc)
        self.pieces: asyncio.Queue[str | None] = asyncio.Queue()
        self.size = 0

    def feed(self, text: Any) -> None:
        if not isinstance(text, str):
            self.error = self.error or "a synthesize-chunk's 'text' must be a string"
            return
        self.size += len(text)
        if self.size > STREAM_TEXT:
            self.error = self.error or (
                f"a stream's text is over {STREAM_TEXT // 2**20} Mi characters; "
                "send long text as several streams"
            )
            return
        self.pieces.put_nowait(text)

    def end(self) -> None:
        self.pieces.put_nowait(None)

    async def text(self) -> str:
        parts = []
        while (piece := await self.pieces.get()) is not None:
            parts.append(piece)
        return "".join(parts)


class WyomingService(AsyncServer):
    """The Wyoming listener: connections on a bound socket, served on the HTTP app's engine
    and job slots (`state`: the Starlette app.state of server.create_app)."""

    def __init__(self, state: Any, sock: Any, announce: str | None = None) -> None:
        super().__init__()
        self.state, self.sock, self.announce = state, sock, announce
        self.draining = False
        self._server: asyncio.Server | None = None
        self._zeroconf: Any = None

    async def start(self, handler_factory: Any = None) -> None:
        factory = handler_factory or partial(Connection, self)
        self._server = await asyncio.start_server(
            partial(self._handler_callback, factory), sock=self.sock, limit=LINE_LIMIT
        )
        if self.announce:
            host, port = self.sock.getsockname()[:2]
            self._zeroconf = await wyoming_mdns.register(self.announce, host, port)

    async def run(self, handler_factory: Any = None) -> None:
        await self.start(handler_factory)
        assert self._server is not None
        await self._server.serve_forever()

    async def drain(self) -> None:
        """Stop listening; close idle connections; let busy ones finish, then close them."""
        self.draining = True
        if self._server is not None:
            self._server.close()
        if self._zeroconf is not None:
            await wyoming_mdns.unregister(*self._zeroconf)
            self._zeroconf = None
        for handler in list(self._handlers.values()):
            if isinstance(handler, Connection):
                handler.finish()
        if self._handlers:
            await asyncio.wait(list(self._handlers))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _finish(chunks: Any, slots: Any, step: asyncio.Future[Any] | None = None) -> None:
    """Close a request's chunks (the front end's prefetch thread stops too), then free its slot."""
    if step is not None and not step.cancelled():
        step.exception()  # retrieved: nobody awaits it any more
    try:
        if chunks is not None:
            chunks.close()
    finally:
        slots.release()
