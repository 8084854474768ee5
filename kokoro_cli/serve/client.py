"""Talk to a running `kokoro serve`: where it listens, one speech request, its chunk stream.

This is `kokoro say`'s fast path, so it must stay light: the standard library's http.client over
a Unix socket or TCP, numpy only to decode frames, and never torch (tests check sys.modules).
quick.py sends the commonest one-liners with nothing but this module and the standard library.

Our own response format, "x-kokoro", carries what `say` needs besides the audio (text and
phonemes per chunk, for --show-phonemes and --subtitles), one frame per synthesized chunk:
a 4-byte big-endian header length, a UTF-8 JSON header {"text", "phonemes", "start", "samples"},
then `samples` float32 little-endian samples. The same float samples as in-process synthesis, so
`say` writes the same bytes either way. A server failure mid-stream arrives as a last frame whose
header is {"error": {...}}, so the client can report it instead of keeping a truncated file.

"x-kokoro-file" asks for the whole file `kokoro say -o OUTPUT` would write (the request names
OUTPUT, and --format if given): the server writes it with the same sink and sends it once it is
complete, with its length, or answers with an error instead.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import struct
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from kokoro_cli.errors import KokoroError, UsageError

if TYPE_CHECKING:
    import numpy as np

SERVER_ENV = "KOKORO_SERVER"  # unix:PATH, http://HOST:PORT, or off
API_KEY_ENV = "KOKORO_API_KEY"
SPEECH_PATH = "/v1/audio/speech"
SHUTDOWN_ERROR = "server_shutdown"  # a live answer cut short by the server stopping
LIVE_PATH = "/v1/audio/speech/live"  # text streaming in: NDJSON over HTTP, or a WebSocket
FRAMES = "x-kokoro"  # the response_format of our chunk frames
FILE = "x-kokoro-file"  # the response_format of a whole output file
_HEADER = struct.Struct(">I")
CONNECT_TIMEOUT = 2.0  # seconds; a local server answers a connect at once or not at all
READ_TIMEOUT = 600.0  # a long queue of other requests may come first


def runtime_dir() -> Path:
    """Where the default socket lives: $XDG_RUNTIME_DIR/kokoro-cli, else a private /tmp folder."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base:
        return Path(base) / "kokoro-cli"
    import tempfile

    return Path(tempfile.gettempdir()) / f"kokoro-cli-{os.getuid()}"


def default_socket() -> Path:
    return runtime_dir() / "kokoro.sock"


class Address(NamedTuple):  # not a dataclass: importing dataclasses costs the fast path 5 ms
    """A Unix socket path, or a TCP host and port."""

    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0

    def __str__(self) -> str:
        return f"unix:{self.path}" if self.path else f"http://{self.host}:{self.port}"

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.path is not None:
            return _UnixConnection(self.path, timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)  # the Host header; the socket is a path
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.path))
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def parse_address(spec: str) -> Address:
    """unix:PATH or http://HOST:PORT (the form of KOKORO_SERVER)."""
    if spec.startswith("unix:") and len(spec) > len("unix:"):
        return Address(path=Path(spec[len("unix:") :]).expanduser())
    if spec.startswith("http://"):
        host, sep, port = spec[len("http://") :].rstrip("/").rpartition(":")
        if sep and host and port.isdigit():
            return Address(host=host.strip("[]"), port=int(port))
    raise UsageError(
        f"{SERVER_ENV}={spec!r} is not a server address; use unix:PATH, http://HOST:PORT or off"
    )


def server_address() -> Address | None:
    """The server `say` should try: KOKORO_SERVER, else the default socket if it exists."""
    spec = os.environ.get(SERVER_ENV, "").strip()
    if spec.lower() in ("off", "no", "none", "0"):
        return None
    if spec:
        return parse_address(spec)
    path = default_socket()
    return Address(path=path) if path.is_socket() else None


