"""`kokoro serve`'s outside: the Unix socket (0600), TCP and Wyoming listeners, start-up, shutdown.

The model is loaded and warmed before the socket appears, so a socket that exists answers at
once. uvicorn serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from kokoro_cli.errors import KokoroError, UsageError
from kokoro_cli.pipeline import SynthesisConfig
from kokoro_cli.serve import client, live
from kokoro_cli.serve.server import Engine, create_app


def _claim(path: Path) -> None:
    """Make sure `path` can be ours (no live server on it), in a private folder by default."""
    if path == client.default_socket():  # our own folder: created private, kept private
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.parent.stat().st_uid != os.getuid():
            raise UsageError(f"{path.parent} belongs to another user; use --socket elsewhere")
        if path.parent.stat().st_mode & 0o077:
            path.parent.chmod(0o700)  # ours, but open to others: close it first
    elif not path.parent.is_dir():
        raise UsageError(f"socket folder {path.parent} does not exist; create it first")
    if (path.exists() or path.is_symlink()) and not path.is_socket():
        raise UsageError(f"{path} exists and is not a socket; choose another --socket")
    if path.is_socket():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()  # a stale socket left by a server that was killed
        else:
            raise UsageError(f"a server is already listening on {path}; stop it or use --socket")
        finally:
            probe.close()


def bind_unix(path: Path) -> socket.socket:
    """Listen on `path`, mode 0600 from the start (umask), in a private folder."""
    _claim(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    sock.listen(128)
    return sock


def bind_tcp(host: str, port: int, option: str = "--port") -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}; pick another {option}"
        ) from None
    sock.listen(128)
    return sock


def run(app: Any, sockets: list[socket.socket], verbose: bool, wyoming: Any = None) -> None:
    """Serve until SIGTERM or Ctrl-C, then finish the requests in flight and return.

    Live sessions over HTTP (`say` streaming a pipe) are told at once, through
    app.state.closing: a writer that never stops (`tail -f log | kokoro say`) would hold the
    drain forever. `wyoming` (a serve.wyoming.WyomingService) runs on the same event loop, so
    that it shares the app's job slots; it drains when uvicorn does.
    """
    import asyncio

    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()  # a drained shutdown is a clean exit, status 0

    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="info" if verbose else "warning",
        access_log=verbose,
        timeout_graceful_shutdown=None,  # drain: wait for every response in flight
    )
    server = Server(config)

    async def drain_on_exit() -> None:
        while not server.should_exit:  # set by SIGTERM/Ctrl-C (uvicorn polls it the same way)
            await asyncio.sleep(0.1)
        app.state.closing.set()
        if wyoming is not None:
            await wyoming.drain()

    async def serve() -> None:
        if wyoming is not None:
            await wyoming.start()
        draining = asyncio.ensure_future(drain_on_exit())
        try:
            await server.serve(sockets=sockets)
        finally:
            server.should_exit = True  # also when uvicorn stopped on its own
            await draining

    asyncio.run(serve())


DEFAULT_PORT = 8880  # Kokoro-FastAPI's port, so clients set up for it find us
WARM_UP_TEXT = "Hello."  # one short forward at start: the first request pays no one-off costs


def start(
    socket_path: Path | None, host: str | None, port: int | None, jobs: int,
    api_key: str | None, *, load: Any, verbose: bool, info: Any,
    wyoming: str | None = None, zeroconf: bool = False,
) -> None:  # fmt: skip
    """`kokoro serve`: check the addresses, load and warm the model, serve until stopped.

    `wyoming`: also speak the Wyoming protocol at tcp://HOST:PORT (serve/wyoming.py),
    announced by mDNS with `zeroconf`.
    """
    if jobs < 1:
        raise UsageError(f"--jobs {jobs} is not allowed; use 1 or more")
    if port is not None and not 0 <= port < 65536:  # 0: any free port (the line says which)
        raise UsageError(f"--port {port} is not a TCP port; use 1-65535")
    if zeroconf and not wyoming:
        raise UsageError("--wyoming-zeroconf announces the Wyoming service; add --wyoming URI")
    path = Path(socket_path).expanduser().absolute() if socket_path else client.default_socket()
    _claim(path)  # fail fast, before the slow load: another server, a foreign folder
    sockets: list[socket.socket] = []
    unix: socket.socket | None = None
    wyoming_sock: socket.socket | None = None
    if wyoming:
        try:
            from kokoro_cli.serve import wyoming as wy
        except ModuleNotFoundError as exc:
            raise KokoroError(
                f"--wyoming needs {exc.name}; install the extra: pip install 'kokoro-cli[serve]'"
            ) from None
        wy_host, wy_port = wy.parse_uri(wyoming)
        if zeroconf:
            from kokoro_cli.serve import wyoming_mdns

            wyoming_mdns.check(wy_host)
        wyoming_sock = bind_tcp(wy_host, wy_port, "port in --wyoming tcp://HOST:PORT")
    if port is not None or host is not None:
        try:
            sockets.append(bind_tcp(host or "127.0.0.1", DEFAULT_PORT if port is None else port))
        except UsageError:
            if wyoming_sock is not None:
                wyoming_sock.close()
            raise
    try:
        tts = load()  # a kokoro_cli.api.Kokoro
        tts.load("en-us")
        engine = Engine(tts, jobs)
        for _ in engine.synthesize(WARM_UP_TEXT, SynthesisConfig()):
            pass
        unix = bind_unix(path)
        sockets.append(unix)
        where = [f"unix:{path}"]
        if len(sockets) > 1:
            tcp_host, tcp_port = sockets[0].getsockname()[:2]
            where.append(f"http://{tcp_host}:{tcp_port}".replace("http://::", "http://[::]"))
        service = None
        app = create_app(engine, jobs, api_key)
        if wyoming_sock is not None:
            from kokoro_cli.serve.wyoming import WyomingService

            wy_host, wy_port = wyoming_sock.getsockname()[:2]
            where.append(f"wyoming tcp://{wy_host}:{wy_port}".replace("//::", "//[::]"))
            name = f"kokoro-{socket.gethostname().split('.')[0]}" if zeroconf else None
            service = WyomingService(app.state, wyoming_sock, announce=name)
        info(f"kokoro: serving on {' and '.join(where)} ({jobs} at a time); Ctrl-C stops")
        if host and not api_key and not _loopback(host):
            info(f"kokoro: warning: anyone who reaches {host} can use this server; set --api-key")
        if wyoming_sock is not None and not _loopback(wyoming_sock.getsockname()[0]):
            info(
                "kokoro: warning: anyone who reaches the Wyoming port can use it "
                "(the protocol has no keys); keep it to a trusted network"
            )
        live.add_routes(app, api_key)  # text streaming in (issue 23)
        run(app, sockets, verbose, service)
        info("kokoro: stopped")
    finally:
        for sock in sockets:
            sock.close()
        if wyoming_sock is not None:
            wyoming_sock.close()
        if unix is not None:
            path.unlink(missing_ok=True)


def _loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
