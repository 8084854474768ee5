"""Wyoming (Home Assistant) on `kokoro serve --wyoming`: first audio, against HTTP, and streamed.

Starts one server with HTTP and Wyoming listeners on the same warm engine, then, interleaved in
each of RUNS rounds (so that a busy shared machine slows all of them alike):
- HTTP: POST /v1/audio/speech (pcm), seconds to the first byte;
- Wyoming Synthesize: seconds to the first AudioChunk, for the same text, and for its first
  sentence alone (the least a stream can take once that sentence is complete);
- Wyoming stream: the text sent as an LLM writes it (a piece every PIECE_GAP s), as Home
  Assistant passes it on: seconds from the piece that completes the first sentence to the
  first AudioChunk, and how long before the client's SynthesizeStop that audio came; then
  Synthesize of the whole text once it is complete, for comparison (first audio after the
  text's end).
Medians (min-max). Run: python bench/wyoming_latency.py [RUNS].
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from table import print_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
TEXT = (
    "Sure, the kitchen lights are on now. I also closed the garage door, and the thermostat "
    "is set to twenty one degrees for the evening. The washing machine finished about ten "
    "minutes ago, so the laundry is ready whenever you are. Anything else you would like me "
    "to take care of before you head out?"
)
FIRST = "Sure, the kitchen lights are on now."
PIECE_GAP = 0.05  # seconds between pieces: about 20 tokens a second, a local LLM's pace


def _pieces(text: str) -> list[str]:
    return re.findall(r"\S+\s*", text)  # word by word, as tokens come


def _http_first_byte(port: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    body = json.dumps({"input": TEXT, "voice": "af_heart", "response_format": "pcm"})
    t = time.perf_counter()
    conn.request("POST", "/v1/audio/speech", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read1(4096)
    seconds = time.perf_counter() - t
    response.read()
    conn.close()
    return seconds


async def _synthesize_first_chunk(port: int, text: str = TEXT) -> float:
    from wyoming.client import AsyncTcpClient
    from wyoming.tts import Synthesize, SynthesizeVoice

    async with AsyncTcpClient("127.0.0.1", port) as client:
        t = time.perf_counter()
        await client.write_event(Synthesize(text, voice=SynthesizeVoice("af_heart")).event())
        first = None
        while (event := await client.read_event()) is not None:
            if event.type == "audio-chunk" and first is None:
                first = time.perf_counter() - t
            if event.type == "audio-stop":
                break
    assert first is not None
    return first


async def _stream(port: int) -> tuple[float, float]:
    """(first audio after the first sentence was complete, how long before the stop it came)."""
    from wyoming.client import AsyncTcpClient
    from wyoming.tts import (
        Synthesize,
        SynthesizeChunk,
        SynthesizeStart,
        SynthesizeStop,
        SynthesizeVoice,
    )

    async with AsyncTcpClient("127.0.0.1", port) as client:
        marks: dict[str, float] = {}

        async def listen() -> None:
            while (event := await client.read_event()) is not None:
                if event.type == "audio-chunk":
                    marks.setdefault("audio", time.perf_counter())
                if event.type == "synthesize-stopped":
                    return

        listening = asyncio.ensure_future(listen())
        await client.write_event(SynthesizeStart(voice=SynthesizeVoice("af_heart")).event())
        sent = ""
        for piece in _pieces(TEXT):
            await client.write_event(SynthesizeChunk(text=piece).event())
            sent += piece
            if sent.strip() == FIRST:
                marks["sentence"] = time.perf_counter()
            await asyncio.sleep(PIECE_GAP)
        await client.write_event(Synthesize(TEXT).event())  # Home Assistant's compatibility copy
        marks["stop"] = time.perf_counter()
        await client.write_event(SynthesizeStop().event())
        await listening
    return marks["audio"] - marks["sentence"], marks["stop"] - marks["audio"]


def _median(samples: list[float]) -> str:
    samples = sorted(samples)
    return f"{statistics.median(samples):.2f} s ({samples[0]:.2f}-{samples[-1]:.2f})"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KOKORO_SERVER": "off"}
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "serve.log"
        with log.open("wb") as err:
            server = subprocess.Popen(
                [sys.executable, "-m", "kokoro_cli", "serve", "--socket", f"{tmp}/k.sock",
                 "--port", "0", "--wyoming", "tcp://127.0.0.1:0"],
                env=env, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        try:
            pattern = r"http://127\.0\.0\.1:(\d+) and wyoming tcp://127\.0\.0\.1:(\d+)"
            while not (found := re.search(pattern, log.read_text())):
                if server.poll() is not None:
                    raise SystemExit(f"bench: kokoro serve failed:\n{log.read_text()}")
                time.sleep(0.1)
            http_port, wy_port = int(found[1]), int(found[2])
            http, synth, alone, early, ahead = [], [], [], [], []
            for _ in range(runs):
                http.append(_http_first_byte(http_port))
                synth.append(asyncio.run(_synthesize_first_chunk(wy_port)))
                alone.append(asyncio.run(_synthesize_first_chunk(wy_port, FIRST)))
                after_sentence, before_stop = asyncio.run(_stream(wy_port))
                early.append(after_sentence)
                ahead.append(before_stop)
        finally:
            server.terminate()
            server.wait()
    load = os.getloadavg()[0]
    print_table(
        [
            ("HTTP POST /v1/audio/speech, first byte", _median(http), f"pcm, {len(TEXT)} chars"),
            ("Wyoming synthesize, first audio-chunk", _median(synth), "the same text"),
            ("Wyoming synthesize of sentence 1 alone", _median(alone), "the floor for the next row"),
            ("stream: first audio after sentence 1 ends", _median(early), f"a word every {PIECE_GAP} s"),
            ("stream: that audio before synthesize-stop", _median(ahead), "how much sooner than waiting for all text"),
        ],
        heading=f"Wyoming, {runs} rounds interleaved, load {load:.1f}",
    )  # fmt: skip


if __name__ == "__main__":
    main()
