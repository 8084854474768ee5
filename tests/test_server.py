"""`kokoro serve`: a real server subprocess, the official openai client, raw sockets, abuse."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openai
import pytest
import soundfile as sf

from kokoro_cli import SAMPLE_RATE, pauses
from kokoro_cli.errors import UsageError
from kokoro_cli.serve import client
from tests.cli_helpers import Kokoro, margins, silences, voiced_seconds
from tests.server_helpers import Served, start_server, unix_get

HELLO = "Hello there."
# Several sentences: with short first chunks, the first audio exists long before the last.
LONG = (
    "The first sentence is short. The second one goes on for quite a bit longer than that. "
    "A third follows it, and a fourth one after that. Then a fifth, and finally the sixth."
)

TWO = "The first sentence is short. [pause:0.3s] The second one goes on for a bit longer than that."

# A client to kill: "stream" reads the first bytes of its answer, "queue" only sends.
KILLED_CLIENT = """
import http.client, json, sys, time
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
conn.request("POST", "/v1/audio/speech", json.dumps({"input": sys.argv[2], "response_format": "pcm"}))
if sys.argv[3] == "stream":
    response = conn.getresponse()
    assert response.status == 200 and response.read1(1024)
print(sys.argv[3], flush=True)
time.sleep(600)
"""


def client_to_kill(port: int, text: str, mode: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_CLIENT, str(port), text, mode], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline().decode().strip() == mode
    return proc


def wait_for(check, what: str, tries: int = 1200):  # noqa: ANN001, ANN201
    for _ in range(tries):
        if result := check():
            return result
        threading.Event().wait(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def served(model, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_server(tmp_path_factory.mktemp("serve"))
    yield server
    assert server.stop() == 0, server.stderr()


@pytest.fixture(scope="module")
def oai(served: Served) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{served.url}/v1", api_key="unused", max_retries=0)


def pcm_of(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32767


def test_openai_client_speaks_every_format(oai: openai.OpenAI) -> None:
    got = {
        fmt: oai.audio.speech.create(
            model="kokoro", voice="af_heart", input=HELLO, response_format=fmt
        ).content
        for fmt in ("pcm", "wav", "mp3", "opus", "flac", "aac")
    }
    pcm = pcm_of(got["pcm"])
    assert 0.5 < len(pcm) / SAMPLE_RATE < 4 and np.abs(pcm).max() > 0.1  # speech, not silence
    assert got["wav"][:4] == b"RIFF" and got["wav"][44:] == got["pcm"]  # same samples, a header
    with wave.open(io.BytesIO(got["wav"])) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (SAMPLE_RATE, 1, 2)
    for fmt in ("mp3", "opus", "flac"):
        audio, rate = sf.read(io.BytesIO(got[fmt]), dtype="float32")
        assert abs(len(audio) / rate - len(pcm) / SAMPLE_RATE) < 0.15, fmt  # encoder padding
        assert np.abs(audio).max() > 0.1, fmt
    assert got["flac"][:4] == b"fLaC" and got["mp3"][:2] == b"\xff\xf3"  # MPEG-2 layer III
    assert got["opus"][:4] == b"OggS" and b"OpusHead" in got["opus"][:100]
    assert got["aac"][:2] in (b"\xff\xf1", b"\xff\xf9")  # ADTS sync word
    raw = pcm_of(got["pcm"])
    flac, _ = sf.read(io.BytesIO(got["flac"]), dtype="float32")
    assert np.abs(flac - raw).max() < 1e-4  # lossless: the very same samples


def test_audio_streams_before_synthesis_ends(served: Served, oai: openai.OpenAI) -> None:
    with oai.audio.speech.with_streaming_response.create(
        model="kokoro", voice="af_heart", input=LONG, response_format="pcm"
    ) as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        parts = response.iter_bytes()
        first = next(parts)
        busy = served.health()  # asked while the first bytes are in hand
        rest = b"".join(parts)
    assert first and busy["active"] == 1  # the server was still synthesizing the rest
    assert len(rest) > 2 * len(first)
    assert served.health()["active"] == 0


def error_of(status_and_body: tuple[int, bytes]) -> tuple[int, dict]:
    status, body = status_and_body
    error = json.loads(body)["error"]
    assert set(error) >= {"message", "type", "param"} and error["message"]
    return status, error


def test_bad_requests_get_json_errors(served: Served, oai: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        oai.audio.speech.create(model="kokoro", voice="af_hart", input=HELLO)
    assert bad.value.status_code == 400
    error = bad.value.body
    assert (
        isinstance(error, dict) and error["param"] == "voice" and "did you mean" in error["message"]
    )
    cases = {
        "input": {"input": "   ", "voice": "af_heart"},
        "speed": {"input": HELLO, "speed": 9},
        "response_format": {"input": HELLO, "response_format": "ogg-vorbis"},
        "model": {"input": HELLO, "model": "whisper-1"},
        "lang": {"input": HELLO, "lang": "tlh"},
    }
    for param, body in cases.items():
        status, error = error_of(served.post(body))
        assert (status, error["param"], error["type"]) == (400, param, "invalid_request_error")
    status, error = error_of(served.post(b'{"input": "Hello", '))
    assert status == 400 and "not valid JSON" in error["message"]
    status, error = error_of(served.post(b'["a list"]'))
    assert status == 400 and "JSON object" in error["message"]
    # Text the front end refuses (kana in Mandarin text): 400, before any audio is sent.
    status, error = error_of(served.post({"input": "こんにちは", "voice": "zf_xiaobei"}))
    assert status == 400 and error["param"] == "input"
    assert served.post({"input": HELLO, "response_format": "pcm"})[0] == 200  # still serving


def test_abuse_leaves_the_server_up(served: Served) -> None:
    status, error = error_of(served.post(b'{"input": "' + b"a" * (10 * 1024 * 1024) + b'"}'))
    assert status == 413 and "over" in error["message"]
    status, _ = error_of(served.post(np.random.default_rng(0).bytes(4096)))
    assert status == 400
    latin1 = '{"input": "caf\u00e9 cr\u00e8me"}'.encode("latin-1")  # not UTF-8
    status, error = error_of(served.post(latin1))
    assert status == 400 and "JSON" in error["message"]
    status, error = error_of(served.post(b'{"input": "lone \\ud800 surrogate"}'))
    assert (status, error["param"]) == (400, "input")
    # Clients killed (SIGKILL) mid-stream and while queued behind it: the work of each stops
    # at once, long before the end of its text (which would take minutes).
    from kokoro_cli.text import chunks

    book = " ".join([LONG] * 10)
    total = sum(bool(c.tokens) for c in chunks(book, "en-us", fast_start=True))
    streaming = client_to_kill(served.port, book, "stream")
    queued = client_to_kill(served.port, book, "queue")
    wait_for(lambda: served.health()["queued"] == 1, "the second client to queue")
    queued.kill()
    queued.wait()
    wait_for(lambda: "went away while it waited" in served.stderr(), "the queued client's end")
    assert served.health()["queued"] == 0
    streaming.kill()
    streaming.wait()
    pattern = r"went away; stopped after (\d+) spoken"
    found = wait_for(lambda: re.search(pattern, served.stderr()), "the streaming client's end")
    assert int(found[1]) < total // 2, (found, total)
    assert served.health() == {"status": "ok", "jobs": 1, "active": 0, "queued": 0}
    status, body = served.post({"input": HELLO, "response_format": "pcm"})
    assert status == 200 and len(body) > SAMPLE_RATE  # later requests still succeed


def test_timings_come_as_json_with_the_audio(served: Served) -> None:
    body = {"input": "Good morning. [pause:0.5s] See you soon.", "response_format": "wav"}
    status, raw = served.post({**body, "timings": True})
    assert status == 200
    answer = json.loads(raw)
    audio, rate = sf.read(io.BytesIO(base64.b64decode(answer["audio"])), dtype="float32")
    assert [c["text"] for c in answer["cues"]] == ["Good morning.", "See you soon."]
    first, second = answer["cues"]
    assert second["start"] - first["end"] >= 0.5 - 1e-3  # the pause sits between the cues
    assert answer["sample_rate"] == rate
    # the margins: the cues are the speech's, in the answer's time (issue 27)
    assert first["start"] == pytest.approx(pauses.LEAD_IN, abs=0.05)
    assert len(audio) / rate - second["end"] == pytest.approx(pauses.TAIL, abs=0.05)


def test_lexicon_entries_in_the_request(served: Served) -> None:
    plain = served.post({"input": "engine x.", "response_format": "pcm"})
    respelled = served.post(
        {"input": "nginx.", "response_format": "pcm", "lexicon": "nginx\tengine x\n"}
    )
    assert plain[0] == respelled[0] == 200 and plain[1] == respelled[1]  # the same tokens
    status, error = error_of(served.post({"input": "Hi.", "lexicon": "no tab on this line"}))
    assert (status, error["param"]) == (400, "lexicon") and "lexicon:1" in error["message"]


def test_twenty_concurrent_requests_do_not_mix(served: Served) -> None:
    texts = ["One two three.", "Four five six seven."]
    want = [served.post({"input": t, "response_format": "pcm"}) for t in texts]
    assert all(status == 200 for status, _ in want)
    results: dict[int, tuple[int, bytes]] = {}

    def ask(i: int) -> None:
        results[i] = served.post({"input": texts[i % 2], "response_format": "pcm"})

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert sorted(results) == list(range(20))
    for i, got in results.items():
        assert got == want[i % 2], i  # byte for byte what the same text gives alone


def test_listing_routes_and_the_unix_socket(served: Served, oai: openai.OpenAI) -> None:
    assert {m.id for m in oai.models.list()} >= {"kokoro", "tts-1"}
    status, body = unix_get(served.socket, "/v1/audio/voices")
    voices = json.loads(body)
    assert status == 200 and "af_heart" in voices["voices"] and len(voices["data"]) >= 54
    assert unix_get(served.socket, "/health")[0] == 200
    mode = served.socket.stat().st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(served.socket.parent.stat().st_mode) == 0o700
    # TCP listens on 127.0.0.1 only: another loopback address is not answered.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", served.port), timeout=5).close()
    assert _listening_on(served.port) == ["127.0.0.1"]


def test_serve_refuses_a_live_or_foreign_socket(
    served: Served, kokoro: Kokoro, tmp_path: Path
) -> None:
    taken = kokoro("serve", "--socket", str(served.socket))
    assert taken.returncode == 2 and "already listening" in taken.stderr
    precious = tmp_path / "notes.txt"
    precious.write_text("keep me")
    foreign = kokoro("serve", "--socket", str(precious))
    assert foreign.returncode == 2 and "is not a socket" in foreign.stderr
    assert precious.read_text() == "keep me" and served.health()["status"] == "ok"


def _listening_on(port: int) -> list[str]:
    """The local addresses with a TCP listener on `port`, from /proc/net/tcp."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.append(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
    return found


