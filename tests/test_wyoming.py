"""`kokoro serve --wyoming`: a real server subprocess and the `wyoming` package's own async TCP
client, as Home Assistant uses it; raw sockets for the abuse."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from wyoming.audio import AudioChunk, AudioStart
from wyoming.client import AsyncTcpClient
from wyoming.event import Event, async_read_event
from wyoming.info import Describe, Info
from wyoming.ping import Ping
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

from kokoro_cli import SAMPLE_RATE
from kokoro_cli.serve.wyoming import LINE_LIMIT, MAX_DATA
from tests.server_helpers import Served, start_server

HELLO = "Hello there."
LONG = (
    "The first sentence is short. The second one goes on for quite a bit longer than that. "
    "A third follows it, and a fourth one after that. Then a fifth, and finally the sixth."
)
TIMEOUT = 300  # seconds for one event: the machine may be shared and busy
LANGS = {"en-US", "en-GB", "es-ES", "fr-FR", "hi-IN", "it-IT", "ja-JP", "pt-BR", "zh-CN"}


class Wyoming(Served):
    wyoming: int = 0


@pytest.fixture(scope="module")
def served(model, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wyoming]:
    """HTTP (--port 0), the Unix socket and Wyoming on one server, two jobs at a time."""
    server = start_server(
        tmp_path_factory.mktemp("wyoming"), "--wyoming", "tcp://127.0.0.1:0", "--jobs", "2"
    )
    found = re.search(r"wyoming tcp://127\.0\.0\.1:(\d+)", server.stderr())
    assert found, server.stderr()
    served = Wyoming(server.proc, server.socket, server.port, server.log, server.xdg)
    served.wyoming = int(found[1])
    yield served
    assert served.stop() == 0, served.stderr()


def run(coro):  # noqa: ANN001, ANN201
    return asyncio.run(coro)


async def read_until(client: AsyncTcpClient, *ends: str) -> list[Event]:
    """Events up to and including one of `ends` (or an error)."""
    got: list[Event] = []
    while True:
        event = await asyncio.wait_for(client.read_event(), TIMEOUT)
        assert event is not None, f"connection closed after {[e.type for e in got]}"
        got.append(event)
        if event.type in ends or event.type == "error":
            return got


async def ask(port: int, *events: Event, end: str = "audio-stop") -> list[Event]:
    async with AsyncTcpClient("127.0.0.1", port) as client:
        for event in events:
            await client.write_event(event)
        return await read_until(client, end)


def synthesize(text: str, name: str | None = None, language: str | None = None) -> Event:
    voice = SynthesizeVoice(name=name, language=language) if name or language else None
    return Synthesize(text=text, voice=voice).event()


def pcm_of(events: list[Event]) -> bytes:
    chunks = [AudioChunk.from_event(e) for e in events if AudioChunk.is_type(e.type)]
    for chunk in chunks:  # 16-bit mono at 24 kHz, 100 ms at most each
        assert (chunk.rate, chunk.width, chunk.channels) == (SAMPLE_RATE, 2, 1)
        assert 0 < len(chunk.audio) <= 4800  # 2400 samples: 100 ms
    return b"".join(c.audio for c in chunks)


def http_pcm(served: Served, text: str, voice: str) -> bytes:
    status, body = served.post({"input": text, "voice": voice, "response_format": "pcm"})
    assert status == 200, body
    return body


def test_describe_lists_every_voice_and_its_language(served: Wyoming, voices_dir: Path) -> None:
    from kokoro_cli.model import voices

    voices.create_mixed_voice("wy_blend", ["bf_emma", "bf_isabella"], [0.7, 0.3])
    try:
        (event,) = run(ask(served.wyoming, Describe().event(), end="info"))
    finally:
        for leftover in voices_dir.glob("wy_blend.*"):
            leftover.unlink()
    (program,) = Info.from_event(event).tts
    assert program.name == "kokoro" and program.installed and program.supports_synthesize_streaming
    assert program.version and "hexgrad" in program.attribution.name
    offered = {v.name: v for v in program.voices}
    bundled = json.loads((Path(voices.bundled_voices_dir()) / "voices.json").read_text())
    assert set(bundled) <= set(offered) and len(bundled) == 54
    tags = {"a": "en-US", "b": "en-GB", "e": "es-ES", "f": "fr-FR", "h": "hi-IN", "i": "it-IT",
            "j": "ja-JP", "p": "pt-BR", "z": "zh-CN"}  # fmt: skip
    for name in bundled:
        voice = offered[name]
        assert voice.languages == [tags[name[0]]], name
        assert voice.installed and voice.version == "1.0"
        assert "Apache-2.0" in voice.attribution.name and "hexgrad" in voice.attribution.name
        assert name in (voice.description or "")  # Home Assistant shows the description
    assert offered["af_heart"].description == "Heart (female, af_heart)"
    assert {lang for v in program.voices for lang in v.languages} == LANGS
    assert offered["wy_blend"].languages == ["en-GB"] and "mixed" in offered["wy_blend"].description


def test_synthesize_speaks_intelligibly_in_100_ms_chunks(served: Wyoming) -> None:
    from tests.test_intelligibility import ASR_RATE, pcm16, pocketsphinx, recognize, wer

    text = "Please turn on the kitchen lights and close the garage door."
    events = run(ask(served.wyoming, synthesize(text, "af_heart")))
    kinds = [e.type for e in events]
    assert kinds[0] == "audio-start" and kinds[-1] == "audio-stop"
    assert set(kinds[1:-1]) == {"audio-chunk"} and len(kinds) > 10
    start = AudioStart.from_event(events[0])
    assert (start.rate, start.width, start.channels) == (SAMPLE_RATE, 2, 1)
    pcm = pcm_of(events)
    assert pcm == http_pcm(served, text, "af_heart")  # the same engine, the same samples
    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32767
    room = np.zeros(SAMPLE_RATE // 3, dtype=np.float32)  # a lead-in, as a microphone has
    decoder = pocketsphinx.Decoder(samprate=ASR_RATE, loglevel="FATAL")
    heard = recognize(decoder, pcm16(np.concatenate([room, audio, room])))
    backwards = recognize(decoder, pcm16(np.concatenate([room, audio[::-1], room])))
    reference = text.lower().rstrip(".")
    assert wer(reference, heard) <= 0.25, heard
    assert wer(reference, backwards) > 0.8, backwards  # the score listens: no words, no match


def test_voice_by_language_and_errors_keep_the_connection(
    served: Wyoming, voices_dir: Path
) -> None:
    async def talk() -> list[list[Event]]:
        async with AsyncTcpClient("127.0.0.1", served.wyoming) as client:
            answers = []
            for event in (
                synthesize("Bonjour à tous.", language="fr_FR"),  # -> ff_siwis
                synthesize(HELLO, "af_hart"),
                synthesize(HELLO, language="tlh"),
                synthesize("   "),
                synthesize(HELLO, "../etc/af_heart.pt"),
                synthesize(HELLO, "af_broken"),  # listed, but its pack does not load
                Event("synthesize", {"text": 5}),
                Event("synthesize", {"text": HELLO, "voice": "af_heart"}),
                SynthesizeChunk(text="no stream").event(),
                Event("frobnicate", {"a": 1}),
            ):
                await client.write_event(event)
                answers.append(await read_until(client, "audio-stop"))
            await client.write_event(Ping(text="still there?").event())
            answers.append(await read_until(client, "pong"))
            return answers

    (voices_dir / "af_broken.pt").write_bytes(b"not a tensor")
    try:
        french, *errors, pong = run(talk())
    finally:
        (voices_dir / "af_broken.pt").unlink()
    assert pcm_of(french) == http_pcm(served, "Bonjour à tous.", "ff_siwis")
    texts = [e[-1].data["text"] for e in errors]
    assert all(e[-1].type == "error" for e in errors), texts
    assert "unknown voice 'af_hart'" in texts[0] and "af_heart" in texts[0]  # did you mean
    assert "tlh" in texts[1] and "en-US" in texts[1]
    assert "empty" in texts[2]
    assert "file path" in texts[3]
    assert "cannot read voicepack" in texts[4] and len(errors[4]) == 1  # no audio-start first
    assert "'text' must be a string" in texts[5]
    assert "'voice' must be" in texts[6]
    assert "outside a stream" in texts[7]
    assert "unknown event type 'frobnicate'" in texts[8] and "synthesize" in texts[8]
    assert pong[-1].data["text"] == "still there?"


def loud(chunk: AudioChunk) -> bool:
    return bool(np.abs(np.frombuffer(chunk.audio, dtype="<i2")).max(initial=0) > 3000)


def test_streaming_speaks_the_first_sentence_before_the_stream_ends(served: Wyoming) -> None:
    # An LLM's reply as Home Assistant passes it: pieces over ~2 s, the whole text again
    # (for servers that cannot stream), then the stop.
    pieces = ["Good ", "morning! ", "The weather ", "today is ", "sunny ", "and warm. ", "Enjoy ",
              "your ", "day."]  # fmt: skip
    text = "".join(pieces)

    async def stream() -> tuple[list[Event], bool]:
        async with AsyncTcpClient("127.0.0.1", served.wyoming) as client:
            heard = asyncio.Event()
            events: list[Event] = []

            async def listen() -> None:
                while (event := await asyncio.wait_for(client.read_event(), TIMEOUT)) is not None:
                    events.append(event)
                    if AudioChunk.is_type(event.type) and loud(AudioChunk.from_event(event)):
                        heard.set()  # speech, not a lead-in's silence
                    if event.type in ("synthesize-stopped", "error"):
                        return

            listening = asyncio.ensure_future(listen())
            await client.write_event(SynthesizeStart(voice=SynthesizeVoice("af_heart")).event())
            for piece in pieces:
                await client.write_event(SynthesizeChunk(text=piece).event())
                await asyncio.sleep(0.25)
            try:  # the first sentence is complete: its audio comes before the stream ends
                await asyncio.wait_for(heard.wait(), 120)
            except TimeoutError:
                pass
            early = heard.is_set()
            await client.write_event(Synthesize(text=text).event())  # ignored inside a stream
            await client.write_event(SynthesizeStop().event())
            await listening
            return events, early

    events, early = run(stream())
    assert early, [e.type for e in events]
    assert events[-1].type == "synthesize-stopped" and "error" not in [e.type for e in events]
    streamed = len(pcm_of(events))
    whole = len(pcm_of(run(ask(served.wyoming, synthesize(text, "af_heart")))))
    assert 0.8 < streamed / whole < 1.25  # all of it, once: the compatibility copy is not spoken


def test_a_stream_with_a_bad_voice_is_refused_and_still_stopped(served: Wyoming) -> None:
    async def stream() -> list[Event]:
        async with AsyncTcpClient("127.0.0.1", served.wyoming) as client:
            await client.write_event(SynthesizeStart(voice=SynthesizeVoice("af_nope")).event())
            await client.write_event(SynthesizeChunk(text="Not spoken. ").event())
            await client.write_event(SynthesizeStop().event())
            error = await read_until(client, "synthesize-stopped")
            return error + await read_until(client, "synthesize-stopped")

    async def after_error() -> list[Event]:
        async with AsyncTcpClient("127.0.0.1", served.wyoming) as client:
            await client.write_event(SynthesizeStart().event())
            await client.write_event(SynthesizeStop().event())
            stopped = await read_until(client, "synthesize-stopped")  # an empty stream
            await client.write_event(synthesize(HELLO))  # the connection stays usable
            return stopped + await read_until(client, "audio-stop")

    refused = run(stream())
    assert refused[0].type == "error" and "unknown voice 'af_nope'" in refused[0].data["text"]
    assert refused[0].data["code"] == "unknown-voice"
    assert [e.type for e in refused] == ["error", "synthesize-stopped"]  # nothing spoken
    empty_then_hello = run(after_error())
    assert [e.type for e in empty_then_hello][:2] == ["synthesize-stopped", "audio-start"]
    assert len(pcm_of(empty_then_hello)) > SAMPLE_RATE


def test_two_clients_at_once_and_http_beside(served: Wyoming) -> None:
    texts = ("The first client asks for this.", "And the second one asks for that.")

    async def both() -> list[list[Event]]:
        return await asyncio.gather(*(ask(served.wyoming, synthesize(t, "am_adam")) for t in texts))

    got: list[list[Event]] = []
    thread = threading.Thread(target=lambda: got.extend(run(both())))
    thread.start()
    beside = http_pcm(served, HELLO, "af_heart")  # HTTP on the same engine meanwhile
    thread.join(timeout=600)
    assert len(got) == 2 and len(beside) > SAMPLE_RATE
    for text, events in zip(texts, got, strict=True):  # each its own, none mixed up
        assert pcm_of(events) == http_pcm(served, text, "am_adam")
    assert served.health()["active"] == 0


def test_one_job_slot_is_shared_with_http(served: Wyoming) -> None:
    async def watch() -> tuple[dict, int]:
        async with AsyncTcpClient("127.0.0.1", served.wyoming) as client:
            await client.write_event(synthesize(LONG, "af_heart"))
            await read_until(client, "audio-chunk")
            health = await asyncio.to_thread(served.health)  # asked while audio streams
            rest = await read_until(client, "audio-stop")
            return health, len(rest)

    health, rest = run(watch())
    assert health["active"] == 1 and health["jobs"] == 2 and rest > 20


def test_a_client_that_hangs_up_frees_its_slot(served: Wyoming) -> None:
    async def hang_up_after_first_audio() -> None:
        async with AsyncTcpClient("127.0.0.1", served.wyoming) as client:
            await client.write_event(synthesize(LONG * 3, "af_heart"))
            await read_until(client, "audio-chunk")

    async def hang_up_mid_stream() -> None:
        async with AsyncTcpClient("127.0.0.1", served.wyoming) as client:
            await client.write_event(SynthesizeStart().event())
            await client.write_event(SynthesizeChunk(text="Half a sentence that never").event())

    before = served.stderr().count("a Wyoming client went away")
    run(hang_up_after_first_audio())
    run(hang_up_mid_stream())
    for _ in range(600):
        if served.health()["active"] == 0 and "went away" in served.stderr()[-2000:]:
            break
        threading.Event().wait(0.1)
    assert served.health()["active"] == 0
    # closing the request while its model call still ran once failed here, and kept the slot
    assert "a Wyoming connection failed" not in served.stderr()
    stopped = re.findall(
        r"a Wyoming client went away; stopped after (\d+) spoken chunks", served.stderr()
    )
    assert len(stopped) > before and int(stopped[-1]) < 12  # LONG * 3 has 18 sentences
    assert pcm_of(run(ask(served.wyoming, synthesize(HELLO)))) == http_pcm(
        served, HELLO, "af_heart"
    )


def raw_exchange(port: int, data: bytes) -> tuple[list[Event], bool]:
    """Send raw bytes; the events that come back, and whether the server then hung up."""

    async def exchange() -> tuple[list[Event], bool]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
        writer.write(data)
        await writer.drain()
        events: list[Event] = []
        closed = False
        while True:
            try:
                event = await asyncio.wait_for(async_read_event(reader), 30)
            except TimeoutError:
                break  # nothing more within 30 s: the connection is still open
            if event is None:
                closed = True
                break
            events.append(event)
            if event.type in ("error", "info"):
                try:
                    closed = await asyncio.wait_for(reader.read(1), 2) == b""
                except TimeoutError:
                    closed = False
                break
        writer.close()
        return events, closed

    return run(exchange())


def test_malformed_and_oversized_events_never_kill_the_server(served: Wyoming) -> None:
    huge = json.dumps({"type": "synthesize", "data_length": MAX_DATA + 1}).encode() + b"\n"
    cases = {
        "not JSON": b"hello server\n",
        "no type": b'{"data": {"text": "hi"}}\n',
        "a list": b"[1, 2, 3]\n",
        "huge data": huge,
        "huge payload": json.dumps({"type": "audio-chunk", "payload_length": 10**12}).encode()
        + b"\n",
        "bad data length": b'{"type": "synthesize", "data_length": "lots"}\n',
        "endless line": b'{"type": "' + b"x" * (LINE_LIMIT + 10),
        "data not JSON": b'{"type": "synthesize", "data_length": 5}\nhello',
    }
    for what, data in cases.items():
        events, closed = raw_exchange(served.wyoming, data)
        assert [e.type for e in events] == ["error"] and closed, (what, events)
        assert events[0].data.get("code") == "bad-event", what
    # a well-framed event the server does not know: an error, and the connection stays
    events, closed = raw_exchange(served.wyoming, b'{"type": "bogus"}\n{"type": "describe"}\n')
    assert events[0].type == "error" and not closed
    # after all that, the server still answers
    (info,) = run(ask(served.wyoming, Describe().event(), end="info"))
    assert len(Info.from_event(info).tts[0].voices) >= 54
    assert served.proc.poll() is None and served.health()["status"] == "ok"


# ---------------------------------------------------------------- command line


def test_addresses_languages_and_voice_choice() -> None:
    from kokoro_cli.errors import UsageError, VoiceError
    from kokoro_cli.serve.wyoming import parse_uri
    from kokoro_cli.serve.wyoming_info import language_code, voice_for

    assert parse_uri("tcp://0.0.0.0:10200") == ("0.0.0.0", 10200)
    assert parse_uri("tcp://:10300") == ("127.0.0.1", 10300)  # this machine unless told
    assert parse_uri("tcp://[::1]:10200") == ("::1", 10200)
    assert parse_uri("tcp://localhost") == ("localhost", 10200)
    for bad in ("10200", "unix:///tmp/x", "tcp://host:port", "tcp://h:1/path"):
        with pytest.raises(UsageError):
            parse_uri(bad)
    assert [language_code(t) for t in ("en-US", "en_GB", "EN", "fr", "pt-PT", "es-MX", "zh-TW")] == [
        "en-us", "en-gb", "en-us", "fr-fr", "pt-br", "es", "zh"
    ]  # fmt: skip
    with pytest.raises(UsageError, match="'de-DE'"):
        language_code("de-DE")
    assert voice_for(None) == "af_heart"
    assert voice_for(SynthesizeVoice(language="ja-JP")) == "jf_alpha"
    assert voice_for(SynthesizeVoice(name="am_adam", speaker="x")) == "am_adam"
    assert voice_for(SynthesizeVoice(name="af_bella+af_sarah")) == "af_bella+af_sarah"
    for bad in ("af_nope", "voices/af_heart.pt", " ", "af_bella+nope"):
        with pytest.raises(VoiceError):
            voice_for(SynthesizeVoice(name=bad))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--wyoming", "http://127.0.0.1:10200"], "is not tcp://HOST:PORT"),
        (["--wyoming", "tcp://127.0.0.1:99999"], "no valid port"),
        (["--wyoming-zeroconf"], "add --wyoming"),
        (["--wyoming", "tcp://127.0.0.1:10200", "--wyoming-zeroconf"], "listens on 127.0.0.1"),
    ],
)
def test_bad_wyoming_options_are_usage_errors(
    args: list[str], message: str, tmp_path: Path
) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "kokoro_cli", "serve", *args],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)},
    )  # fmt: skip
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- discovery

# A private network namespace with a veth pair and a multicast route: mDNS stays inside it.
NETNS = (
    "ip link set lo up && ip link add kk0 type veth peer name kk1 && "
    "ip addr add 192.0.2.1/24 dev kk0 && ip link set kk0 up && ip link set kk1 up && "
    "ip route add 224.0.0.0/4 dev kk0"
)
# Home Assistant's way: browse for _wyoming._tcp.local., resolve it, connect, Describe.
BROWSE = """
import asyncio, json
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

