"""`kokoro book` end to end on the real model: M4B chapters/tags/cover read back by ffprobe,
--split with its JSON, --plan, and resume after a real SIGKILL giving identical bytes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.book_fixtures import PNG, make_epub
from tests.cli_helpers import Kokoro, kokoro_popen, voiced_seconds

pytestmark = pytest.mark.slow
needs_ffmpeg = pytest.mark.skipif(
    not shutil.which("ffprobe"), reason="ffprobe (apt-get install ffmpeg) reads the M4B back"
)
CHUNKS = Path(os.environ.get("KOKORO_CACHE_DIR", "")) / "chunks"


def probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", "-show_chapters"]
        + [str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)


def decode(path: Path, tmp: Path) -> tuple[np.ndarray, int]:
    wav = tmp / f"{path.stem}.decoded.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), str(wav)], check=True)
    audio, rate = soundfile.read(wav, dtype="float32")
    return audio, rate


@needs_ffmpeg
def test_epub_to_m4b(kokoro: Kokoro, tmp_path: Path) -> None:
    make_epub(tmp_path / "storm.epub")
    r = kokoro("book", "storm.epub", "--subtitles", "storm.srt", timeout=600)  # -> storm.m4b
    assert r.returncode == 0, r.stderr
    assert r.stdout == b""  # progress and messages go to stderr
    assert "chapter 4 'The End'" in r.stderr and "×RT" in r.stderr and "ETA" in r.stderr
    info = probe(tmp_path / "storm.m4b")
    titles = [c["tags"]["title"] for c in info["chapters"]]
    assert titles == ["The Start", "The Middle", "The Turn", "The End"]
    tags = info["format"]["tags"]
    assert tags["title"] == "The Storm Book" and tags["artist"] == "Jane Writer"
    assert tags["composer"] == "af_heart"  # the voice, as narrator
    assert tags["major_brand"].strip() == "M4B"
    audio_stream = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert audio_stream["codec_name"] == "aac" and audio_stream["tags"]["language"] == "eng"
    cover = next(s for s in info["streams"] if s.get("disposition", {}).get("attached_pic"))
    assert cover["codec_name"] == "png"
    pic = tmp_path / "cover.png"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "storm.m4b", "-map", "0:v", "-c", "copy", "cover.png"],
        cwd=tmp_path,
        check=True,
    )
    assert pic.read_bytes() == PNG
    # each chapter holds speech long enough for its title and text
    audio, rate = decode(tmp_path / "storm.m4b", tmp_path)
    words = {"The Start": 12, "The Middle": 8, "The Turn": 7, "The End": 7}  # text + title
    for chapter in info["chapters"]:
        part = audio[
            int(float(chapter["start_time"]) * rate) : int(float(chapter["end_time"]) * rate)
        ]
        spoken = voiced_seconds(part, rate)
        assert spoken >= 0.15 * words[chapter["tags"]["title"]], (chapter, spoken)
    assert not list(tmp_path.glob(".*.part"))
    # sentence subtitles in book time: chapter 3's sentence inside chapter 3
    srt = (tmp_path / "storm.srt").read_text()
    assert "Anna wasn't ready for the storm." in srt and "Footnote" not in srt
    blocks = [b.splitlines() for b in srt.strip().split("\n\n")]
    turn = next(b for b in blocks if b[2] == "Then the bridge gave way.")
    start = turn[1].split(" --> ")[0]
    h, m, rest = start.split(":")
    seconds = int(h) * 3600 + int(m) * 60 + float(rest.replace(",", "."))
    third = info["chapters"][2]
    assert float(third["start_time"]) < seconds < float(third["end_time"])


@needs_ffmpeg
def test_markdown_split_with_json(kokoro: Kokoro, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(
        "# Morning\n\nThe sun rose.\n\n```\nskipped()\n```\n\n# Evening\n\nThe moon set.\n",
        encoding="utf-8",
    )
    r = kokoro("book", "notes.md", "--split", "parts", "--format", "flac", timeout=600)
    assert r.returncode == 0, r.stderr
    listing = json.loads((tmp_path / "parts" / "chapters.json").read_text())
    rows = listing["chapters"]
    assert [(c["index"], c["title"], c["file"]) for c in rows] == [
        (1, "Morning", "01 Morning.flac"),
        (2, "Evening", "02 Evening.flac"),
    ]
    assert rows[0]["start"] == 0 and rows[1]["start"] == pytest.approx(rows[0]["duration"])
    for c in rows:
        audio, rate = soundfile.read(tmp_path / "parts" / c["file"])
        assert len(audio) / rate == pytest.approx(c["duration"], abs=1e-3)
        assert voiced_seconds(audio, rate) > 0.5


def test_plan_and_selection_need_no_model(tmp_path: Path) -> None:
    make_epub(tmp_path / "storm.epub")
    r = subprocess.run(
        [sys.executable, "-m", "kokoro_cli", "book", "storm.epub", "--plan", "--json", "-c", "2-3"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert [c["title"] for c in plan["chapters"]] == ["The Middle", "The Turn"]
    assert plan["chapters"][0]["notes"] == ["1 code block skipped"] and plan["cover"] is True
    bad = subprocess.run(
        [sys.executable, "-m", "kokoro_cli", "book", "storm.epub", "-c", "3-9"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "outside 1-4" in bad.stderr


def _entries() -> set[Path]:
    return set(CHUNKS.rglob("*.pcm")) if CHUNKS.is_dir() else set()


@needs_ffmpeg
def test_resume_after_sigkill_is_identical(kokoro: Kokoro, tmp_path: Path) -> None:
    paragraphs = [
        "The first lamp was lit.",
        "A dog barked twice.",
        "Rain began to fall.",
        "The wind turned north.",
    ]
    body = "\n\n".join(paragraphs)
    (tmp_path / "tale.txt").write_text(f"Chapter 1\n\n{body}\n\nChapter 2\n\n{body[::-1]}\n")
    before = _entries()
    proc = kokoro_popen(
        ["book", "tale.txt", "-o", "tale.m4b"],
        tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while len(_entries() - before) < 3 and time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = len(_entries() - before)
    assert finished >= 3
    assert not (tmp_path / "tale.m4b").exists()  # no partial file in OUT

    again = kokoro("book", "tale.txt", "-o", "tale.m4b", timeout=600)
    assert again.returncode == 0, again.stderr
    # every chunk finished before the kill came from the cache; only the rest was computed
    line = next(x for x in again.stderr.splitlines() if "resumed:" in x)
    assert f"resumed: {finished} chunks from the cache" in line, line
    assert not (_entries() - before)  # a finished book leaves no cache behind

    fresh = kokoro("book", "tale.txt", "-o", "fresh.m4b", "--no-cache", timeout=600)
    assert fresh.returncode == 0, fresh.stderr
    assert (tmp_path / "tale.m4b").read_bytes() == (tmp_path / "fresh.m4b").read_bytes()


def test_wav_beyond_4_gb_is_written_as_rf64(tmp_path: Path) -> None:
    from kokoro_cli.audio import FileSink
    from kokoro_cli.book import wav_format

    assert wav_format(1_000, 1.0).container == "WAV"
    big = wav_format(30 * 3600 * 3, 1.0)  # ~30 hours of speech: more than 4 GB of 16-bit PCM
    assert wav_format(3 * 3600 * 3, 1.0).container == "WAV"  # ~3 hours: 0.5 GB
    assert big.container == "RF64"
    sink = FileSink(tmp_path / "long.wav", big)
    sink.write(np.zeros(2400, dtype=np.float32))
    sink.commit()
    assert (tmp_path / "long.wav").read_bytes()[:4] == b"RF64"
    assert soundfile.info(tmp_path / "long.wav").frames == 2400