def test_api_key_jobs_and_a_draining_sigterm(model, tmp_path: Path) -> None:
    server = start_server(tmp_path, "--api-key", "s3cret", "--jobs", "2")
    try:
        for key in ("wrong", None):
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            status, error = error_of(server.post({"input": HELLO}, **headers))
            assert status == 401 and "API key" in error["message"]
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{server.url}/v1", api_key="nope", max_retries=0).models.list()
        keyed = openai.OpenAI(base_url=f"{server.url}/v1", api_key="s3cret", max_retries=0)
        assert keyed.models.list().data
        assert server.health()["jobs"] == 2  # the probe needs no key
        # Two at a time: both complete, each real speech.
        results: list[bytes] = []
        threads = [
            threading.Thread(
                target=lambda: results.append(
                    keyed.audio.speech.create(
                        model="kokoro", voice="af_heart", input=HELLO, response_format="pcm"
                    ).content
                )
            )
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert len(results) == 4 and all(0.5 < len(r) / 2 / SAMPLE_RATE < 4 for r in results)
        # SIGTERM while a long answer streams: it is finished, then the server exits cleanly.
        conn = server.conn()
        conn.request(
            "POST", "/v1/audio/speech", json.dumps({"input": LONG, "response_format": "pcm"}),
            {"Authorization": "Bearer s3cret"},
        )  # fmt: skip
        response = conn.getresponse()
        first = response.read1(1024)
        server.proc.terminate()
        body = first + response.read()  # raises IncompleteRead if the stream were cut short
        assert len(body) / 2 / SAMPLE_RATE > 6
        assert server.proc.wait(timeout=120) == 0
        assert not server.socket.exists() and "stopped" in server.stderr()
    finally:
        server.stop()


# ---------------------------------------------------------------- kokoro say through the server


def test_say_through_the_server_equals_in_process(
    served: Served, kokoro: Kokoro, tmp_path: Path
) -> None:
    via = {"XDG_RUNTIME_DIR": str(served.xdg), "KOKORO_SERVER": ""}  # the default socket
    args = ["say", TWO, "--show-phonemes", "-o"]  # (--subtitles: always made in-process)
    warm = kokoro("-v", *[a.format("warm") for a in args], "warm.wav", **via)
    warm_pipe = kokoro("say", TWO, "-o", "-", **via)  # short first chunks, for listeners
    assert warm.returncode == warm_pipe.returncode == 0, warm.stderr + warm_pipe.stderr
    assert "speaking through the server" in warm.stderr and "loading model" not in warm.stderr
    # A stale socket (its server died): the same command synthesizes here instead.
    stale = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(stale))
    dead = {"KOKORO_SERVER": f"unix:{stale}"}
    cold = kokoro("-v", *[a.format("cold") for a in args], "cold.wav", **dead)
    cold_pipe = kokoro("say", TWO, "-o", "-", **dead)
    assert cold.returncode == cold_pipe.returncode == 0, cold.stderr + cold_pipe.stderr
    assert "no answer from the server" in cold.stderr and "loading model" in cold.stderr
    # KModel.speak is deterministic per chunk, so the very same bytes come out either way.
    assert (tmp_path / "warm.wav").read_bytes() == (tmp_path / "cold.wav").read_bytes()
    assert warm_pipe.stdout == cold_pipe.stdout and len(warm_pipe.stdout) > SAMPLE_RATE
    phonemes = [line for line in warm.stderr.splitlines() if "ˈ" in line]
    assert phonemes and phonemes == [line for line in cold.stderr.splitlines() if "ˈ" in line]


