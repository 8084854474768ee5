"""One-liners with a warm server: `kokoro say` through `kokoro serve`, against in-process.

Starts `kokoro serve` on a private socket and a free port, then times whole `kokoro say`
processes from exec: writing a file, and the first audio byte on stdout. Medians of RUNS
processes. Runs on its own (python bench/serve.py) and as part of bench/run.py.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
HELLO = "Hello there."
KOKORO = [sys.executable, "-m", "kokoro_cli"]


def _wall(cmd: list[str], env: dict, cpu: list[float]) -> float:
    """Wall seconds of a whole process; its CPU seconds (user + sys) go to `cpu`, a figure a
    shared machine disturbs less than the wall time."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed")
    cpu.append(usage.ru_utime + usage.ru_stime)
    return wall


def _until_sound(read: Callable[[int], bytes], header: int) -> bool:
    """Read until a sample that is not silence: the lead-in's zeros (issue 27's margins) go out
    at once, before the speech is computed, and do not count as first audio."""
    skip = header
    while block := read(65536):
        if any(block[skip:]):
            return True
        skip = max(0, skip - len(block))
    return False


def _first_audio(cmd: list[str], env: dict) -> float:
    """Seconds from exec until the first sound (past the WAV header) arrives on stdout."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    heard = _until_sound(proc.stdout.read1, 44)
    seconds = time.perf_counter() - t
    proc.stdout.read()
    if proc.wait() != 0 or not heard:
        raise SystemExit(f"bench: {' '.join(cmd)} failed")
    return seconds


def _median(samples: list[float]) -> str:
    samples.sort()
    return f"{statistics.median(samples):.2f} s ({samples[0]:.2f}-{samples[-1]:.2f})"


def _first_byte(port: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = json.dumps({"input": HELLO, "response_format": "pcm"})
    t = time.perf_counter()
    conn.request("POST", "/v1/audio/speech", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    _until_sound(response.read1, 0)
    seconds = time.perf_counter() - t
    response.read()
    conn.close()
    return seconds


def rows(env: dict, runs: int = RUNS) -> list[tuple[str, str, str]]:
    """Table rows (measure, value, notes) for bench/run.py."""
    with tempfile.TemporaryDirectory() as tmp:
        sock, log = Path(tmp) / "k.sock", Path(tmp) / "serve.log"
        with log.open("wb") as err:
            server = subprocess.Popen(
                [*KOKORO, "serve", "--socket", str(sock), "--port", "0"],
                env=env, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        try:
            while not (found := re.search(r"127\.0\.0\.1:(\d+)", log.read_text())):
                if server.poll() is not None:
                    raise SystemExit(f"bench: kokoro serve failed:\n{log.read_text()}")
                time.sleep(0.1)
            port = int(found[1])
            warm = {**env, "KOKORO_SERVER": f"unix:{sock}"}
            out = f"{tmp}/hello.wav"
            cpu: list[float] = []
            file_runs = [_wall([*KOKORO, "say", HELLO, "-o", out], warm, cpu) for _ in range(runs)]
            pipe = [*KOKORO, "say", HELLO, "-o", "-"]
            pipe_runs = [_first_audio(pipe, warm) for _ in range(runs)]
            cold_pipe = [
                _first_audio([*pipe, "--no-server"], env) for _ in range(max(1, runs // 2))
            ]
            http_runs = [_first_byte(port) for _ in range(runs)]
        finally:
            server.terminate()
            server.wait()
    return [
        ('say "Hello there." -o hello.wav, warm server', _median(file_runs), f"whole process; target 0.5 s; CPU {_median(cpu)}"),
        ("first audio on stdout from exec, warm server", _median(pipe_runs), "say -o -; target 0.4 s"),
        ("first audio on stdout from exec, --no-server", _median(cold_pipe), "the same, in-process"),
        ("POST /v1/audio/speech, first sound (pcm)", _median(http_runs), "a one-sentence request"),
    ]  # fmt: skip


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KOKORO_SERVER": "off"}
    table = rows(env)
    width = max(len(r[0]) for r in table)
    for name, value, note in table:
        print(f"{name:<{width}}  {value:>24}  {note}")


if __name__ == "__main__":
    main()
