"""Live text (issue 23): how soon each sentence of an LLM-like stream is heard.

A story of 10-word sentences is written token by token at TOKENS_PER_SECOND (an LLM's pace)
into `kokoro say -o - --format raw` (cold: loading the model itself; warm: through a running
`kokoro serve`) and into the WebSocket /v1/audio/speech/live. For each sentence, the latency is
the time from the moment its last character was written to the moment the first audio of its
speech arrived; p50 and p95 over the sentences (the cold run's first sentence, which waits for
the model to load, is shown apart). RTF: seconds spent making audio per second of audio.

Where each sentence's speech starts in the output is read from the WebSocket's word cues; the
output is the same in every run (sentences are synthesized one by one, whenever they arrive).
Runs on its own (python bench/live.py) and in `make bench`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from table import print_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KOKORO = [sys.executable, "-m", "kokoro_cli"]
SAMPLE_RATE = 24_000
TOKENS_PER_SECOND = 20
STORY = [
    "The old lighthouse keeper walked slowly down to the harbor.",
    "Every morning he counted the boats that came back safely.",
    "Today the sea was calm and the sky was clear.",
    "A small girl waited on the pier with her dog.",
    "She asked him why the light still burned at noon.",
    "He smiled and said that some sailors were still out.",
    "They sat together and watched the horizon for a while.",
    "At last a red sail appeared beyond the rocky point.",
]


def tokens(text: str) -> list[str]:
    """LLM-like tokens: words with their leading space, long ones in two pieces."""
    out = []
    for word in re.findall(r"\s*\S+", text):
        cut = len(word) // 2 if len(word.strip()) > 6 else len(word)
        out += [p for p in (word[:cut], word[cut:]) if p]
    return out


def write_story(write: Callable[[str], None]) -> list[float]:
    """Write the story at TOKENS_PER_SECOND; when each sentence's last character went out."""
    text = " ".join(STORY) + " "
    arrivals, written, ends = [], 0, []
    pos = 0
    for sentence in STORY:
        pos = text.index(sentence, pos) + len(sentence)
        ends.append(pos)
    start = time.monotonic()
    for k, token in enumerate(tokens(text)):
        delay = start + k / TOKENS_PER_SECOND - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        write(token)
        written += len(token)
        while len(arrivals) < len(ends) and written >= ends[len(arrivals)]:
            arrivals.append(time.monotonic())
    return arrivals