def test_say_reports_server_side_errors_like_in_process(
    served: Served, kokoro: Kokoro, voices_dir: Path
) -> None:
    (voices_dir / "xx_broken.pt").write_bytes(b"not a voicepack")  # fails only when loaded
    try:
        args = ["say", HELLO, "--voice", "xx_broken", "--lang", "en-us", "-o", "x.wav"]
        via = kokoro("-v", *args, XDG_RUNTIME_DIR=str(served.xdg), KOKORO_SERVER="")
        here = kokoro(*args, "--no-server", XDG_RUNTIME_DIR=str(served.xdg), KOKORO_SERVER="")
    finally:
        (voices_dir / "xx_broken.pt").unlink()
    assert "speaking through" not in via.stderr  # the server refused it: no audio came
    assert via.returncode == here.returncode == 2
    error = [line for line in via.stderr.splitlines() if line.startswith("kokoro: error:")]
    assert error == here.stderr.splitlines() and "cannot read voicepack" in error[0]


def test_say_through_the_server_plays_on_the_speaker(
    served: Served, kokoro: Kokoro, sound_server, tmp_path: Path
) -> None:
    capture = tmp_path / "captured.wav"
    env = {**sound_server.env, "KOKORO_SERVER": f"unix:{served.socket}"}
    with sound_server.recording(capture):
        r = kokoro("-v", "say", "Can you hear me now? This comes from the server.", **env)
    assert r.returncode == 0 and "speaking through the server" in r.stderr, r.stderr
    heard, rate = sf.read(capture, dtype="float32")
    heard = heard.mean(axis=1) if heard.ndim == 2 else heard
    assert voiced_seconds(heard, rate) > 1.0  # speech arrived, not silence


