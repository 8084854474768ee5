"""Live text on `kokoro serve` (issue 23): the WebSocket with the `websockets` package as a real
client over a real socket, and `kokoro say` streaming a pipe up through the fast path."""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from kokoro_cli import SAMPLE_RATE
from kokoro_cli.api import Kokoro
from kokoro_cli.audio.sinks import to_pcm16
from tests.cli_helpers import Kokoro as Cli
from tests.server_helpers import Served, start_server
from tests.test_server import quick, wait_for

KEY = "live-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
PIECES = ["Hello the", "re, Dr.", " Smith. How are", " you to", "day?"]


@pytest.fixture(scope="module")
def served(model, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_server(tmp_path_factory.mktemp("live"), "--api-key", KEY)
    yield server
    assert server.stop() == 0, server.stderr()


def url(served: Served) -> str:
    return f"ws://127.0.0.1:{served.port}/v1/audio/speech/live"


async def session(served: Served, messages: list[Any], headers: dict | None = None) -> dict:
    """Send `messages` (dicts as JSON, str as they are); collect audio, events, close code."""
    got: dict[str, Any] = {"audio": b"", "events": [], "code": None}
    async with websockets.connect(url(served), additional_headers=headers or AUTH) as ws:
        for message in messages:
            await ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))
        try:
            async for reply in ws:
                if isinstance(reply, bytes):
                    got["audio"] += reply
                else:
                    got["events"].append(json.loads(reply))
        except websockets.ConnectionClosed:
            pass
        got["code"] = ws.close_code
    return got


def talk(served: Served, messages: list[Any], headers: dict | None = None) -> dict:
    return asyncio.run(session(served, messages, headers))


def test_a_websocket_session_speaks_as_the_text_comes(served: Served, model) -> None:  # noqa: ANN001
    messages = [{"voice": "af_heart"}, *({"text": p} for p in PIECES), {"end": True}]
    got = talk(served, messages)
    assert got["code"] == 1000 and got["events"][-1] == {"type": "done"}
    # pcm by default: the very samples Kokoro.stream_text gives in-process
    here = Kokoro()._using(model).stream_text(PIECES, voice="af_heart")
    assert got["audio"] == b"".join(to_pcm16(c.audio) for c in here)
    cues = [e for e in got["events"] if e["type"] == "cue"]
    text = "".join(PIECES)
    assert [c["text"] for c in cues] == ["Hello", "there", "Dr.", "Smith", "How", "are", "you", "today"]  # fmt: skip
    assert all(text[c["char_start"] : c["char_end"]] == c["text"] for c in cues)
    assert cues[-1]["end"] <= len(got["audio"]) / 2 / SAMPLE_RATE
    # {"flush": true} speaks a fragment at once; no settings message: the defaults.
    flushed = talk(served, [{"text": "Hello there"}, {"flush": True}, {"text": " again."}, {"end": True}])  # fmt: skip
    said = [e["text"] for e in flushed["events"] if e["type"] == "cue"]
    assert said == ["Hello", "there", "again"] and flushed["code"] == 1000
    wav = talk(served, [{"response_format": "wav"}, {"text": "Hi."}, {"end": True}])
    assert wav["audio"][:4] == b"RIFF" and len(wav["audio"]) > SAMPLE_RATE // 2


@pytest.mark.parametrize(
    ("messages", "code", "words"),
    [
        (['{"text": "Hello'], 1007, "not valid JSON"),
        ([b"\x00\x01"], 1007, "not binary"),
        ([{"voice": "af_hart"}], 1008, "did you mean af_heart"),
        ([{"text": "a" * (1024 * 1024 + 1)}], 1009, "over 1024 KiB"),
        ([{"text": "Hi."}, {"voice": "af_heart"}], 1008, "first message only"),
        ([{"speed": 9}], 1008, "speed"),
        ([{"text": "Bad [pause:9h] tag. "}, {"end": True}], 1008, "bad pause tag"),
    ],
    ids=["json", "binary", "voice", "oversized", "late-settings", "speed", "markup"],
)
def test_bad_messages_get_an_error_and_a_close_code(
    served: Served, messages: list[Any], code: int, words: str
) -> None:
    got = talk(served, messages)
    errors = [e for e in got["events"] if e["type"] == "error"]
    assert len(errors) == 1 and words in errors[0]["message"], got["events"]
    assert got["code"] == code
    assert served.health()["status"] == "ok"


def test_the_websocket_wants_the_api_key(served: Served) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        talk(served, [{"text": "Hi."}], headers={"Authorization": "Bearer wrong"})
    assert refused.value.response.status_code == 403
    status, _ = served.post({"input": "Hi."})  # HTTP says the same
    assert status == 401


