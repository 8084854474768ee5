"""`kokoro book` end to end on the real model: M4B chapters/tags/cover read back by ffprobe,
--split with its JSON, --plan, subtitle cues in book time, and resume after a real SIGKILL
giving identical bytes and cues."""

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

from kokoro_cli import pauses
from tests.book_fixtures import PNG, make_epub, probe
from tests.cli_helpers import Kokoro, kokoro_popen, margins, voiced_seconds

pytestmark = pytest.mark.slow
needs_ffmpeg = pytest.mark.skipif(
    not shutil.which("ffprobe"), reason="ffprobe (apt-get install ffmpeg) reads the M4B back"
)
CHUNKS = Path(os.environ.get("KOKORO_CACHE_DIR", "")) / "chunks"


def chapter_texts(folder: Path, source: str) -> dict[int, str]:
    """Each chapter's text as `kokoro book --plan --json --text` gives it (no model needed)."""
    r = subprocess.run(
        [sys.executable, "-m", "kokoro_cli", "book", source, "--plan", "--json", "--text"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return {c["index"]: c["text"] for c in json.loads(r.stdout)["chapters"]}


def check_cues(cues: list[dict], texts: dict[int, str]) -> None:
    """Every cue is a slice of its chapter's text, in order, none overlapping the next."""
    assert cues
    for cue in cues:
        text = texts[cue["chapter"]]
        assert text[cue["char_start"] : cue["char_end"]] == cue["text"], cue
        assert 0 <= cue["start"] <= cue["end"], cue
    for a, b in zip(cues, cues[1:], strict=False):
        assert a["end"] <= b["start"], (a, b)
        assert (a["chapter"], a["char_end"]) <= (b["chapter"], b["char_start"]), (a, b)


def decode(path: Path, tmp: Path) -> tuple[np.ndarray, int]:
    wav = tmp / f"{path.stem}.decoded.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), str(wav)], check=True)
    audio, rate = soundfile.read(wav, dtype="float32")
    return audio, rate


@needs_ffmpeg
def test_epub_to_m4b(kokoro: Kokoro, tmp_path: Path) -> None:
    make_epub(tmp_path / "storm.epub")
    r = kokoro("book", "storm.epub", "--subtitles", "storm.json", timeout=600)  # -> storm.m4b
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
    # sentence cues in book time, each inside its chapter, indexing that chapter's text
    cues = json.loads((tmp_path / "storm.json").read_text())
    texts = chapter_texts(tmp_path, "storm.epub")
    check_cues(cues, texts)
    said = [c["text"] for c in cues]
    assert "Anna wasn’t ready for the storm." in said and not any("Footnote" in t for t in said)
    assert "She ran home quickly." in said  # the noteref is not read, nor left in the text
    for cue in cues:
        mark = info["chapters"][cue["chapter"] - 1]
        assert float(mark["start_time"]) <= cue["start"] < cue["end"] <= float(mark["end_time"])
    assert {c["chapter"] for c in cues} == {1, 2, 3, 4}
    turn = next(c for c in cues if c["text"] == "Then the bridge gave way.")
    assert turn["chapter"] == 3


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
        # each file its own margins (issue 27); the chapter pause was the files' tail before
        assert margins(audio, rate) == pytest.approx((pauses.LEAD_IN, pauses.TAIL), abs=0.01)


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


def test_word_cues_in_book_time(kokoro: Kokoro, tmp_path: Path) -> None:
    """Word cues over two chapters with the pauses set: every pause measures what it says, the
    expanded words map back to their text, and the last word ends with the audio."""
    (tmp_path / "tale.txt").write_text(
        "Part I\n\nDr. Smith paid $5 on 3 May 2024.\n\nThe 2nd train left at 10:30.\n\n"
        "Part II\n\nIt was 50% cheaper, wasn’t it?\n",
        encoding="utf-8",
    )
    r = kokoro(
        "book", "tale.txt", "-o", "tale.wav", "--subtitles", "tale.json", "--words",
        "--pause-paragraph", "0.7", "--pause-chapter", "1.5", "--no-cache", timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    cues = json.loads((tmp_path / "tale.json").read_text())
    texts = chapter_texts(tmp_path, "tale.txt")
    assert texts[2] == "Part 2.\n\nIt was 50% cheaper, wasn’t it?"  # what is read aloud
    check_cues(cues, texts)
    said = [(c["chapter"], c["text"]) for c in cues]
    for word in [(1, "Part"), (1, "$5"), (1, "2024"), (1, "2nd"), (1, "10:30"), (2, "wasn’t")]:
        assert word in said, (word, said)
    spoken = texts[1].split() + texts[2].split()
    expected = [w if w == "Dr." else w.strip(".,?") for w in spoken]  # "Dr." keeps its period
    assert [c["text"] for c in cues] == expected  # every word read aloud, in order

    def gap(before: str, after: str) -> float:
        i = next(i for i, c in enumerate(cues) if c["text"] == after and i)
        assert cues[i - 1]["text"] == before
        return cues[i]["start"] - cues[i - 1]["end"]

    from kokoro_cli.jobs.book import TITLE_PAUSE

    assert gap("1", "Dr.") == pytest.approx(TITLE_PAUSE, abs=0.0015)  # speech to speech
    assert gap("2024", "The") == pytest.approx(0.7, abs=0.0015)  # --pause-paragraph
    assert gap("10:30", "Part") == pytest.approx(1.5, abs=0.0015)  # --pause-chapter
    seconds = soundfile.info(tmp_path / "tale.wav").frames / 24000
    # no drift: the last word ends the book's tail before its end (issue 27's margins)
    assert seconds - cues[-1]["end"] == pytest.approx(pauses.TAIL, abs=0.025)
    assert cues[0]["start"] == pytest.approx(pauses.LEAD_IN, abs=0.025)
    audio, rate = soundfile.read(tmp_path / "tale.wav", dtype="float32")
    assert margins(audio, rate) == pytest.approx((pauses.LEAD_IN, pauses.TAIL), abs=0.01)


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

    words = ["--subtitles", "tale.json", "--words"]
    again = kokoro("book", "tale.txt", "-o", "tale.m4b", *words, timeout=600)
    assert again.returncode == 0, again.stderr
    # every chunk finished before the kill came from the cache; only the rest was computed
    line = next(x for x in again.stderr.splitlines() if "resumed:" in x)
    assert f"resumed: {finished} chunks from the cache" in line, line
    assert not (_entries() - before)  # a finished book leaves no cache behind

    words[1] = "fresh.json"
    fresh = kokoro("book", "tale.txt", "-o", "fresh.m4b", "--no-cache", *words, timeout=600)
    assert fresh.returncode == 0, fresh.stderr
    assert (tmp_path / "tale.m4b").read_bytes() == (tmp_path / "fresh.m4b").read_bytes()
    # word timings come back with cached chunks too: the same cues as the uninterrupted run
    cues = json.loads((tmp_path / "tale.json").read_text())
    assert cues == json.loads((tmp_path / "fresh.json").read_text())
    check_cues(cues, chapter_texts(tmp_path, "tale.txt"))
    assert {c["chapter"] for c in cues} == {1, 2}
    # the M4B says how long its audio is (a decoder may add up to an AAC frame of padding)
    duration = float(probe(tmp_path / "tale.m4b")["format"]["duration"])
    assert duration - cues[-1]["end"] == pytest.approx(pauses.TAIL, abs=0.025)


def test_wav_beyond_4_gb_is_written_as_rf64(tmp_path: Path) -> None:
    from kokoro_cli.audio.sinks import FileSink
    from kokoro_cli.jobs.book import wav_format

    assert wav_format(1_000, 1.0).container == "WAV"
    big = wav_format(30 * 3600 * 3, 1.0)  # ~30 hours of speech: more than 4 GB of 16-bit PCM
    assert wav_format(3 * 3600 * 3, 1.0).container == "WAV"  # ~3 hours: 0.5 GB
    assert big.container == "RF64"
    sink = FileSink(tmp_path / "long.wav", big)
    sink.write(np.zeros(2400, dtype=np.float32))
    sink.commit()
    assert (tmp_path / "long.wav").read_bytes()[:4] == b"RF64"
    assert soundfile.info(tmp_path / "long.wav").frames == 2400