NO_TORCH = """
import sys
from kokoro_cli.commands.app import main
sys.argv = ["kokoro", "say", "Hello there.", "-o", sys.argv[1]]
try:
    main()
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
print(sorted(m for m in sys.modules if m.split(".")[0] == "torch"))
"""


def test_say_through_the_server_never_imports_torch(served: Served, tmp_path: Path) -> None:
    env = {**os.environ, "KOKORO_SERVER": f"unix:{served.socket}"}
    out = tmp_path / "hello.wav"
    proc = subprocess.run(
        [sys.executable, "-c", NO_TORCH, str(out)], env=env, capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().strip() == "[]"
    assert sf.info(out).duration > 0.5


# ---------------------------------------------------------------- the one-liner fast path (quick.py)

# quick.main() as the `kokoro` command runs it; then which heavy modules that process loaded.
QUICK = """
import sys
from kokoro_cli.commands.quick import main
sys.argv = ["kokoro", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code or 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"torch", "numpy", "typer", "click"})
print(code, *heavy, file=sys.stderr)
"""


def quick(args: list[str], cwd: Path, env: dict[str, str], stdin: bytes = b"") -> tuple[int, list[str], bytes, str]:  # fmt: skip
    """Run `kokoro ARGS` through quick.main(): exit code, heavy modules loaded, stdout, stderr."""
    proc = subprocess.run(
        [sys.executable, "-c", QUICK, *args], input=stdin, capture_output=True, cwd=cwd,
        env={**os.environ, **env}, timeout=180,
    )  # fmt: skip
    *messages, last = proc.stderr.decode().strip().splitlines()
    code, *heavy = last.split()
    return int(code), heavy, proc.stdout, "\n".join(messages)


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["say", TWO, "-o", "out.wav"], b""),
        (
            ["say", "-o", "out.mp3", "--voice", "af_bella+af_sarah", "--speed", "1.2"],
            HELLO.encode(),
        ),
        (["say", "-f", "text.txt", "--output=out.flac", "--lang", "en-gb"], b""),
        (["say", TWO, "-o", "-"], b""),
        (["say", "-", "-o", "-", "--format", "raw"], "Grüße, 3.11.7!".encode()),
        (["say", "həlˈoʊ", "--phonemes", "-o", "out.wav"], b""),
        (["-q", "say", HELLO, "-o", "out.wav", "--trim"], b""),
        (["--quiet", "say", HELLO, "-o", "-", "--lead-in", "0.5", "--tail=0.1"], b""),
        (["say", HELLO, "--pitch", "-3.5", "-o", "out.wav"], b""),
    ],
    ids=[
        "wav",
        "mp3-stdin-blend-speed",
        "flac-file-lang",
        "stdout-wav",
        "stdout-raw-stdin",
        "phonemes",
        "quiet-trim",
        "quiet-margins-stdout",
        "pitch",
    ],  # fmt: skip
)
def test_one_liners_skip_the_cli_and_write_the_same_bytes(
    served: Served, kokoro: Kokoro, tmp_path: Path, args: list[str], stdin: bytes
) -> None:
    """The common `say` shapes go to the server with neither typer nor numpy loaded (that is
    the point: 0.2 s less per one-liner), and give the bytes in-process synthesis gives."""
    (tmp_path / "text.txt").write_text("Read from a file, with a number: 42.\n")
    env = {"KOKORO_SERVER": f"unix:{served.socket}"}
    code, heavy, fast_out, err = quick(args, tmp_path, env, stdin)
    assert (code, heavy, err) == (0, [], "")
    out = next((a.split("=")[-1] for a in args if a.startswith(("out", "--output="))), None)
    fast = (tmp_path / out).read_bytes() if out else fast_out
    if out:
        (tmp_path / out).unlink()
    here = kokoro(*args, "--no-server", stdin=stdin)
    assert here.returncode == 0, here.stderr
    assert fast == ((tmp_path / out).read_bytes() if out else here.stdout) and len(fast) > 2_000
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    if "--trim" in args:  # tight edges, measured: the 10 ms fades only
        assert max(margins(sf.read(io.BytesIO(fast), dtype="float32")[0])) <= 0.03


