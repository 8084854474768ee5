"""`kokoro say` end to end: the real CLI in a subprocess, the real model, real files and pipes."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from kokoro_cli import SAMPLE_RATE, pauses
from tests.cli_helpers import Kokoro, kokoro_popen, voiced_seconds

HELLO = "Hello there."


def speech_ok(audio: np.ndarray, rate: int, at_least: float = 0.3) -> None:
    """Real speech: plausible length, loud enough for long enough, no clipping garbage."""
    seconds = len(audio) / rate
    assert 0.4 < seconds < 5.0, seconds
    assert voiced_seconds(audio, rate) >= at_least
    assert np.isfinite(audio).all() and np.abs(audio).max() <= 1.0


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
def test_say_writes_each_format(kokoro: Kokoro, tmp_path: Path, ext: str) -> None:
    r = kokoro("say", HELLO, "-o", f"hello.{ext}")
    assert r.returncode == 0, r.stderr
    assert r.stdout == b""  # nothing but audio ever goes to stdout, and here there is none
    out = tmp_path / f"hello.{ext}"
    data, rate = sf.read(out, dtype="float32")
    assert rate == SAMPLE_RATE
    speech_ok(data, rate)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporaries left over


def test_say_to_stdout_is_only_a_wav_stream(kokoro: Kokoro) -> None:
    r = kokoro("-v", "say", HELLO, "-o", "-")
    assert r.returncode == 0, r.stderr
    assert r.stdout[:4] == b"RIFF" and r.stdout[8:12] == b"WAVE"
    with wave.open(io.BytesIO(r.stdout)) as w:
        assert w.getframerate() == SAMPLE_RATE and w.getnchannels() == 1
        pcm = np.frombuffer(w.readframes(10**9), dtype="<i2")
    # Every byte after the 44-byte header is a sample: no stray text mixed into the audio.
    assert len(r.stdout) == 44 + 2 * len(pcm)
    speech_ok(pcm.astype(np.float32) / 32767, SAMPLE_RATE)
    assert "loading model" in r.stderr  # -v messages went to stderr


def test_stdin_text_to_raw_stdout(kokoro: Kokoro) -> None:
    r = kokoro("say", "-o", "-", "--format", "raw", stdin=HELLO.encode())
    assert r.returncode == 0, r.stderr
    pcm = np.frombuffer(r.stdout, dtype="<i2")
    speech_ok(pcm.astype(np.float32) / 32767, SAMPLE_RATE)
    dash = kokoro("say", "-", "-o", "-", "--format", "raw", stdin=HELLO.encode())
    assert dash.returncode == 0 and abs(len(dash.stdout) - len(r.stdout)) < 0.05 * len(r.stdout)


def test_file_input_subtitles_and_phonemes(kokoro: Kokoro, tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("Good morning. [pause:0.5s] See you soon.\n", encoding="utf-8")
    r = kokoro("say", "-f", "in.txt", "-o", "out.wav", "--subtitles", "out.srt", "--show-phonemes")
    assert r.returncode == 0, r.stderr
    audio, rate = sf.read(tmp_path / "out.wav", dtype="float32")
    srt = (tmp_path / "out.srt").read_text(encoding="utf-8").strip().split("\n\n")
    assert len(srt) == 2 and "Good morning." in srt[0] and "See you soon." in srt[1]
    first_end, second_start = srt[0].splitlines()[1].split(" --> ")[1], srt[1].splitlines()[1][:12]
    gap = _seconds(second_start) - _seconds(first_end)
    assert gap >= 0.5 - 1e-3  # the pause tag is silence between the two cues
    last_end = _seconds(srt[1].splitlines()[1].split(" --> ")[1])
    assert len(audio) / rate - last_end == pytest.approx(pauses.TAIL, abs=0.05)  # the margin
    assert "ˈ" in r.stderr  # phonemes (stress marks) on stderr
    vtt = kokoro("say", "-f", "in.txt", "-o", "o2.wav", "--subtitles", "o.vtt")
    assert vtt.returncode == 0 and (tmp_path / "o.vtt").read_text().startswith("WEBVTT")


def _seconds(stamp: str) -> float:
    h, m, s = stamp.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_all_precisions_speak_alike(kokoro: Kokoro, tmp_path: Path) -> None:
    """--precision fp32 (reference), bf16 and int8 (auto picks one of them) give the same
    length and level."""
    runs = {
        p: kokoro("--precision", p, "say", HELLO, "-o", f"{p}.wav")
        for p in ("fp32", "bf16", "int8")
    }
    assert all(r.returncode == 0 for r in runs.values()), [r.stderr for r in runs.values()]
    a32, _ = sf.read(tmp_path / "fp32.wav", dtype="float32")
    for p in ("bf16", "int8"):
        a, _ = sf.read(tmp_path / f"{p}.wav", dtype="float32")
        speech_ok(a, SAMPLE_RATE)
        assert abs(len(a32) - len(a)) <= 2 * 600, p  # durations agree to a frame or two
        level = float(np.sqrt(np.mean(a**2)) / np.sqrt(np.mean(a32**2)))
        assert 0.8 < level < 1.25, (p, level)


def test_phoneme_input(kokoro: Kokoro, tmp_path: Path) -> None:
    r = kokoro("say", "--phonemes", "həlˈO wˈɜɹld.", "-o", "p.wav")
    assert r.returncode == 0, r.stderr
    data, rate = sf.read(tmp_path / "p.wav", dtype="float32")
    speech_ok(data, rate)


def test_speed_and_voice_change_the_audio(kokoro: Kokoro, tmp_path: Path) -> None:
    slow = kokoro("say", "This sentence is spoken at two speeds.", "-o", "slow.wav")
    fast = kokoro(
        "say", "This sentence is spoken at two speeds.", "-o", "fast.wav", "--speed", "1.6"
    )
    assert slow.returncode == 0 and fast.returncode == 0
    ratio = sf.info(tmp_path / "fast.wav").duration / sf.info(tmp_path / "slow.wav").duration
    assert 0.5 < ratio < 0.8
    blend = kokoro("say", HELLO, "-o", "b.wav", "--voice", "af_bella:0.5,bm_george:0.5")
    assert blend.returncode == 0, blend.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["say", HELLO, "--voice", "af_hart", "-o", "x.wav"], None, "did you mean af_heart"),
        (["say", HELLO, "--speed", "0", "-o", "x.wav"], None, "speed"),
        (["say", HELLO, "--bogus"], None, "No such option"),
        (["say", "-o", "x.wav"], b"   \n", "empty"),
        (["say", "-f", "missing.txt", "-o", "x.wav"], None, "no such file"),
        (["say", "-f", "latin1.txt", "-o", "x.wav"], None, "UTF-8"),
        (["say", HELLO, "-o", "x.xyz"], None, "unsupported output format"),
        (["say", HELLO, "-o", "nodir/x.wav"], None, "does not exist"),
        (["say", HELLO, "-o", "x.wav", "--lang", "klingon"], None, "unknown language"),
        (["say", HELLO, "-o", "x.wav", "--subtitles", "x.txt"], None, ".srt, .vtt or .json"),
        (["say", HELLO, "-o", "x.wav", "--subtitles", "nodir/x.srt"], None, "does not exist"),
        (["say", HELLO, "-o", "-", "--format", "mp3"], None, "wav or raw"),
        (["--precision", "fp64", "say", HELLO, "-o", "x.wav"], None, "'fp64' is not one of"),
    ],
)
def test_usage_errors_exit_2_without_output(
    kokoro: Kokoro, tmp_path: Path, args: list[str], stdin: bytes | None, message: str
) -> None:
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    r = kokoro(*args, stdin=stdin)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kokoro: error: "), r.stderr  # no traceback
    assert message in lines[0]
    assert r.stdout == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latin1.txt"]


def test_runtime_error_exits_1_and_verbose_shows_traceback(kokoro: Kokoro, tmp_path: Path) -> None:
    (tmp_path / "broken.pth").write_bytes(b"not a checkpoint")
    r = kokoro("--model", "broken.pth", "say", HELLO, "-o", "x.wav")
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("kokoro: error: ") and "Traceback" not in r.stderr
    assert not (tmp_path / "x.wav").exists()
    v = kokoro("-v", "--model", "broken.pth", "say", HELLO, "-o", "x.wav")
    assert v.returncode == 1 and "Traceback" in v.stderr


def test_refuses_audio_to_a_terminal(model, tmp_path: Path) -> None:
    leader, follower = os.openpty()
    try:
        proc = kokoro_popen(
            ["say", HELLO, "-o", "-"], tmp_path, stdout=follower, stderr=subprocess.PIPE
        )
        _, err = proc.communicate(timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 2 and b"terminal" in err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_leaves_no_partial_file(model, tmp_path: Path, sig: int) -> None:
    text = " ".join(f"This is sentence number {i}, spoken slowly." for i in range(40))
    proc = kokoro_popen(
        ["say", text, "-o", "long.flac"], tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not (tmp_path / ".long.flac.part").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until synthesis is writing
    assert proc.poll() is None, "finished before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (130 if sig == signal.SIGINT else 128 + sig), err
    assert list(tmp_path.iterdir()) == []  # neither the output nor its temporary
    assert b"Traceback" not in err
    if sig == signal.SIGINT:
        assert err.decode().strip().endswith("kokoro: interrupted")


def test_closed_pipe_is_quiet(model, tmp_path: Path) -> None:
    text = " ".join(f"Sentence {i} goes down a pipe." for i in range(30))
    proc = kokoro_popen(
        ["say", text, "-o", "-"], tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    assert len(proc.stdout.read(1000)) == 1000
    proc.stdout.close()  # like `| head -c 1000`
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141
    assert err.strip() == b""


def test_help_and_voices_do_not_import_torch(tmp_path: Path) -> None:
    probe = (
        "import sys\nfrom kokoro_cli.commands.app import main\nsys.argv = ['kokoro'] + sys.argv[1:]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', code, file=sys.stderr)\n"
    )
    for args in (["--help"], ["voices"], ["voices", "--json"], ["say", "--help"], ["--version"]):
        r = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=tmp_path
        )
        assert r.stderr.strip().endswith("NO-TORCH 0"), (args, r.stderr)