def _headers(api_key: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


def request_speech(address: Address, body: dict[str, Any]) -> http.client.HTTPResponse | None:
    """POST a speech request; None when no server answers there (so the caller works alone).

    A 4xx answer becomes the UsageError the server describes (the same text as in-process), any
    other failure a KokoroError; a 200 answer is returned to be read as it streams.
    """
    conn = address.connection(CONNECT_TIMEOUT)
    try:
        conn.connect()
    except OSError:  # no such socket file, refused, stale socket: nobody is listening
        conn.close()
        return None
    conn.sock.settimeout(READ_TIMEOUT)
    try:
        conn.request(
            "POST", SPEECH_PATH, json.dumps(body).encode(), _headers(os.environ.get(API_KEY_ENV))
        )
        response = conn.getresponse()
    except (OSError, http.client.HTTPException):  # it died before answering: nothing sent yet
        conn.close()
        return None
    if response.status == 200:
        return response
    _refused(response, conn, address)


def _refused(response: Any, conn: Any, address: Any) -> NoReturn:
    """The server's answer to a request it did not take, as our error; the connection closed."""
    message = _error_message(response.read())
    conn.close()
    if response.status == 401:
        raise UsageError(
            f"the server at {address} refused the request ({message}); set {API_KEY_ENV}"
        )
    if 400 <= response.status < 500:
        raise UsageError(message)
    raise KokoroError(f"the server at {address} failed: {message}")


def _error_message(raw: bytes) -> str:
    try:
        return str(json.loads(raw)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return raw.decode(errors="replace").strip()[:200] or "no message"


def encode_frame(header: dict[str, Any], audio: np.ndarray | None = None) -> bytes:
    """One x-kokoro frame: header length, JSON header, float32 samples."""
    import numpy as np

    samples = b"" if audio is None else np.asarray(audio, dtype="<f4").tobytes()
    head = json.dumps({**header, "samples": len(samples) // 4}).encode()
    return _HEADER.pack(len(head)) + head + samples


def encode_bytes(header: dict[str, Any], data: bytes = b"", size: int | None = None) -> bytes:
    """A frame whose payload is `data` as it is (encoded audio, a file): header {"bytes": n}.
    With `size`, only the header goes now and its `size` bytes follow."""
    head = json.dumps({**header, "bytes": len(data) if size is None else size}).encode()
    return _HEADER.pack(len(head)) + head + data


def read_raw_frames(response: http.client.HTTPResponse) -> Iterator[tuple[dict[str, Any], Any]]:
    """(header, payload) of each frame as it arrives; no numpy. A frame with "bytes" yields its
    payload as bytes, or (over FILE_FRAME bytes) a reader of them; an error frame raises."""
    while True:
        size = _read_exactly(response, _HEADER.size, allow_end=True)
        if size is None:
            return
        header = json.loads(_read_exactly(response, _HEADER.unpack(size)[0]))
        if "error" in header:
            error = header["error"]
            kind = UsageError if error.get("type") == "invalid_request_error" else KokoroError
            plain = kind is UsageError or error.get("type") == SHUTDOWN_ERROR
            where = "" if plain else "the server failed mid-stream: "
            raise kind(f"{where}{error['message']}")
        if header.get("file"):
            yield header, _Payload(response, int(header["bytes"]))
            continue
        n = int(header["bytes"]) if "bytes" in header else 4 * int(header["samples"])
        yield header, _read_exactly(response, n)


class _Payload:
    """A long frame payload (a whole file), read in blocks."""

    def __init__(self, response: http.client.HTTPResponse, size: int) -> None:
        self.response, self.left = response, size

    def blocks(self, size: int = 256 * 1024) -> Iterator[bytes]:
        while self.left:
            block = _read_exactly(self.response, min(size, self.left))
            self.left -= len(block)
            yield block


def read_frames(response: http.client.HTTPResponse) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """Decode x-kokoro frames as they arrive; an error frame raises its message."""
    import numpy as np

    for header, raw in read_raw_frames(response):
        yield header, np.frombuffer(raw, dtype="<f4").astype(np.float32)


def _read_exactly(response: http.client.HTTPResponse, n: int, allow_end: bool = False) -> Any:
    parts, got = [], 0
    try:
        while got < n:
            part = response.read1(n - got) if n else b""
            if not part:
                break
            parts.append(part)
            got += len(part)
    except (OSError, http.client.HTTPException):
        got = -1
    if got == 0 and allow_end:
        return None
    if got != n:
        raise KokoroError(
            "the server closed the connection mid-stream; see its log, or use --no-server"
        )
    return b"".join(parts)


def stream_chunks(response: http.client.HTTPResponse) -> Iterator[Any]:
    """The server's answer as pipeline.AudioChunk objects, exactly as synthesize() yields them."""
    from kokoro_cli.pipeline import AudioChunk

    try:
        for header, audio in read_frames(response):
            yield AudioChunk(audio, header["text"], header["phonemes"], header["start"])
        failed = live_error(response)
    except KokoroError as exc:
        failed = live_error(response) or exc  # the text's own error (not UTF-8...) comes first
    finally:
        response.close()
    if failed is not None:
        raise failed


def request_live(
    address: Address, settings: dict[str, Any], pieces: Callable[[], Iterable[Any]]
) -> http.client.HTTPResponse | None:
    """Start a live request (NDJSON up, frames down: serve/live.py); None when nobody answers.

    `settings` go first; once the server has said yes, a thread sends each piece of `pieces()`
    (str, or FLUSH) as it comes, then {"end": true}: nothing is read before that, so a caller
    left alone can still read it all. An error while reading `pieces` (the
    input is not UTF-8, say) ends the request and is raised by read_raw_frames' caller through
    `live_error(response)`.
    """
    from kokoro_cli.inputs import FLUSH

    conn = address.connection(CONNECT_TIMEOUT)
    try:
        conn.connect()
    except OSError:
        conn.close()
        return None
    conn.sock.settimeout(READ_TIMEOUT)
    try:
        conn.putrequest("POST", LIVE_PATH)
        headers = {**_headers(os.environ.get(API_KEY_ENV)), "Transfer-Encoding": "chunked"}
        headers["Content-Type"] = "application/x-ndjson"
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        _send_line(conn.sock, settings)
        response = conn.getresponse()
    except (OSError, http.client.HTTPException):
        conn.close()
        return None
    if response.status == 404:  # a server from before live text: speak it here instead
        conn.close()
        return None
    if response.status != 200:
        _refused(response, conn, address)
    sock = conn.sock
    failure: list[BaseException] = []

    def send() -> None:
        try:
            for piece in pieces():
                _send_line(sock, {"flush": True} if piece is FLUSH else {"text": piece})
            _send_line(sock, {"end": True})
            _send(sock, b"0\r\n\r\n")  # the chunked body's end
        except _Unsent:
            # the server stopped reading (it shut down, or refused a message): the reader
            # hears why in the answer, or that it was cut off
            return
        except BaseException as exc:  # the input's own (not UTF-8...): the reader raises it
            failure.append(exc)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    import threading

    threading.Thread(target=send, name="kokoro-live-send", daemon=True).start()
    response.live_failure = failure  # type: ignore[attr-defined]
    return response


def live_error(response: Any) -> BaseException | None:
    """What went wrong on the sending side of a live request, if anything."""
    failure = getattr(response, "live_failure", None)
    return failure[0] if failure else None


class _Unsent(OSError):
    """The socket took no more of the request body."""


def _send_line(sock: socket.socket, message: dict[str, Any]) -> None:
    """One NDJSON line as one chunk of a chunked request body."""
    line = json.dumps(message, ensure_ascii=False).encode() + b"\n"
    _send(sock, b"%x\r\n%s\r\n" % (len(line), line))


def _send(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError as exc:
        raise _Unsent from exc