@pytest.mark.parametrize(
    "args",
    [
        ["say", HELLO, "-o", "out.xyz"],  # the server checks the format with say's own words
        ["say", HELLO, "-o", "noext"],
        ["say", HELLO, "--voice", "xx_nobody", "-o", "out.wav"],
        ["say", HELLO, "--speed", "9", "-o", "-"],
        ["say", "  ", "-o", "out.wav"],  # empty text: caught before any request
        ["say", "-o", "out.wav"],  # empty stdin
        ["say", HELLO, "-o", "missing/out.wav"],  # left to the full CLI
        ["say", HELLO, "--speed", "fast", "-o", "out.wav"],  # click's message, from the full CLI
        ["say", HELLO, "--pitch", "13", "-o", "out.wav"],
    ],
    ids=[
        "format",
        "no-extension",
        "voice",
        "speed",
        "empty",
        "empty-stdin",
        "folder",
        "speed-type",
        "pitch",
    ],
)
def test_one_liner_mistakes_get_the_in_process_messages(
    served: Served, kokoro: Kokoro, tmp_path: Path, args: list[str]
) -> None:
    env = {"KOKORO_SERVER": f"unix:{served.socket}"}
    code, _, _, err = quick(args, tmp_path, env)
    here = kokoro(*args, "--no-server")
    assert code == here.returncode == 2
    assert err.splitlines() == here.stderr.splitlines() and err.startswith("kokoro: error: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no file, no temporary


def test_one_liner_from_stdin_falls_back_when_the_server_is_gone(
    kokoro: Kokoro, tmp_path: Path
) -> None:
    """The fast path reads stdin before it learns nobody answers; the full CLI, which then
    synthesizes here, still gets the whole text."""
    stale = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(stale))
    code, heavy, out, _ = quick(["say", "-o", "-"], tmp_path, {"KOKORO_SERVER": f"unix:{stale}"}, HELLO.encode())  # fmt: skip
    here = kokoro("say", "-o", "-", "--no-server", stdin=HELLO.encode())
    assert code == 0 and "torch" in heavy  # synthesized in this process
    assert out == here.stdout and len(out) > SAMPLE_RATE


