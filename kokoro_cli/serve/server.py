"""`kokoro serve`: the model loaded once, speech over HTTP (OpenAI's API and our own frames).

Routes: POST /v1/audio/speech (OpenAI-compatible, streamed as chunks are synthesized),
GET /v1/models, GET /v1/audio/voices, GET /health. Starlette on uvicorn: a small, well-kept ASGI
stack without FastAPI's pydantic layer, which eight fields do not need.

Synthesis runs in worker threads, at most `jobs` requests at once (the others wait their turn in
order); each step synthesizes and encodes one chunk, so a client that goes away frees its slot
at the next chunk boundary. Bad input gets a 4xx answer {"error": {"message", "type", "param"}}
with the same message `kokoro say` prints for the same mistake.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from kokoro_cli.audio.encoders import MEDIA_TYPES, FileEncoder, open_encoder
from kokoro_cli.errors import KokoroError, UsageError, VoiceError
from kokoro_cli.model.config import SAMPLE_RATE
from kokoro_cli.pipeline import AudioChunk, SynthesisConfig
from kokoro_cli.serve import client

MAX_BODY = 1024 * 1024  # bytes of JSON: about a novel chapter of text per request
FILE_BLOCK = 256 * 1024  # bytes per read when sending a finished x-kokoro-file
DRAIN_LIMIT = 64 * 1024 * 1024  # read (and drop) an oversized body up to this, to answer 413
MODELS = ("kokoro", "tts-1", "tts-1-hd", "gpt-4o-mini-tts")  # OpenAI's names all mean Kokoro
FORMATS = (*MEDIA_TYPES, client.FRAMES, client.FILE)


class ApiError(Exception):
    """A request the server refuses: HTTP status, message and the offending field."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param = status, message, param


def error_response(status: int, message: str, param: str | None = None) -> JSONResponse:
    kind = "invalid_request_error" if status < 500 else "server_error"
    body = {"error": {"message": message, "type": kind, "param": param, "code": None}}
    return JSONResponse(body, status_code=status)


# ---------------------------------------------------------------- the engine