async def main():
    zc = AsyncZeroconf()
    names = []
    browser = AsyncServiceBrowser(
        zc.zeroconf, ["_wyoming._tcp.local."], handlers=[lambda name, **_: names.append(name)]
    )
    for _ in range(100):
        if names:
            break
        await asyncio.sleep(0.1)
    info = AsyncServiceInfo("_wyoming._tcp.local.", names[0])
    assert await info.async_request(zc.zeroconf, 3000)
    host, port = info.parsed_addresses()[0], info.port
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Describe().event())
        program = Info.from_event(await client.read_event()).tts[0]
    await browser.async_cancel()
    await zc.async_close()
    print(json.dumps({"name": names[0], "host": host, "port": port, "program": program.name,
                      "voices": len(program.voices)}))

asyncio.run(main())
"""


def test_zeroconf_announces_the_service_the_way_home_assistant_finds_it(
    model, tmp_path: Path
) -> None:
    probe = subprocess.run(["unshare", "--net", "sh", "-c", NETNS], capture_output=True, text=True)
    if probe.returncode:
        pytest.skip(f"no private network namespace here (needs root): {probe.stderr.strip()}")
    log = tmp_path / "serve.log"
    command = (
        f'{NETNS} && exec "$0" -m kokoro_cli serve --wyoming tcp://0.0.0.0:0 --wyoming-zeroconf'
    )
    with log.open("wb") as err:  # Wyoming alone: no --port, only the Unix socket beside it
        proc = subprocess.Popen(
            ["unshare", "--net", "sh", "-c", command, sys.executable],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            env={**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)},
        )  # fmt: skip
    try:
        for _ in range(3000):
            if found := re.search(r"wyoming tcp://0\.0\.0\.0:(\d+)", log.read_text()):
                break
            assert proc.poll() is None, log.read_text()
            threading.Event().wait(0.1)
        assert found, log.read_text()
        assert "http://" not in log.read_text() and "no keys" in log.read_text()
        browse = subprocess.run(
            ["nsenter", "-t", str(proc.pid), "-n", sys.executable, "-c", BROWSE],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert browse.returncode == 0, browse.stderr
        seen = json.loads(browse.stdout)
        assert seen["name"].endswith("._wyoming._tcp.local.") and seen["name"].startswith("kokoro-")
        assert (seen["host"], seen["port"]) == ("192.0.2.1", int(found[1]))
        assert seen["program"] == "kokoro" and seen["voices"] >= 54
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- last: the module's server stops


def test_sigterm_drains_the_request_in_flight(served: Wyoming) -> None:
    async def drain() -> tuple[list[Event], Event | None, bool]:
        idle = AsyncTcpClient("127.0.0.1", served.wyoming)
        await idle.connect()
        async with AsyncTcpClient("127.0.0.1", served.wyoming) as client:
            await client.write_event(synthesize(LONG, "af_heart"))
            first = await read_until(client, "audio-chunk")
            served.proc.send_signal(signal.SIGTERM)
            rest = await read_until(client, "audio-stop")  # the answer in flight is finished
            after = await asyncio.wait_for(client.read_event(), TIMEOUT)  # then it hangs up
        idle_closed = await asyncio.wait_for(idle.read_event(), TIMEOUT) is None
        await idle.disconnect()
        return first + rest, after, idle_closed

    events, after, idle_closed = run(drain())
    assert events[-1].type == "audio-stop" and len(pcm_of(events)) / 2 / SAMPLE_RATE > 6
    assert after is None and idle_closed
    assert served.proc.wait(timeout=120) == 0
    assert "stopped" in served.stderr() and not served.socket.exists()
    with pytest.raises(OSError):
        run(AsyncTcpClient("127.0.0.1", served.wyoming).connect())
