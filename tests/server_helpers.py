"""Start a real `kokoro serve` subprocess and talk to it with plain http.client (for the tests)."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STARTUP_TIMEOUT = 300  # seconds: the model loads and warms up; the CPU may be shared


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    socket: Path
    port: int
    log: Path
    xdg: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def conn(self, timeout: float = 120) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def post(self, body: bytes | dict[str, Any], **headers: str) -> tuple[int, bytes]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn = self.conn()
        try:
            conn.request("POST", "/v1/audio/speech", data, headers)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def health(self) -> dict[str, Any]:
        conn = self.conn(timeout=30)
        try:
            conn.request("GET", "/health")
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def start_server(tmp: Path, *args: str) -> Served:
    """`kokoro serve --port 0 ARGS`, its socket at the default place under a private XDG dir."""
    xdg = tmp / "xdg"
    xdg.mkdir(mode=0o700)
    log = tmp / "serve.log"
    env = {**os.environ, "XDG_RUNTIME_DIR": str(xdg)}
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kokoro_cli", "serve", "--port", "0", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        found = re.search(r"http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
        if found:
            return Served(proc, xdg / "kokoro-cli" / "kokoro.sock", int(found[1]), log, xdg)
        if proc.poll() is not None:
            raise AssertionError(f"kokoro serve exited {proc.returncode}: {log.read_text()}")
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"kokoro serve did not start: {log.read_text()}")


def unix_get(path: Path, url: str) -> tuple[int, bytes]:
    """GET over the Unix socket with a raw HTTP/1.0 request (no client library involved)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(str(path))
        s.sendall(f"GET {url} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
        data = b""
        while part := s.recv(65536):
            data += part
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body
