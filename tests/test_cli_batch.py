"""`kokoro batch` end to end: folders and globs, poisoned inputs, manifests, resume, --jobs."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
import soundfile as sf

from tests.cli_helpers import Kokoro, kokoro_popen, voiced_seconds


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_speech(path: Path) -> None:
    audio, rate = sf.read(path, dtype="float32")
    assert voiced_seconds(audio, rate) > 0.3, path


def test_folder_with_poisoned_files(kokoro: Kokoro, tmp_path: Path) -> None:
    src = tmp_path / "book"
    (src / "part2").mkdir(parents=True)
    (src / "one.txt").write_text("The first chapter.", encoding="utf-8")
    (src / "part2" / "two.md").write_text("# Two\n\nThe second chapter.", encoding="utf-8")
    (src / "latin1.txt").write_bytes("d\xe9j\xe0 vu".encode("latin-1"))  # not UTF-8
    (src / "empty.txt").write_text("  \n", encoding="utf-8")
    (src / "notes.csv").write_text("not, text, input", encoding="utf-8")  # not .txt/.md
    r = kokoro("batch", "book", "-o", "out")
    assert r.returncode == 1, r.stderr  # something failed...
    assert files_under(tmp_path / "out") == ["one.wav", "part2/two.wav"]  # ...the rest completed
    for name in ("one.wav", "part2/two.wav"):
        assert_speech(tmp_path / "out" / name)
    assert "latin1.txt" in r.stderr and "UTF-8" in r.stderr
    assert "empty.txt" in r.stderr and "empty" in r.stderr
    assert "2 done, 0 skipped, 2 failed" in r.stderr
    assert r.stdout == b""


def test_glob_and_format(kokoro: Kokoro, tmp_path: Path) -> None:
    for name, text in [("a.txt", "Alpha."), ("b.txt", "Bravo."), ("c.md", "Charlie.")]:
        (tmp_path / name).write_text(text, encoding="utf-8")
    r = kokoro("batch", "*.txt", "-o", "flacs", "--format", "flac")
    assert r.returncode == 0, r.stderr
    assert files_under(tmp_path / "flacs") == ["a.flac", "b.flac"]
    assert sf.info(tmp_path / "flacs" / "a.flac").format == "FLAC"
    missing = kokoro("batch", "*.nothing", "-o", "x")
    assert missing.returncode == 2 and "no files match" in missing.stderr
    neither = kokoro("batch", "-o", "x")
    assert neither.returncode == 2


def test_manifest(kokoro: Kokoro, tmp_path: Path) -> None:
    (tmp_path / "line.txt").write_text("Read from a file.", encoding="utf-8")
    rows = [
        {"text": "A plain line of speech.", "output": "plain.wav"},
        {"text": "A plain line of speech.", "output": "fast.wav", "speed": 1.6},
        {"file": "line.txt", "output": "sub/from_file.mp3", "voice": "bm_george"},
        {"text": "Unknown voice here.", "output": "bad_voice.wav", "voice": "af_nobody"},
    ]
    lines = [json.dumps(r) for r in rows] + ["{not json", ""]
    (tmp_path / "data.jsonl").write_text("\n".join(lines), encoding="utf-8")
    r = kokoro("batch", "--manifest", "data.jsonl", "-o", "ds")
    assert r.returncode == 1, r.stderr
    assert files_under(tmp_path / "ds") == ["fast.wav", "plain.wav", "sub/from_file.mp3"]
    for name in files_under(tmp_path / "ds"):
        assert_speech(tmp_path / "ds" / name)
    ratio = (
        sf.info(tmp_path / "ds" / "fast.wav").duration
        / sf.info(tmp_path / "ds" / "plain.wav").duration
    )
    assert ratio < 0.8  # the per-line speed was honoured
    assert "af_nobody" in r.stderr and "data.jsonl:5" in r.stderr  # both bad lines named
    assert "3 done, 0 skipped, 2 failed" in r.stderr


def test_interrupted_batch_resumes(model, kokoro: Kokoro, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        (src / f"f{i}.txt").write_text(
            f"This is file number {i}. It has two sentences.", encoding="utf-8"
        )
    out = tmp_path / "out"
    proc = kokoro_popen(
        ["batch", "in", "-o", "out"], tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 180
    while not (out / "f0.wav").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)  # Ctrl-C in the middle of the run
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    done = files_under(out)
    assert "f0.wav" in done and len(done) < 5
    assert not any(name.endswith(".part") for name in done)  # no temporaries, no partial files
    for name in done:
        assert_speech(out / name)  # whatever exists is complete
    stamps = {name: (out / name).stat().st_mtime_ns for name in done}

    r = kokoro("batch", "in", "-o", "out")
    assert r.returncode == 0, r.stderr
    assert files_under(out) == [f"f{i}.wav" for i in range(5)]
    assert {name: (out / name).stat().st_mtime_ns for name in done} == stamps  # skipped, kept
    assert f"{len(done)} skipped" in r.stderr

    forced = kokoro("batch", "in/f0.txt", "-o", "out2", "--force")
    assert forced.returncode == 0
    again = kokoro("batch", "in/f0.txt", "-o", "out2", "--force")
    assert "1 done, 0 skipped" in again.stderr


@pytest.mark.parametrize("jobs", ["1", "2", "3"])  # inline, and threads sharing the model
def test_parallel_jobs(kokoro: Kokoro, tmp_path: Path, jobs: str) -> None:
    for i in range(3):
        (tmp_path / f"p{i}.txt").write_text(f"Parallel item {i}.", encoding="utf-8")
    (tmp_path / "broken.txt").write_bytes(b"\xff\xff")
    r = kokoro("batch", "p0.txt", "p1.txt", "p2.txt", "broken.txt", "-o", "par", "--jobs", jobs)
    assert r.returncode == 1, r.stderr
    assert files_under(tmp_path / "par") == ["p0.wav", "p1.wav", "p2.wav"]
    for i in range(3):
        assert_speech(tmp_path / "par" / f"p{i}.wav")
    assert "3 done, 0 skipped, 1 failed" in r.stderr


def test_help_states_the_jobs_default(kokoro: Kokoro) -> None:
    """The default is computed, so --help says it in words (rich would eat a [bracket])."""
    r = kokoro("batch", "--help", COLUMNS="200")
    assert r.returncode == 0
    assert "sharing one model (default: 2 on 2+ cores, else 1)" in r.stdout.decode()


def test_jobs_below_one_is_a_usage_error(kokoro: Kokoro, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Alpha.", encoding="utf-8")
    r = kokoro("batch", "a.txt", "-o", "out", "--jobs", "0")
    assert r.returncode == 2
    assert "--jobs 0" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