def test_the_server_sends_whole_files_only(served: Served) -> None:
    """x-kokoro-file: the request names the output; a missing name or bad format is a 400."""
    address = client.Address(path=served.socket)
    body = {"input": HELLO, "response_format": client.FILE, "output": "x.flac"}
    response = client.request_speech(address, body)
    assert response is not None and response.getheader("Content-Length")
    data = response.read()
    assert sf.info(io.BytesIO(data)).format == "FLAC" and len(data) == int(response.getheader("Content-Length"))  # fmt: skip
    for bad, message in [({"output": ""}, "'output' is missing"), ({"output": "x.doc"}, "unsupported output format 'doc'")]:  # fmt: skip
        with pytest.raises(UsageError, match=message):
            client.request_speech(address, {**body, **bad})


def test_a_killed_one_liner_leaves_nothing_and_frees_the_server(
    served: Served, tmp_path: Path
) -> None:
    """SIGTERM while the server makes a long file: no file, no temporary, exit 143; the server
    notices at its next chunk and answers the next request."""
    env = {**os.environ, "KOKORO_SERVER": f"unix:{served.socket}"}
    args = ["say", "-f", "long.txt", "-o", "long.wav"]
    (tmp_path / "long.txt").write_text(" ".join([LONG] * 8))
    proc = subprocess.Popen(
        [sys.executable, "-c", QUICK, *args], cwd=tmp_path, env=env, stderr=subprocess.PIPE
    )
    wait_for(lambda: json.loads(unix_get(served.socket, "/health")[1])["active"], "the request")
    gone = served.stderr().count("a client went away")
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert err.decode().splitlines()[-1] == "143", err.decode()  # QUICK prints main()'s code
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.txt"]
    wait_for(lambda: served.stderr().count("a client went away") > gone, "the server to notice")
    code, heavy, _, err = quick(["say", HELLO, "-o", "after.wav"], tmp_path, env)
    assert (code, heavy, err) == (0, [], "") and sf.info(tmp_path / "after.wav").duration > 0.5