async def _with_subprotocols(served: Served, offered: list[str]) -> tuple[str | None, dict]:
    """A session whose key (if any) rides in the offered subprotocols: no Authorization."""
    got: dict[str, Any] = {"audio": b"", "events": []}
    async with websockets.connect(url(served), subprotocols=offered) as ws:
        await ws.send(json.dumps({"text": "Hi there."}))
        await ws.send(json.dumps({"end": True}))
        async for reply in ws:
            if isinstance(reply, bytes):
                got["audio"] += reply
            else:
                got["events"].append(json.loads(reply))
        return ws.subprotocol, got


def test_a_browser_sends_the_key_as_a_subprotocol(served: Served) -> None:
    """Browsers cannot set headers on a WebSocket; they offer subprotocols, and the server
    must pick one of them or the browser fails the handshake."""
    chosen, got = asyncio.run(_with_subprotocols(served, ["kokoro", f"kokoro-key.{KEY}"]))
    assert chosen == "kokoro"
    assert got["events"][-1] == {"type": "done"} and len(got["audio"]) > SAMPLE_RATE // 2
    chosen, _ = asyncio.run(_with_subprotocols(served, [f"kokoro-key.{KEY}"]))
    assert chosen == f"kokoro-key.{KEY}"  # only the key offered: it is the one picked
    for offered in (["kokoro", "kokoro-key.wrong"], ["kokoro"], [f"other-key.{KEY}"]):
        with pytest.raises(websockets.InvalidStatus) as refused:
            asyncio.run(_with_subprotocols(served, offered))
        assert refused.value.response.status_code == 403, offered


# The WHATWG WebSocket, the browser's own API (Node.js has it behind a flag in 20, built in
# from 22): no way to send a header, only subprotocols.
BROWSER = """
const ws = new WebSocket(process.argv[1], ["kokoro", "kokoro-key." + process.argv[2]]);
ws.binaryType = "arraybuffer";
let bytes = 0, events = [];
ws.onopen = () => {
  ws.send(JSON.stringify({voice: "af_heart"}));
  ws.send(JSON.stringify({text: "Hello from a browser."}));
  ws.send(JSON.stringify({end: true}));
};
ws.onmessage = (m) => {
  if (typeof m.data === "string") events.push(JSON.parse(m.data).type);
  else bytes += m.data.byteLength;
};
ws.onerror = () => { console.log(JSON.stringify({error: true})); process.exit(1); };
ws.onclose = (e) => {
  console.log(JSON.stringify({protocol: ws.protocol, code: e.code, bytes, events}));
};
"""