class Engine:
    """The loaded Kokoro (kokoro_cli.api) behind one call, shared by `jobs` worker threads."""

    def __init__(self, tts: Any, jobs: int) -> None:
        if jobs > 1:  # short chunks side by side on fewer threads each, as in `kokoro batch`
            import torch

            from kokoro_cli.model.shared import TOKENS_AT_ONCE, SharedModel

            threads = torch.get_num_threads()
            shared = SharedModel(tts.engine, TOKENS_AT_ONCE, threads, max(1, threads // jobs))
            tts = tts._using(shared)
        self.tts = tts

    def synthesize(self, text: str, config: SynthesisConfig) -> Iterator[AudioChunk]:
        """Checks the request (voicepack read) and starts it; call it in a worker thread."""
        return self.tts.stream(
            text, config.voice, config.speed, config.lang, phonemes=config.raw_phonemes,
            fast_start=config.fast_start, lexicon=config.lexicon, lead_in=config.lead_in,
            tail=config.tail, pitch=config.pitch, volume_db=config.volume_db, ssml=config.ssml,
        )  # fmt: skip


@dataclass
class Slots:
    """At most `jobs` requests synthesize at once; the others queue in arrival order."""

    jobs: int
    active: int = 0
    queued: int = 0

    def __post_init__(self) -> None:
        self._sem = asyncio.Semaphore(self.jobs)

    async def acquire(self) -> None:
        self.queued += 1
        try:
            await self._sem.acquire()
        finally:
            self.queued -= 1
        self.active += 1

    def release(self) -> None:
        self.active -= 1
        self._sem.release()

    async def acquire_for(self, request: Request) -> bool:
        """Wait for a slot while watching the client: False (and no slot) if it hangs up first."""
        got = gone = False

        async def watch() -> None:
            nonlocal gone
            while (await request.receive())["type"] != "http.disconnect":
                pass  # the body was read already: nothing else can come but the disconnect
            gone = True
            group.cancel_scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(watch)
            await self.acquire()
            got = True
            group.cancel_scope.cancel()
        if got and gone:
            self.release()
        return got and not gone


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    config: SynthesisConfig
    fmt: str
    timings: bool = False  # one JSON answer: the whole audio (base64) and its sentence cues
    file: Any = None  # x-kokoro-file: the audio.Format of the file `say -o` would write


def _field(payload: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any) -> Any:
    value = payload.get(name, default)
    if value is None:
        return default
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        what = {str: "a string", bool: "true or false"}.get(kind, "a number")  # type: ignore[call-overload]
        raise ApiError(400, f"'{name}' must be {what}", name)
    return value


def parse_speech(payload: Any) -> SpeechRequest:
    """Validate an /v1/audio/speech body; raises ApiError naming the field at fault."""
    from kokoro_cli import text as front_end
    from kokoro_cli.pipeline import check_pitch, check_speed, resolve_lang

    if not isinstance(payload, dict):
        raise ApiError(400, 'the body must be a JSON object, e.g. {"input": "Hello."}')
    model = _field(payload, "model", str, "kokoro")
    if model not in MODELS:
        raise ApiError(400, f"model '{model}' is not served here; use {', '.join(MODELS)}", "model")
    text = _field(payload, "input", str, None)
    if text is None:
        raise ApiError(400, "'input' is missing; give the text to speak", "input")
    if not text.strip():
        raise ApiError(400, "input is empty; there is nothing to speak", "input")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from "\ud800" escapes
        raise ApiError(400, "input is not valid Unicode text (lone surrogates)", "input") from None
    voice = payload.get("voice")
    if isinstance(voice, dict):  # newer OpenAI clients may send {"id": "..."}
        voice = voice.get("id")
    voice = _field({"voice": voice}, "voice", str, "af_heart")
    speed = float(_field(payload, "speed", (int, float), 1.0))
    pitch = _field(payload, "pitch", (int, float), 0.0)  # semitones (our extension, issue 25)
    fmt = _field(payload, "response_format", str, "mp3")
    if fmt not in FORMATS:
        raise ApiError(
            400,
            f"response_format '{fmt}' is not one of {', '.join(MEDIA_TYPES)}",
            "response_format",
        )
    if _field(payload, "stream_format", str, "audio") != "audio":
        raise ApiError(400, "only stream_format 'audio' is supported", "stream_format")
    lang = _field(payload, "lang", str, None)
    phonemes = _field(payload, "phonemes", bool, False)
    fast_start = _field(payload, "fast_start", bool, True)
    timings = _field(payload, "timings", bool, False)
    lexicon = _lexicon(_field(payload, "lexicon", str, None))
    edges = _margins(payload)
    ssml = _field(payload, "ssml", bool, None)  # None: SSML when the input starts with <speak>
    if timings and fmt == client.FRAMES:
        raise ApiError(400, "timings come with the standard formats, not x-kokoro", "timings")
    try:
        check_speed(speed)
    except UsageError as exc:
        raise ApiError(400, str(exc), "speed") from None
    try:
        pitch = check_pitch(pitch)
    except UsageError as exc:
        raise ApiError(400, str(exc), "pitch") from None
    try:
        if lang:
            front_end.check_lang(lang)
        config = SynthesisConfig(voice, speed, lang, phonemes, fast_start)
        lang = resolve_lang(config)
    except VoiceError as exc:
        raise ApiError(400, str(exc), "voice") from None
    except UsageError as exc:
        raise ApiError(400, str(exc), "lang") from None
    config = SynthesisConfig(
        voice, speed, lang, phonemes, fast_start, lexicon=lexicon, pitch=pitch, ssml=ssml,
        **edges,
    )  # fmt: skip
    return SpeechRequest(text, config, fmt, timings, _file_format(payload, fmt))


def _margins(payload: dict[str, Any]) -> dict[str, float]:
    """lead_in and tail in seconds (as `kokoro say --lead-in/--tail` sets them), or
    "trim": true for none; the CLI's defaults otherwise: every answer has its margins."""
    from kokoro_cli import pauses
    from kokoro_cli.pipeline import check_pauses

    trim = _field(payload, "trim", bool, False)
    edges = {}
    for name, default in (("lead_in", pauses.LEAD_IN), ("tail", pauses.TAIL)):
        edges[name] = float(_field(payload, name, (int, float), 0.0 if trim else default))
        try:
            check_pauses(SynthesisConfig(**{name: edges[name]}))
        except UsageError as exc:
            raise ApiError(400, str(exc), name) from None
    return edges


def _file_format(payload: dict[str, Any], fmt: str) -> Any:
    """For x-kokoro-file: the format of `say -o OUTPUT [--format F]`, with say's own errors."""
    if fmt != client.FILE:
        return None
    from pathlib import Path

    from kokoro_cli.audio.sinks import format_for

    output = _field(payload, "output", str, None)
    if not output:
        raise ApiError(400, "'output' is missing; give the file name to write", "output")
    try:
        return format_for(Path(output), _field(payload, "format", str, None))
    except UsageError as exc:
        raise ApiError(400, str(exc), "output") from None


def _lexicon(extra: str | None) -> Any:
    """The server's own lexicon (its user file, $KOKORO_LEXICON) plus the request's entries,
    given as the text of a lexicon file; fresh per request, so each tracks its own use."""
    from kokoro_cli.text import lexicon as lexicons

    try:
        base = lexicons.load()
        entries = list(base.entries) if base else []
        if extra:
            entries += lexicons.parse(extra, "lexicon")
    except UsageError as exc:
        raise ApiError(400, str(exc), "lexicon") from None
    return lexicons.Lexicon(entries) if entries else None


async def read_body(request: Request) -> bytes:
    """The body, up to MAX_BODY; a bigger one is read and dropped (to DRAIN_LIMIT), then 413."""
    declared = request.headers.get("content-length", "")
    too_big = ApiError(413, f"the body is over {MAX_BODY // 1024} KiB; send shorter input")
    if declared.isdigit() and int(declared) > DRAIN_LIMIT:
        raise too_big
    body, seen = bytearray(), 0
    async for part in request.stream():
        seen += len(part)
        if seen <= MAX_BODY:
            body += part
        elif seen > DRAIN_LIMIT:
            break
    if seen > MAX_BODY:
        raise too_big
    return bytes(body)


# ---------------------------------------------------------------- streaming


class _Stream(StreamingResponse):
    """Closes its body iterator however the response ends, so the job slot is always freed."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.body_iterator.aclose()  # type: ignore[attr-defined]


class _Job:
    """One request's synthesis: a chunk iterator and its encoder, stepped in a worker thread."""

    def __init__(self, start: Callable[[], Iterator[AudioChunk]], req: SpeechRequest) -> None:
        self._start, self.frames = start, req.fmt == client.FRAMES
        self.chunks: Iterator[AudioChunk] | None = None
        self.encoder: Any = None
        if req.file is not None:
            self.encoder = FileEncoder(req.file)
        elif not self.frames:
            self.encoder = open_encoder(req.fmt)
        self.spoken = 0  # chunks of speech synthesized so far (pauses not counted)
        self.cues: list[dict[str, Any]] = []

    def step(self) -> tuple[bytes, bool]:
        """Synthesize and encode the next chunk: (bytes to send, whether this was the end)."""
        if self.chunks is None:  # the first step: voicepack, checks (errors become a 4xx)
            self.chunks = self._start()
        chunk = next(self.chunks, None)
        if chunk is None:
            return (b"" if self.encoder is None else self.encoder.finish()), True
        if chunk.text.strip():
            self.spoken += 1
            # from the first word's start to the last one's end: the speech, not its edges
            start, end = chunk.start, chunk.start + chunk.duration
            if chunk.words:
                start, end = chunk.words[0].start, chunk.words[-1].end
            start, end = round(start, 3), round(end, 3)
            self.cues.append({"start": start, "end": end, "text": chunk.text.strip()})
        if self.encoder is None:
            header = {"text": chunk.text, "phonemes": chunk.phonemes, "start": chunk.start}
            return client.encode_frame(header, chunk.audio), False
        return self.encoder.write(chunk.audio), False

    def close(self) -> None:
        close = getattr(self.chunks, "close", None)  # None before the first step
        if close is not None:
            close()  # stops the front-end's prefetch thread too
        if self.encoder is not None:
            self.encoder.close()


async def speech(request: Request) -> Response:
    state = request.app.state
    try:
        body = await read_body(request)
        try:
            payload = json.loads(body)  # bytes: UTF-8 (or -16/-32 by BOM) decoding is JSON's own
        except ValueError as exc:  # includes UnicodeDecodeError
            raise ApiError(400, f"the body is not valid JSON ({exc}); send a JSON object") from None
        req = parse_speech(payload)
    except ApiError as exc:
        return error_response(exc.status, exc.message, exc.param)

    if not await state.slots.acquire_for(request):
        _log("kokoro: a client went away while it waited for its turn")
        return Response(status_code=499)  # nobody reads it: the connection is gone
    job: _Job | None = None
    try:
        job = _Job(lambda: state.engine.synthesize(req.text, req.config), req)
        first, done = await anyio.to_thread.run_sync(job.step)  # errors surface before the 200
    except BaseException as exc:
        if job is not None:
            job.close()
        state.slots.release()
        return _failure(exc)
    if req.timings:
        return await _whole(job, first, done, req.fmt, state.slots, request)
    if req.file is not None:
        return await _file(job, done, state.slots, request)

    async def rest() -> AsyncIterator[bytes]:
        nonlocal done
        try:
            if first:
                yield first
            while not done:
                data, done = await anyio.to_thread.run_sync(job.step)
                if data:
                    yield data
        except BaseException as exc:
            if not isinstance(exc, Exception):  # cancelled: the client hung up
                _log(f"kokoro: a client went away; stopped after {job.spoken} spoken chunks")
                raise
            _log(f"kokoro: request failed mid-stream: {type(exc).__name__}: {exc}")
            if not job.frames:
                raise  # the connection breaks off: the client sees an incomplete response
            yield client.encode_frame({"error": {"message": str(exc)}})
        finally:
            job.close()
            state.slots.release()

    media = "application/octet-stream" if job.frames else MEDIA_TYPES[req.fmt]
    headers = {"X-Sample-Rate": str(SAMPLE_RATE)}
    return _Stream(rest(), media_type=media, headers=headers)


def _failure(exc: BaseException) -> Response:
    """The JSON error answer for a failure before any audio went out (others are re-raised)."""
    if isinstance(exc, VoiceError):
        return error_response(400, str(exc), "voice")
    if isinstance(exc, UsageError):
        return error_response(400, str(exc), "input")
    if isinstance(exc, KokoroError):
        return error_response(500, str(exc))
    raise exc


async def _file(job: _Job, done: bool, slots: Slots, request: Request) -> Response:
    """The x-kokoro-file answer: synthesize the whole file, then send it with its length.

    Nothing goes out before the file is complete, so a failure is still an error answer, and
    a client that hangs up meanwhile stops the work at the next chunk.
    """
    try:
        if await _rest(job, done, request) is None:
            job.close()
            return Response(status_code=499)
    except BaseException as exc:
        job.close()
        return _failure(exc)
    finally:
        slots.release()
    path = job.encoder.path

    async def send() -> AsyncIterator[bytes]:
        try:
            with path.open("rb") as data:
                while block := await anyio.to_thread.run_sync(data.read, FILE_BLOCK):
                    yield block
        finally:
            job.close()

    size = str(path.stat().st_size)
    return _Stream(send(), media_type="application/octet-stream", headers={"Content-Length": size})


async def _rest(job: _Job, done: bool, request: Request) -> list[bytes] | None:
    """Step `job` to its end, collecting what it sends; None if the client hung up first.

    For the answers that go out whole: nothing is sent meanwhile, so only a look at the
    connection between chunks notices a client that left (the work then stops there)."""
    parts = []
    while not done:
        if await request.is_disconnected():
            _log(f"kokoro: a client went away; stopped after {job.spoken} spoken chunks")
            return None
        data, done = await anyio.to_thread.run_sync(job.step)
        parts.append(data)
    return parts


async def _whole(
    job: _Job, first: bytes, done: bool, fmt: str, slots: Slots, request: Request
) -> Response:
    """The `timings` answer: all the audio, base64, with a cue per sentence chunk."""
    import base64

    try:
        parts = await _rest(job, done, request)
    finally:
        job.close()
        slots.release()
    if parts is None:
        return Response(status_code=499)  # nobody reads it: the connection is gone
    audio = base64.b64encode(first + b"".join(parts)).decode()
    body = {"response_format": fmt, "sample_rate": SAMPLE_RATE, "audio": audio, "cues": job.cues}
    return JSONResponse(body)


# ---------------------------------------------------------------- the small routes


async def models(request: Request) -> Response:
    rows = [{"id": m, "object": "model", "created": 0, "owned_by": "kokoro-cli"} for m in MODELS]
    return JSONResponse({"object": "list", "data": rows})


async def voices_route(request: Request) -> Response:
    from kokoro_cli.model import voices

    rows = [
        {"id": v.name, "name": v.name, "language": v.lang, "gender": v.gender, "source": v.source}
        for v in voices.list_voices()
    ]
    return JSONResponse({"object": "list", "data": rows, "voices": [r["id"] for r in rows]})


async def health(request: Request) -> Response:
    slots = request.app.state.slots
    return JSONResponse(
        {"status": "ok", "jobs": slots.jobs, "active": slots.active, "queued": slots.queued}
    )


def _guarded(handler: Any, api_key: str | None) -> Any:
    """Require `Authorization: Bearer <api_key>` when a key is set."""
    if not api_key:
        return handler
    expected = f"Bearer {api_key}".encode()

    async def guarded(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return error_response(401, "missing or wrong API key; send Authorization: Bearer KEY")
        return await handler(request)

    return guarded


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}")


def create_app(engine: Engine, jobs: int, api_key: str | None = None) -> Starlette:
    """The ASGI app: routes, JSON errors, and the shared engine and job slots."""
    routes = [
        Route("/v1/audio/speech", _guarded(speech, api_key), methods=["POST"]),
        Route("/v1/models", _guarded(models, api_key), methods=["GET"]),
        Route("/v1/audio/voices", _guarded(voices_route, api_key), methods=["GET"]),
        Route("/health", health, methods=["GET"]),  # open: load balancers and `say` probe it
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.engine = engine
    app.state.slots = Slots(jobs)
    app.state.closing = asyncio.Event()  # set when the server stops: live sessions end (listen.py)
    return app


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
