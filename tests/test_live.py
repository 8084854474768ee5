"""Live text (issue 23) with the real model: Kokoro.stream_text and `kokoro say` reading a pipe
as it is written (real subprocesses, real pipes)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from kokoro_cli import SAMPLE_RATE
from kokoro_cli.api import Kokoro
from tests.cli_helpers import kokoro_popen, voiced_seconds

TEXT = "Hello there, Dr. Smith. It costs 3.5 % more.\n\nA new paragraph starts here!"


@pytest.fixture(scope="module")
def tts(model) -> Kokoro:
    return Kokoro()._using(model)


def spoken(chunks) -> tuple[np.ndarray, list]:  # noqa: ANN001
    chunks = list(chunks)
    return np.concatenate([c.audio for c in chunks]), [w for c in chunks for w in c.words]


def test_the_same_text_gives_the_same_audio_however_it_arrives(tts: Kokoro) -> None:
    whole, words = spoken(tts.stream_text([TEXT]))
    by_char, _ = spoken(tts.stream_text(iter(TEXT)))  # one character at a time
    assert np.array_equal(whole, by_char)

    async def tokens() -> AsyncIterator[str]:
        for i in range(0, len(TEXT), 3):
            await asyncio.sleep(0)
            yield TEXT[i : i + 3]

    async def collect() -> list:
        return [c async for c in tts.stream_text(tokens())]

    by_token, _ = spoken(asyncio.run(collect()))
    assert np.array_equal(whole, by_token)
    # Word offsets index the text received; every word is there, in order.
    assert all(TEXT[w.char_start : w.char_end] == w.text for w in words)
    assert [w.text for w in words][:3] == ["Hello", "there", "Dr."] and words[-1].text == "here"
    assert all(
        a.char_end <= b.char_start and a.end <= b.start
        for a, b in zip(words, words[1:], strict=False)
    )
    # A blank line between sentences is a paragraph's pause, as in whole text.
    more, new = next(w for w in words if w.text == "more"), next(w for w in words if w.text == "A")
    assert new.start - more.end > 0.9


def test_flush_speaks_what_is_buffered(tts: Kokoro) -> None:
    chunks = list(tts.stream_text(["Hello there", Kokoro.FLUSH, " my friend"]))
    texts = [c.text for c in chunks if c.text]
    assert texts == ["Hello there", "my friend"]  # the fragment, then the rest at the end
    friend = [c for c in chunks if c.words][-1].words[-1]
    assert chunks[-1].text == "" and chunks[-1].duration > 0.4  # the tail, as whole text has
    assert (friend.text, friend.char_start) == ("friend", len("Hello there my "))


def read_in_background(stream) -> tuple[bytearray, list[float]]:  # noqa: ANN001
    """Bytes read from `stream` as they come, and when each read returned."""
    got, times = bytearray(), []

    def run() -> None:
        while part := stream.read1(65536):
            got.extend(part)
            times.append(time.monotonic())

    threading.Thread(target=run, daemon=True).start()
    return got, times


def wait_until(check, timeout: float = 600) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("mode", ["sentence end", "quiet writer"])
def test_say_speaks_a_pipe_while_it_is_written(model, tmp_path: Path, mode: str) -> None:
    """The first sentence is heard while the writer is still writing: at its end, or (with no
    end in sight) once the writer has been quiet for --flush-after."""
    first, flush = ("The first sentence is here. Second ", "30") if mode == "sentence end" else ("Hello there", "0.5")  # fmt: skip
    proc = kokoro_popen(
        ["say", "-o", "-", "--format", "raw", "--flush-after", flush], tmp_path,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    got, _ = read_in_background(proc.stdout)
    proc.stdin.write(first.encode())
    proc.stdin.flush()
    wait_until(lambda: len(got) > SAMPLE_RATE)  # half a second of audio: the writer still writes
    early = len(got)
    proc.stdin.write(b" half, and an unfinished")  # the writer stops mid-sentence at the end
    proc.stdin.close()
    assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    wait_until(lambda: proc.stdout.closed or len(got) > early, timeout=10)
    time.sleep(0.2)
    audio = np.frombuffer(bytes(got), dtype="<i2").astype(np.float32) / 32767
    assert voiced_seconds(audio[: early // 2], SAMPLE_RATE) > 0.3
    assert voiced_seconds(audio[early // 2 :], SAMPLE_RATE) > 0.8  # the fragment was spoken too


def test_live_subtitles_index_the_whole_input(model, tmp_path: Path) -> None:
    """Pieces with pauses (one flushed mid-sentence): every word cue is exactly the input's
    characters at its offsets, and the audio streams out while the text comes."""
    pieces = ["Good morning, Dr. ", "Smith. It is 3.", "5 % warmer today", "\n\nWe met at ", "9 a.m. sharp"]  # fmt: skip
    proc = kokoro_popen(
        ["say", "-o", "-", "--subtitles", "out.json", "--words", "--flush-after", "0.3"],
        tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    got, _ = read_in_background(proc.stdout)
    for k, piece in enumerate(pieces):
        proc.stdin.write(piece.encode())
        proc.stdin.flush()
        if k == 2:  # "It is 3.5 % warmer today" is flushed by the quiet, then heard
            wait_until(lambda: len(got) > 2 * SAMPLE_RATE)
        time.sleep(0.05)
        assert not (tmp_path / "out.json").exists()  # only ever whole, at the end
    proc.stdin.close()
    assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    text = "".join(pieces)
    cues = json.loads((tmp_path / "out.json").read_text())
    said = [c["text"] for c in cues]
    assert {"Good", "morning", "Dr.", "Smith", "warmer", "today", "met", "sharp"} <= set(said)
    assert all(text[c["char_start"] : c["char_end"]] == c["text"] for c in cues)
    assert all(a["char_end"] <= b["char_start"] for a, b in zip(cues, cues[1:], strict=False))
    time.sleep(0.5)  # the reader takes the last bytes
    assert cues[-1]["end"] <= len(got) / 2 / SAMPLE_RATE + 0.05
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_file_from_a_pipe_is_the_whole_texts(model, tmp_path: Path) -> None:
    """Writing only a file (nobody listens), a pipe is read to its end and spoken whole: the
    same bytes as the same text from a file, and no file before the end."""
    (tmp_path / "in.txt").write_text(TEXT)
    proc = kokoro_popen(
        ["say", "-o", "piped.wav"], tmp_path, stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None
    proc.stdin.write(TEXT[:30].encode())
    proc.stdin.flush()
    time.sleep(1.5)  # longer than --flush-after: still nothing is spoken before the end
    assert not any(p.name.startswith(".piped") for p in tmp_path.iterdir())
    proc.stdin.write(TEXT[30:].encode())
    proc.stdin.close()
    assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    whole = kokoro_popen(["say", "-f", "in.txt", "-o", "whole.wav"], tmp_path)
    assert whole.wait(timeout=600) == 0
    assert (tmp_path / "piped.wav").read_bytes() == (tmp_path / "whole.wav").read_bytes()


def test_bad_bytes_midway_are_a_usage_error_and_leave_no_file(model, tmp_path: Path) -> None:
    proc = kokoro_popen(
        ["say", "-o", "-"], tmp_path, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write("Caf\u00e9 au lait. It was ".encode()[:4])  # é cut in two across reads
    proc.stdin.flush()
    time.sleep(0.3)
    proc.stdin.write("Café au lait. It was ".encode()[4:] + b"cr\xe8me.")  # latin-1 \xe8
    proc.stdin.close()
    proc.wait(timeout=600)
    err = proc.stderr.read() if proc.stderr else b""
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, err
    assert lines[0] == (
        "kokoro: error: stdin is not UTF-8 text (bad byte at offset 24); "
        "convert it, e.g. iconv -f latin1 -t utf-8"
    )
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_stops_a_live_say_at_once(model, tmp_path: Path) -> None:
    proc = kokoro_popen(
        ["say", "-o", "-", "--flush-after", "30"], tmp_path,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    got, _ = read_in_background(proc.stdout)
    proc.stdin.write(b"One sentence. And a writer that never finishes ")
    proc.stdin.flush()
    wait_until(lambda: len(got) > SAMPLE_RATE)  # the first sentence is out; say waits for more
    began = time.monotonic()
    proc.send_signal(signal.SIGINT)  # the pipe is still open
    proc.wait(timeout=60)
    err = proc.stderr.read() if proc.stderr else b""
    assert proc.returncode == 130 and err.decode().strip().endswith("kokoro: interrupted")
    assert time.monotonic() - began < 10
    assert list(tmp_path.iterdir()) == []
    proc.stdin.close()