def test_the_browser_websocket_api_speaks_with_a_key(served: Served) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js runs the browser's WebSocket API here")
    flags = [] if _node_has_websocket(node) else ["--experimental-websocket"]
    r = subprocess.run(
        [node, *flags, "-e", BROWSER, url(served), KEY],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["protocol"] == "kokoro" and got["code"] == 1000
    assert got["events"][-1] == "done" and "cue" in got["events"]
    assert got["bytes"] > SAMPLE_RATE  # over half a second of 16-bit audio


def _node_has_websocket(node: str) -> bool:
    r = subprocess.run([node, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"])
    return r.returncode == 0


def test_sessions_at_once_do_not_mix(served: Served) -> None:
    texts = ["One two three. Four five.", "Six seven eight nine."]
    alone = [talk(served, [{"text": t}, {"end": True}])["audio"] for t in texts]

    async def together() -> list[dict]:
        runs = [session(served, [{"text": texts[i % 2]}, {"end": True}]) for i in range(4)]
        return await asyncio.gather(*runs)

    for i, got in enumerate(asyncio.run(together())):
        assert got["audio"] == alone[i % 2] and got["code"] == 1000
    assert served.health()["active"] == 0


VANISHING = """
import asyncio, json, sys, websockets
async def main():
    ws = await websockets.connect(sys.argv[1], additional_headers={"Authorization": sys.argv[2]})
    await ws.send(json.dumps({"text": sys.argv[3]}))
    while not isinstance(await ws.recv(), bytes):
        pass
    print("audio", flush=True)
    await asyncio.sleep(600)
asyncio.run(main())
"""


def test_a_vanished_client_frees_its_work(served: Served) -> None:
    book = " ".join(f"This is sentence number {i}, which takes a while to say." for i in range(60))
    proc = subprocess.Popen(
        [sys.executable, "-c", VANISHING, url(served), AUTH["Authorization"], book],
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"audio"
    gone = served.stderr().count("a live client went away")
    proc.kill()
    proc.wait()
    pattern = r"a live client went away; stopped after (\d+) spoken"
    wait_for(lambda: served.stderr().count("a live client went away") > gone, "the server")
    assert int(re.findall(pattern, served.stderr())[-1]) < 30
    wait_for(lambda: served.health()["active"] == 0 and served.health()["queued"] == 0, "idle")
    assert talk(served, [{"text": "Still here."}, {"end": True}])["code"] == 1000


# ---------------------------------------------------------------- say, streaming a pipe up


@pytest.mark.parametrize(
    "args", [["say", "-o", "-", "--format", "raw"], ["say", "-o", "out.mp3"]],
    ids=["raw", "mp3-read-whole"],
)  # fmt: skip
def test_say_streams_a_pipe_through_the_fast_path(
    served: Served, kokoro: Cli, tmp_path: Path, args: list[str]
) -> None:
    """A pipe goes up to the server as it is read, with neither typer nor numpy loaded here,
    and gives the bytes in-process live synthesis gives."""
    env = {"KOKORO_SERVER": f"unix:{served.socket}", "KOKORO_API_KEY": KEY}
    text = "".join(PIECES).encode()
    code, heavy, out, err = quick(args, tmp_path, env, text)
    assert (code, heavy, err) == (0, [], "")
    fast = (tmp_path / "out.mp3").read_bytes() if "out.mp3" in args else out
    (tmp_path / "out.mp3").unlink(missing_ok=True)
    here = kokoro(*args, "--no-server", stdin=text)
    assert here.returncode == 0, here.stderr
    assert fast == ((tmp_path / "out.mp3").read_bytes() if "out.mp3" in args else here.stdout)
    assert len(fast) > 2_000


def test_say_through_the_server_reports_bad_input_like_in_process(
    served: Served, kokoro: Cli, tmp_path: Path
) -> None:
    env = {"KOKORO_SERVER": f"unix:{served.socket}", "KOKORO_API_KEY": KEY}
    for stdin in (b"Hello there. caf\xe9 cr\xe8me.", b"   \n"):
        code, _, _, err = quick(["say", "-o", "-"], tmp_path, env, stdin)
        here = kokoro("say", "-o", "-", "--no-server", stdin=stdin)
        assert code == here.returncode == 2
        assert err.splitlines() == here.stderr.splitlines() and err.startswith("kokoro: error: ")
        assert list(tmp_path.iterdir()) == []
    # The full CLI (here: --show-phonemes) streams a pipe up too, and says so with -v.
    full = kokoro("-v", "say", "-o", "-", "--show-phonemes", stdin=b"Hi there.", **env)
    assert full.returncode == 0 and "speaking live through the server" in full.stderr


def test_a_slow_writer_is_heard_through_the_server(served: Served, tmp_path: Path) -> None:
    """The first sentence's audio comes back while the writer has not finished."""
    env = {**os.environ, "KOKORO_SERVER": f"unix:{served.socket}", "KOKORO_API_KEY": KEY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kokoro_cli", "say", "-o", "-", "--format", "raw"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"The first sentence arrives early. The second ")
    proc.stdin.flush()
    assert select.select([proc.stdout], [], [], 120)[0], "no audio while the writer writes"
    first = proc.stdout.read1(65536)
    assert len(first) > 0  # audio before the writer is done
    done = threading.Event()
    threading.Timer(0.2, lambda: (proc.stdin.write(b"one comes later."), proc.stdin.close(), done.set())).start()  # type: ignore[union-attr]  # fmt: skip
    rest = proc.stdout.read()
    assert proc.wait(timeout=120) == 0 and done.is_set()
    assert len(first + rest) / 2 / SAMPLE_RATE > 3


# ---------------------------------------------------------------- stopping a server with live text


def test_stopping_the_server_ends_live_sessions_instead_of_waiting_for_their_writers(
    model,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    """`tail -f log | kokoro say` never closes its pipe: a SIGTERM must not wait for it. The
    server speaks what it received, tells `say` the rest was not spoken, and exits 0; an idle
    WebSocket gets 1012 (service restart), the code that tells a client to come back."""
    (tmp_path / "stopping").mkdir()
    server = start_server(tmp_path / "stopping")
    env = {**os.environ, "KOKORO_SERVER": f"unix:{server.socket}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kokoro_cli", "say", "-o", "-", "--format", "raw"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
        env=env,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdin.write(b"The first sentence arrives early. The second ")
        proc.stdin.flush()
        assert select.select([proc.stdout], [], [], 120)[0], "no audio while the writer writes"
        first = proc.stdout.read1(1 << 20)

        async def idle_socket() -> int | None:
            url = f"ws://127.0.0.1:{server.port}/v1/audio/speech/live"
            async with websockets.connect(url) as ws:
                await ws.send(json.dumps({"text": "Nothing ends this"}))
                await asyncio.sleep(0.3)
                server.proc.terminate()  # SIGTERM, with the pipe and the socket still open
                with pytest.raises(websockets.ConnectionClosed):
                    while True:
                        await ws.recv()
                return ws.close_code

        assert asyncio.run(idle_socket()) == 1012
        # the old server waited for the writer forever; 120 s is a hang, not a slow machine
        assert server.proc.wait(timeout=120) == 0, server.stderr()
        rest = proc.stdout.read()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 1
        assert (
            err.startswith("kokoro: error: the server stopped mid-stream") and err.count("\n") == 1
        )
        # "The second" was received: spoken before the answer ended, after the first sentence
        assert len(rest) > 0 and len(first + rest) / 2 / SAMPLE_RATE > 2.5
        assert "a live session ended before its text did" in server.stderr()
    finally:
        proc.kill()
        server.stop()
