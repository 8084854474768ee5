"""Live text on `kokoro serve`: text streams in while the audio streams out (issue 23).

Two doors open onto the same session:
- the WebSocket /v1/audio/speech/live, the public protocol (README, "Live text"): JSON text
  messages in (an optional first {"voice", "speed", "lang", "response_format"}, then
  {"text": ...}, {"flush": true}, {"end": true}); binary audio out, and JSON
  {"type": "cue" | "error" | "done"} messages;
- POST /v1/audio/speech/live with the same messages as an NDJSON body sent chunked, answered
  with x-kokoro frames (client.py): how `kokoro say` streams a pipe with the standard library.

The session itself (text in, chunks out, job slots) is session.py's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from kokoro_cli.audio.encoders import MEDIA_TYPES, FileEncoder, open_encoder
from kokoro_cli.model.config import SAMPLE_RATE
from kokoro_cli.serve import client
from kokoro_cli.serve.server import FILE_BLOCK, ApiError, error_response
from kokoro_cli.serve.session import (
    CLOSE_REFUSED,
    CLOSE_TOO_BIG,
    HTTP_FORMATS,
    MAX_MESSAGE,
    MESSAGES,
    Gone,
    Refused,
    Session,
    cues,
    error_of,
    is_config,
    log,
    parse_config,
    pump,
    read_message,
)

# ---------------------------------------------------------------- the WebSocket


# A browser's WebSocket cannot send an Authorization header; what it can send is the
# subprotocols it offers. `new WebSocket(url, ["kokoro", "kokoro-key." + KEY])` carries the key.
SUBPROTOCOL = "kokoro"
KEY_PROTOCOL = "kokoro-key."


def authorized(headers: Any, api_key: str | None, offered: list[str] | None = None) -> bool:
    """The request's key, from `Authorization: Bearer KEY` or an offered `kokoro-key.KEY`."""
    import hmac

    if not api_key:
        return True
    given = [headers.get("authorization", "").encode()]
    given += [f"Bearer {p[len(KEY_PROTOCOL) :]}".encode() for p in offered or []
              if p.startswith(KEY_PROTOCOL)]  # fmt: skip
    expected = f"Bearer {api_key}".encode()
    return any(hmac.compare_digest(g, expected) for g in given)


def chosen_subprotocol(offered: list[str]) -> str | None:
    """The subprotocol to answer with: a browser that offered some fails the handshake
    unless the server picks one. "kokoro" when offered, else the key's own."""
    if SUBPROTOCOL in offered:
        return SUBPROTOCOL
    return next((p for p in offered if p.startswith(KEY_PROTOCOL)), None)


def websocket_route(api_key: str | None) -> Callable[[WebSocket], Any]:
    async def live_socket(ws: WebSocket) -> None:
        offered = list(ws.scope.get("subprotocols") or [])
        if not authorized(ws.headers, api_key, offered):
            await ws.close(code=CLOSE_REFUSED)  # before accept: the handshake gets a 403
            return
        await ws.accept(subprotocol=chosen_subprotocol(offered))
        try:
            await _socket_session(ws)
        except (WebSocketDisconnect, Gone):
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
                raise Gone
            session.take(read_message(message.get("text")))

    try:
        await pump(session, receive(), lambda kind, value: _to_socket(ws, encoder, kind, value))
    except Refused as exc:
        await _send_error(ws, str(exc), exc.code)
    except (Gone, WebSocketDisconnect, OSError, RuntimeError):
        log(f"kokoro: a live client went away; stopped after {session.spoken} spoken chunks")
    finally:
        session.stop()
        encoder.close()


async def _to_socket(ws: WebSocket, encoder: Any, kind: str, value: Any) -> bool:
    """Send one outbox item; True once the session is over."""
    if kind == "chunk":
        for cue in cues(value):
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
    message, code = error_of(value)
    log(f"kokoro: a live session failed: {message}")
    await _send_error(ws, message, code)
    return True


# ---------------------------------------------------------------- NDJSON over HTTP (for `say`)

SHUTDOWN = (
    "the server stopped mid-stream (it is shutting down): the text it had received was spoken,"
    " the rest was not; run the command again, or add --no-server"
)


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
            raise ApiError(400, f"the body is empty; send {MESSAGES}, one a line") from None
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
        self.cut_short = False  # the server stopped before the client's text ended
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
            closing = asyncio.ensure_future(session.state.closing.wait())
            try:
                while not session.ended:
                    line = asyncio.ensure_future(anext(self.lines, None))
                    await asyncio.wait({line, closing}, return_when=asyncio.FIRST_COMPLETED)
                    if not line.done():  # the server stops: speak what came, read no more
                        line.cancel()
                        self.cut_short = True
                        session.take({"end": True})
                        return
                    if line.result() is None:
                        raise Refused(f'the body ended without {{"end": true}}; send {MESSAGES}')
                    session.take(read_message(line.result()))
            except ClientDisconnect:
                raise Gone from None
            finally:
                closing.cancel()

        async def out(kind: str, value: Any) -> bool:
            return await self._frame(send, kind, value)

        try:
            await pump(session, body(), out)
        except Refused as exc:
            await self._put(send, client.encode_bytes({"error": _error(str(exc), True)}))
        except (Gone, OSError, ClientDisconnect):
            log(f"kokoro: a live client went away; stopped after {session.spoken} spoken chunks")
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
            message, code = error_of(value)
            log(f"kokoro: a live session failed: {message}")
            error = _error(message, code == CLOSE_REFUSED)
            await self._put(send, client.encode_bytes({"error": error}))
            return True
        if kind == "end":
            whole_file = isinstance(self.encoder, FileEncoder)
            if self.encoder is not None and not whole_file:  # a stream's last bytes
                if data := self.encoder.finish():
                    await self._put(send, client.encode_bytes({"text": ""}, data))
            if self.cut_short:  # the server stops: no file of half the text
                log("kokoro: stopping: a live session ended before its text did")
                error = {"message": SHUTDOWN, "type": client.SHUTDOWN_ERROR}
                await self._put(send, client.encode_bytes({"error": error}))
                return True
            if whole_file:
                self.encoder.finish()
                return await self._file(send, self.encoder)
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