class Received:
    """Audio as it arrives: (time, samples so far) after each read."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, int]] = []
        self.samples = 0

    def add(self, samples: int) -> None:
        self.samples += samples
        self.marks.append((time.monotonic(), self.samples))

    def when(self, sample: int) -> float:
        """When audio past `sample` had arrived."""
        return next(t for t, n in self.marks if n > sample)


def figures(arrivals: list[float], got: Received, starts: list[int]) -> tuple[list[float], float]:
    """Per-sentence latencies and the RTF (busy seconds per audio second)."""
    late = [got.when(s) - a for s, a in zip(starts, arrivals, strict=True)]
    ends = [*starts[1:], got.samples - 1]
    busy, free = 0.0, 0.0
    for a, e in zip(arrivals, ends, strict=True):
        done = got.when(e)
        busy += max(0.0, done - max(a, free))
        free = done
    return late, busy / (got.samples / SAMPLE_RATE)


def run_say(env: dict[str, str]) -> tuple[list[float], Received]:
    cmd = [*KOKORO, "say", "-o", "-", "--format", "raw"]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    got = Received()

    def read() -> None:
        while part := proc.stdout.read1(65536):  # type: ignore[union-attr]
            got.add(len(part) // 2)

    reader = threading.Thread(target=read)
    reader.start()

    def write(token: str) -> None:
        proc.stdin.write(token.encode())  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]

    arrivals = write_story(write)
    proc.stdin.close()
    reader.join()
    if proc.wait() != 0:
        raise SystemExit("bench: kokoro say failed")
    return arrivals, got


async def _socket(port: int) -> tuple[list[float], Received, list[dict]]:
    import websockets

    got, cues = Received(), []
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1/audio/speech/live") as ws:
        loop = asyncio.get_running_loop()
        sent: asyncio.Queue[str] = asyncio.Queue()
        writing = loop.run_in_executor(None, write_story, lambda t: loop.call_soon_threadsafe(sent.put_nowait, t))  # fmt: skip

        async def send() -> None:
            while not (writing.done() and sent.empty()):
                try:
                    token = await asyncio.wait_for(sent.get(), 0.05)
                except asyncio.TimeoutError:
                    continue
                await ws.send(json.dumps({"text": token}))
            await ws.send(json.dumps({"end": True}))

        sender = asyncio.create_task(send())
        async for message in ws:
            if isinstance(message, bytes):
                got.add(len(message) // 2)
            else:
                event = json.loads(message)
                if event["type"] == "cue":
                    cues.append(event)
        await sender
        return await writing, got, cues


def sentence_starts(cues: list[dict]) -> list[int]:
    """The first sample of each sentence's speech, from the first word cue in its span."""
    text = " ".join(STORY) + " "
    starts, pos = [], 0
    for sentence in STORY:
        pos = text.index(sentence, pos)
        first = next(c for c in cues if c["char_start"] >= pos)
        starts.append(int(first["start"] * SAMPLE_RATE))
    return starts


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    xdg = tmp / "xdg"
    xdg.mkdir(mode=0o700)
    log = tmp / "serve.log"
    env = {**os.environ, "XDG_RUNTIME_DIR": str(xdg)}
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [*KOKORO, "serve", "--port", "0"], env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    while not (found := re.search(r"127\.0\.0\.1:(\d+)", log.read_text())):
        if proc.poll() is not None:
            raise SystemExit(f"bench: kokoro serve failed: {log.read_text()}")
        time.sleep(0.2)
    return proc, int(found[1]), xdg / "kokoro-cli" / "kokoro.sock"


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s"


def _p95(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]:.2f} s"


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KOKORO_SERVER": "off"}
    env.pop("KOKORO_API_KEY", None)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        server, port, sock = start_server(Path(tmp))
        try:
            arrivals, got, cues = asyncio.run(_socket(port))
            starts = sentence_starts(cues)
            late, rtf = figures(arrivals, got, starts)
            rows += [
                (
                    "WebSocket: sentence -> first audio, p50",
                    _ms(late),
                    f"{len(late)} sentences of 10 words, {TOKENS_PER_SECOND} tokens/s",
                ),  # fmt: skip
                ("WebSocket: p95", _p95(late), ""),
                ("WebSocket: RTF", f"{rtf:.2f}", "busy seconds per audio second"),
            ]
            arrivals, got = run_say({**env, "KOKORO_SERVER": f"unix:{sock}"})
            late, rtf = figures(arrivals, got, starts)
            rows += [
                ("say, warm server: p50", _ms(late), "LLM | kokoro say -o - --format raw"),
                ("say, warm server: p95", _p95(late), ""),
                ("say, warm server: RTF", f"{rtf:.2f}", ""),
            ]
        finally:
            server.terminate()
            server.wait()
    arrivals, got = run_say(env)
    late, rtf = figures(arrivals, got, starts)
    rows += [
        ("say, cold: first sentence", f"{late[0]:.2f} s", "loads the model meanwhile"),
        ("say, cold: p50 of the others", _ms(late[1:]), ""),
        ("say, cold: p95 of the others", _p95(late[1:]), ""),
        ("say, cold: RTF", f"{rtf:.2f}", ""),
    ]
    load = os.getloadavg()[0]
    print_table(rows, heading=f"live text (load average {load:.1f})")


if __name__ == "__main__":
    main()
