"""Audio sinks: every file format round-trips, temporaries never leak, stdout streams are sane."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from kokoro_cli import SAMPLE_RATE
from kokoro_cli.audio.sinks import (
    FORMATS,
    Cue,
    FileSink,
    PipeClosed,
    StreamSink,
    format_for,
    render_subtitles,
    temp_path,
    to_pcm16,
)
from kokoro_cli.errors import KokoroError, UsageError


def tone(seconds: float, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio))
    return float(np.argmax(spectrum) * rate / len(audio))


def decode(path: Path) -> tuple[np.ndarray, int]:
    if path.suffix in (".m4a", ".aac"):  # libsndfile cannot read AAC: let ffmpeg decode it
        wav = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-f", "wav", "-"],
            capture_output=True,
            check=True,
        ).stdout
        data, rate = sf.read(io.BytesIO(wav), dtype="float32")
        return data, rate
    return sf.read(path, dtype="float32")


LIBSNDFILE = ["wav", "flac", "ogg", "opus", "mp3"]
FFMPEG = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


@pytest.mark.parametrize(
    "fmt", LIBSNDFILE + [pytest.param("m4a", marks=FFMPEG), pytest.param("aac", marks=FFMPEG)]
)
def test_file_sink_round_trips_chunked_audio(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    sink = FileSink(target, format_for(target))
    for _ in range(3):  # written in pieces, as the synthesizer delivers them
        sink.write(tone(0.4))
        assert not target.exists()  # nothing at the final name until commit
    sink.commit()
    assert target.exists() and not temp_path(target).exists()
    data, rate = decode(target)
    assert rate == SAMPLE_RATE
    # Lossy codecs pad or trim a little; the length must still be about 1.2 s.
    assert abs(len(data) / rate - 1.2) < 0.1
    assert abs(peak_hz(data, rate) - 440.0) < 5.0


def test_wav_is_sample_exact(tmp_path: Path) -> None:
    target = tmp_path / "exact.wav"
    audio = tone(0.3)
    sink = FileSink(target, format_for(target))
    sink.write(audio[:1000])
    sink.write(audio[1000:])
    sink.commit()
    data, _ = sf.read(target, dtype="int16")
    assert np.array_equal(data, np.frombuffer(to_pcm16(audio), dtype="<i2"))


def test_abort_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "gone.flac"
    sink = FileSink(target, format_for(target))
    sink.write(tone(0.2))
    assert temp_path(target).exists()  # really streaming to disk
    sink.abort()
    assert list(tmp_path.iterdir()) == []


def test_commit_replaces_an_existing_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "a.wav"
    target.write_bytes(b"old")
    sink = FileSink(target, format_for(target))
    sink.write(tone(0.1))
    assert target.read_bytes() == b"old"  # untouched until the new one is complete
    sink.commit()
    assert sf.info(target).frames == int(0.1 * SAMPLE_RATE)


def test_format_selection() -> None:
    assert format_for(Path("x.MP3")).name == "mp3"
    assert format_for(Path("x.wav"), "flac").name == "flac"
    with pytest.raises(UsageError, match="unsupported output format 'xyz'"):
        format_for(Path("x.xyz"))
    with pytest.raises(UsageError, match="no extension"):
        format_for(Path("noext"))
    assert set(FORMATS) >= {"wav", "flac", "ogg", "mp3"}


def test_missing_output_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        FileSink(tmp_path / "nope" / "a.wav", FORMATS["wav"])


def test_ffmpeg_absent_gives_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no ffmpeg to be found
    with pytest.raises(KokoroError, match="needs ffmpeg"):
        FileSink(tmp_path / "a.m4a", FORMATS["m4a"])
    assert list(tmp_path.iterdir()) == []


def test_stdout_wav_stream_is_readable(tmp_path: Path) -> None:
    buf = io.BytesIO()
    buf.isatty = lambda: False  # type: ignore[method-assign]
    sink = StreamSink("wav", buf)
    audio = tone(0.25)
    sink.write(audio[:2000])
    sink.write(audio[2000:])
    sink.commit()
    raw = buf.getvalue()
    # Header sizes say "unknown"; readers must still get every sample.
    with wave.open(io.BytesIO(raw)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (SAMPLE_RATE, 1, 2)
        frames = w.readframes(10**9)
    assert frames == to_pcm16(audio)
    data, rate = sf.read(io.BytesIO(raw), dtype="int16")
    assert rate == SAMPLE_RATE and len(data) == len(audio)


def test_raw_stream_is_bare_pcm() -> None:
    buf = io.BytesIO()
    buf.isatty = lambda: False  # type: ignore[method-assign]
    sink = StreamSink("raw", buf)
    audio = tone(0.1)
    sink.write(audio)
    sink.commit()
    assert buf.getvalue() == to_pcm16(audio)


def test_refuses_binary_audio_to_a_terminal() -> None:
    leader, follower = os.openpty()
    try:
        with open(follower, "wb", closefd=False) as tty:
            with pytest.raises(UsageError, match="terminal"):
                StreamSink("wav", tty)
    finally:
        os.close(leader)
        os.close(follower)


def test_closed_pipe_becomes_pipe_closed() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone, as after `| head -c 10`
    with open(write_end, "wb") as stream:
        sink = StreamSink("raw", stream)
        with pytest.raises(PipeClosed):
            sink.write(tone(0.5))


def test_stdout_rejects_file_only_formats() -> None:
    with pytest.raises(UsageError, match="wav or raw"):
        StreamSink("mp3", io.BytesIO())


def test_pcm16_clips_instead_of_wrapping() -> None:
    pcm = np.frombuffer(to_pcm16(np.array([2.0, -2.0, 0.0], dtype=np.float32)), dtype="<i2")
    assert pcm.tolist() == [32767, -32767, 0]


def test_subtitles_srt_and_vtt() -> None:
    cues = [Cue(0.0, 1.25, "Hello there."), Cue(1.5, 3661.0, " General Kenobi. ")]
    srt = render_subtitles(cues, "srt")
    assert srt.splitlines()[:3] == ["1", "00:00:00,000 --> 00:00:01,250", "Hello there."]
    assert "01:01:01,000" in srt and "General Kenobi." in srt.splitlines()
    vtt = render_subtitles(cues, "vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nHello there.")
    assert "00:00:01.500 --> 01:01:01.000" in vtt


def test_subtitles_json_keeps_offsets_and_chapters() -> None:
    cues = [
        Cue(0.0104, 0.48, "birch", 4, 9, caption="birch"),
        Cue(1.0, 2.0, "Two\nlines", 0, 9, chapter="Chapter 2"),
    ]
    rows = json.loads(render_subtitles(cues, "json"))
    assert rows[0] == {"start": 0.01, "end": 0.48, "text": "birch", "char_start": 4, "char_end": 9}
    assert rows[1]["chapter"] == "Chapter 2" and rows[1]["text"] == "Two\nlines"
    assert "\nTwo lines\n" in render_subtitles(cues, "srt")  # a cue is one line in .srt