# ---------------------------------------------------------------- issue 27: edges and leftovers


def test_every_answer_has_its_margins(served: Served, oai: openai.OpenAI) -> None:
    """The OpenAI endpoint keeps the margins; a request may set them as `say` does."""
    pcm = oai.audio.speech.create(
        model="kokoro", voice="af_heart", input=HELLO, response_format="pcm"
    )
    expected = (pauses.LEAD_IN, pauses.TAIL)
    assert margins(pcm_of(pcm.content)) == pytest.approx(expected, abs=0.01)
    for extra, want in [({"lead_in": 0.5, "tail": 1}, (0.5, 1.0)), ({"trim": True}, None)]:
        status, body = served.post({"input": HELLO, "response_format": "pcm", **extra})
        assert status == 200
        if want is None:
            assert max(margins(pcm_of(body))) <= 0.03  # the 10 ms fades only
        else:
            assert margins(pcm_of(body)) == pytest.approx(want, abs=0.01)
    status, error = error_of(served.post({"input": HELLO, "lead_in": -1}))
    assert (status, error["param"]) == (400, "lead_in") and "out of range" in error["message"]


def test_the_mp3_stream_starts_where_its_audio_does(oai: openai.OpenAI) -> None:
    """No blank first frame (LAME's tag placeholder), and the encoder's delay taken out of the
    lead-in: decoded, the stream lines up with the same answer in pcm, as a tagged file does."""
    from kokoro_cli.audio.encoders import mp3_frame_size

    def speech(fmt: str) -> bytes:
        return oai.audio.speech.create(
            model="kokoro", voice="af_heart", input=TWO, response_format=fmt
        ).content

    mp3, pcm = speech("mp3"), pcm_of(speech("pcm"))
    size = mp3_frame_size(mp3[:4])
    assert size and any(mp3[4:size])  # a frame of audio, not a header and zeros
    decoded = {"libsndfile": sf.read(io.BytesIO(mp3), dtype="float32")[0]}
    ffmpeg = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "-", "-f", "f32le", "-"], input=mp3, capture_output=True
    )
    if ffmpeg.returncode == 0:  # a decoder apart from libsndfile's mpg123, where installed
        decoded["ffmpeg"] = np.frombuffer(ffmpeg.stdout, dtype="<f4")
    for decoder, audio in decoded.items():
        assert 0 <= len(audio) - len(pcm) <= 2 * 576, decoder  # at most the last frame's padding
        start = round(pauses.LEAD_IN * SAMPLE_RATE)  # the speech, 0.8 s of it, against the pcm
        ref = pcm[start : start + SAMPLE_RATE * 4 // 5]
        scores = [float(np.dot(audio[start + lag : start + lag + len(ref)], ref)) for lag in range(-1200, 1201)]  # fmt: skip
        assert int(np.argmax(scores)) - 1200 == 0, decoder


def test_a_timings_request_stops_when_its_client_hangs_up(served: Served) -> None:
    """The timings answer is sent whole at the end: the server must look for a client that
    left between chunks, stop there, free the slot and answer the next request."""
    text = " ".join([LONG] * 6)
    body = json.dumps({"input": text, "response_format": "wav", "timings": True}).encode()
    gone = served.stderr().count("a client went away")
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as s:
        s.sendall(
            b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        wait_for(lambda: served.health()["active"] == 1, "the request to start")
    # the socket is closed: the client is gone while its answer is being made
    wait_for(lambda: served.stderr().count("a client went away") > gone, "the server to notice")
    # (before, the whole text was spoken for nobody: no notice, the slot held till the end)
    wait_for(lambda: served.health()["active"] == 0, "the slot to be freed")
    status, raw = served.post({"input": HELLO, "response_format": "wav", "timings": True})
    assert status == 200 and json.loads(raw)["cues"][0]["text"] == HELLO


def test_verbose_one_liners_stay_on_the_fast_path(served: Served, kokoro: Kokoro, tmp_path: Path) -> None:  # fmt: skip
    """-v before `say`: still no typer, numpy or torch, and -v says what the full CLI says:
    where the speech came from, and a traceback with an error."""
    env = {"KOKORO_SERVER": f"unix:{served.socket}"}
    code, heavy, _, err = quick(["-v", "say", HELLO, "-o", "v.wav"], tmp_path, env)
    assert (code, heavy) == (0, []) and sf.info(tmp_path / "v.wav").duration > 0.5
    assert err == f"kokoro: speaking through the server at unix:{served.socket}"
    args = ["say", HELLO, "--voice", "xx_nobody", "-o", "x.wav"]
    code, heavy, _, err = quick(["--verbose", *args], tmp_path, env)
    here = kokoro("-v", *args, "--no-server")
    assert code == here.returncode == 2 and heavy == []
    assert "Traceback" in err and "Traceback" in here.stderr
    assert err.splitlines()[-1] == here.stderr.splitlines()[-1]
    code, heavy, _, err = quick(["-q", "-v", "say", HELLO, "-o", "qv.wav"], tmp_path, env)
    assert (code, heavy, err) == (0, [], "")  # -q wins, as in the full CLI


def test_openai_client_asks_for_a_pitch(oai: openai.OpenAI, model) -> None:  # noqa: ANN001
    """`pitch` (semitones) is our field beside OpenAI's: the official client sends it in
    extra_body, and the answer is the in-process synthesis at that pitch."""
    from kokoro_cli.audio.sinks import to_pcm16
    from kokoro_cli.pipeline import SynthesisConfig, synthesize

    def ask(**extra: object) -> bytes:
        return oai.audio.speech.create(
            model="kokoro", voice="af_heart", input=HELLO, response_format="pcm",
            extra_body=extra or None,
        ).content  # fmt: skip

    low = ask(pitch=-4)
    config = SynthesisConfig("af_heart", pitch=-4)
    here = np.concatenate([c.audio for c in synthesize(HELLO, config, model)])
    assert low == to_pcm16(here) and low != ask()
    with pytest.raises(openai.BadRequestError, match="pitch 30 is out of range"):
        ask(pitch=30)


def test_ssml_input_through_the_openai_client(served: Served, oai: openai.OpenAI) -> None:
    doc = '<speak>Hello there. <break time="1s"/> <prosody rate="slow">Good bye.</prosody></speak>'
    speech = oai.audio.speech.create(
        model="kokoro", voice="af_heart", input=doc, response_format="pcm"
    )
    audio = pcm_of(speech.content)
    gaps = [(b - a) / SAMPLE_RATE for a, b in silences(audio, SAMPLE_RATE, db=-50, least=0.5)]
    assert gaps == [pytest.approx(1.0, abs=0.05)]
    literal = oai.audio.speech.create(
        model="kokoro",
        voice="af_heart",
        input=doc,
        response_format="pcm",
        extra_body={"ssml": False},
    )
    assert len(literal.content) != len(speech.content)  # the tags read aloud, no break
    with pytest.raises(openai.BadRequestError) as bad:
        oai.audio.speech.create(
            model="kokoro", voice="af_heart", input="<speak>Hi <p>x</s></speak>"
        )
    error = bad.value.body
    assert isinstance(error, dict) and error["param"] == "input"
    assert "not well-formed at line 1:17: mismatched tag" in error["message"]
    status, error = error_of(served.post({"input": "<speak>Hi</speak>", "ssml": "yes"}))
    assert (status, error["param"]) == (400, "ssml")
    assert served.health()["status"] == "ok"
