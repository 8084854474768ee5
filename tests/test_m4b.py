"""The M4B writer alone (no model): generated tones in, read back by ffprobe and decoded by
FFmpeg's own demuxer through PyAV, both independent of our container code."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from kokoro_cli.audio.m4b import M4bSink
from tests.book_fixtures import PNG, probe

av = pytest.importorskip("av")
pytestmark = pytest.mark.skipif(
    not shutil.which("ffprobe"), reason="ffprobe (apt-get install ffmpeg) reads the M4B back"
)
RATE = 24_000
FRAME = 1024 / RATE  # one AAC packet
# (title, tone in Hz, samples): lengths that are no multiple of an AAC packet
CHAPTERS = [
    ("Opening", 440.0, 30_001),
    ("Chapitre deux — été", 660.0, 21_500),
    ("終わり", 990.0, 40_123),
]


def tone(hz: float, n: int) -> np.ndarray:
    return (0.4 * np.sin(2 * np.pi * hz * np.arange(n) / RATE)).astype(np.float32)


def write_book(path: Path, **options: object) -> np.ndarray:
    """The CHAPTERS as tones, each written in uneven pieces; returns what went in."""
    sink = M4bSink(
        path,
        title="Tones",
        author="Ann Author",
        language="fr-FR",
        narrator="af_heart",
        **options,  # type: ignore[arg-type]
    )
    parts = []
    for title, hz, n in CHAPTERS:
        sink.chapter(title)
        audio = tone(hz, n)
        for piece in np.array_split(audio, 7):
            sink.write(piece)
        parts.append(audio)
    sink.commit()
    return np.concatenate(parts)


def decode(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return np.concatenate([f.to_ndarray()[0] for f in container.decode(stream)])


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """(type, offset, size) of the boxes in data[start:end], with the header's own size field."""
    end = len(data) if end is None else end
    found = []
    while start < end:
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        if size == 1:
            size = struct.unpack(">Q", data[start + 8 : start + 16])[0]
        found.append((kind, start, size))
        start += size
    return found


def find(data: bytes, path: list[bytes]) -> list[tuple[bytes, int, int]]:
    """All boxes at moov/.../path (containers only, as the sample tables sit)."""
    level = boxes(data)
    for kind in path[:-1]:
        level = [
            box for k, at, size in level if k == kind for box in boxes(data, at + 8, at + size)
        ]
    return [box for box in level if box[0] == path[-1]]


def jpeg() -> bytes:
    """A small JPEG from FFmpeg's own encoder."""
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 16, 8, "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    frame = av.VideoFrame.from_ndarray(np.full((8, 16, 3), 200, np.uint8), format="rgb24")
    packets = encoder.encode(frame.reformat(format="yuvj420p")) + encoder.encode(None)
    return b"".join(bytes(p) for p in packets)


def test_tones_read_back(tmp_path: Path) -> None:
    path = tmp_path / "tones.m4b"
    sent = write_book(path, cover=PNG, cover_type="png")
    info = probe(path)
    (audio,) = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert audio["codec_name"] == "aac" and audio["sample_rate"] == str(RATE)
    assert audio["channels"] == 1 and audio["tags"]["language"] == "fra"
    # the edit list skips the encoder's priming: the track lasts exactly what was written
    assert float(audio["duration"]) == pytest.approx(len(sent) / RATE, abs=1e-4)
    assert float(info["format"]["duration"]) == pytest.approx(len(sent) / RATE, abs=0.025)
    tags = info["format"]["tags"]
    assert tags["major_brand"].strip() == "M4B"
    assert (tags["title"], tags["album"]) == ("Tones", "Tones")
    assert (tags["artist"], tags["album_artist"]) == ("Ann Author", "Ann Author")
    assert tags["composer"] == "af_heart" and tags["genre"] == "Audiobook"
    assert tags["comment"] == "Narrated by af_heart (Kokoro-82M)"
    assert tags["encoder"].startswith("kokoro-cli ")
    # chapters: titles, and starts and ends where the writes put them
    starts = np.cumsum([0] + [n for _, _, n in CHAPTERS])
    assert [c["tags"]["title"] for c in info["chapters"]] == [t for t, _, _ in CHAPTERS]
    for chapter, start, end in zip(info["chapters"], starts, starts[1:], strict=False):
        assert float(chapter["start_time"]) == pytest.approx(start / RATE, abs=FRAME)
        assert float(chapter["end_time"]) == pytest.approx(end / RATE, abs=FRAME)
    # the cover comes out byte for byte
    (pic,) = [s for s in info["streams"] if s.get("disposition", {}).get("attached_pic")]
    assert pic["codec_name"] == "png" and (pic["width"], pic["height"]) == (8, 6)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v", "-c", "copy", "cover.png"],
        cwd=tmp_path,
        check=True,
    )
    assert (tmp_path / "cover.png").read_bytes() == PNG
    # decoded: in step with what went in (a decoder may add up to a packet at the end)
    heard = decode(path)
    assert 0 <= len(heard) - len(sent) <= 1024
    assert np.corrcoef(heard[: len(sent)], sent)[0, 1] > 0.99
    for (_, hz, _), start, end in zip(CHAPTERS, starts, starts[1:], strict=False):
        part = heard[start + 2048 : end - 2048]
        spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
        assert np.fft.rfftfreq(len(part), 1 / RATE)[spectrum.argmax()] == pytest.approx(hz, abs=3)
    assert not list(tmp_path.glob(".*.part"))


def menu_marks(menu: dict) -> list[tuple[float, str]]:
    """(start seconds, title) of a mediainfo menu: its keys are _HH_MM_SS_mmm."""
    marks = []
    for key, title in menu.get("extra", {}).items():
        if key.startswith("_") and key[1:3].isdigit():
            h, m, s, ms = (int(x) for x in key[1:].split("_"))
            marks.append((h * 3600 + m * 60 + s + ms / 1000, title))
    return marks


@pytest.mark.skipif(not shutil.which("mediainfo"), reason="apt-get install mediainfo")
def test_both_chapter_lists_read_by_mediainfo(tmp_path: Path) -> None:
    """MediaInfo, a reader apart from FFmpeg, lists the QuickTime chapter track and Nero's
    chpl separately (ffprobe merges them, so it cannot tell if one were broken)."""
    path = tmp_path / "tones.m4b"
    sent = write_book(path, cover=PNG, cover_type="png")
    out = subprocess.run(["mediainfo", "--Output=JSON", str(path)], capture_output=True, check=True)
    tracks = json.loads(out.stdout)["media"]["track"]
    general = next(t for t in tracks if t["@type"] == "General")
    assert general["CodecID"].strip() == "M4B" and general["Cover"] == "Yes"
    assert (general["Album"], general["Performer"], general["Composer"]) == (
        "Tones",
        "Ann Author",
        "af_heart",
    )
    assert general["ContentType"] == "Audiobook"  # stik: Apple files it under audiobooks
    assert float(general["Duration"]) == pytest.approx(len(sent) / RATE, abs=0.002)
    audio = next(t for t in tracks if t["@type"] == "Audio")
    assert (audio["Format"], audio["SamplingRate"], audio["Channels"]) == ("AAC", "24000", "1")
    assert audio["Language"] == "fr"
    menus = [t for t in tracks if t["@type"] == "Menu"]
    assert len(menus) == 2 and menus[0]["CodecID"] == "text"  # the chapter track, then chpl
    starts = np.cumsum([0] + [n for _, _, n in CHAPTERS])[:-1] / RATE
    for menu in menus:
        marks = menu_marks(menu)
        assert [title for _, title in marks] == [t for t, _, _ in CHAPTERS]
        assert [at for at, _ in marks] == pytest.approx(list(starts), abs=0.002)


def test_jpeg_cover_and_no_bad_cover(tmp_path: Path) -> None:
    image = jpeg()
    write_book(tmp_path / "j.m4b", cover=image, cover_type="jpeg")
    (pic,) = [s for s in probe(tmp_path / "j.m4b")["streams"] if s["codec_type"] == "video"]
    assert pic["codec_name"] == "mjpeg" and pic["disposition"]["attached_pic"] == 1
    assert (pic["width"], pic["height"]) == (16, 8)
    # bytes that are no image of the type said are left out, not written as a broken cover
    write_book(tmp_path / "bad.m4b", cover=b"not a png at all", cover_type="png")
    assert not [s for s in probe(tmp_path / "bad.m4b")["streams"] if s["codec_type"] == "video"]


def test_64_bit_offsets_and_mdat(tmp_path: Path) -> None:
    """Past 4 GB the chunk offsets need co64 and the mdat a 64-bit size; 4 GB of audio is too
    slow for a test, so the threshold is lowered to 0 and FFmpeg must still read the file."""
    narrow = tmp_path / "narrow.m4b"
    wide = tmp_path / "wide.m4b"
    sent = write_book(narrow)
    write_book(wide, wide_from=0)
    data = wide.read_bytes()
    top = [kind for kind, _, _ in boxes(data)]
    assert top == [b"ftyp", b"mdat", b"moov"]  # the mdat's 64-bit header covers the 'free'
    (mdat,) = [b for b in boxes(data) if b[0] == b"mdat"]
    assert struct.unpack(">I", data[mdat[1] : mdat[1] + 4])[0] == 1  # size 1: largesize follows
    stbl = [b"moov", b"trak", b"mdia", b"minf", b"stbl"]
    assert len(find(data, [*stbl, b"co64"])) == 2 and not find(data, [*stbl, b"stco"])
    old = narrow.read_bytes()
    assert [k for k, _, _ in boxes(old)] == [b"ftyp", b"free", b"mdat", b"moov"]
    assert len(find(old, [*stbl, b"stco"])) == 2 and not find(old, [*stbl, b"co64"])
    info = probe(wide)
    assert [c["tags"]["title"] for c in info["chapters"]] == [t for t, _, _ in CHAPTERS]
    assert float(info["format"]["duration"]) == pytest.approx(len(sent) / RATE, abs=0.025)
    assert np.array_equal(decode(wide), decode(narrow))


def test_more_chapters_than_chpl_holds(tmp_path: Path) -> None:
    """Nero's chpl counts chapters in one byte; the QuickTime text track carries all 300."""
    sink = M4bSink(tmp_path / "many.m4b", title="Many")
    for i in range(300):
        sink.chapter(f"Part {i + 1}")
        sink.write(tone(200 + i, 2400))
    sink.commit()
    chapters = probe(tmp_path / "many.m4b")["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [f"Part {i + 1}" for i in range(300)]
    assert float(chapters[-1]["start_time"]) == pytest.approx(299 * 0.1, abs=FRAME)


def test_abort_leaves_nothing(tmp_path: Path) -> None:
    sink = M4bSink(tmp_path / "gone.m4b", title="Gone")
    sink.chapter("One")
    sink.write(tone(440, 50_000))
    assert list(tmp_path.iterdir())  # the temporary exists while writing
    sink.abort()
    assert not list(tmp_path.iterdir())


def test_same_input_same_bytes(tmp_path: Path) -> None:
    """No clock or random id in the file: a resumed `kokoro book` equals an uninterrupted one."""
    write_book(tmp_path / "a.m4b")
    write_book(tmp_path / "b.m4b")
    assert (tmp_path / "a.m4b").read_bytes() == (tmp_path / "b.m4b").read_bytes()


def test_audio_before_the_first_mark_is_in_the_first_chapter(tmp_path: Path) -> None:
    sink = M4bSink(tmp_path / "late.m4b", title="Late")
    sink.write(tone(300, 12_000))
    sink.chapter("One")
    sink.write(tone(400, 12_000))
    sink.chapter("Two")
    sink.write(tone(500, 12_000))
    sink.commit()
    chapters = probe(tmp_path / "late.m4b")["chapters"]
    spans = [(float(c["start_time"]), float(c["end_time"])) for c in chapters]
    assert spans == [pytest.approx((0.0, 1.0), abs=FRAME), pytest.approx((1.0, 1.5), abs=FRAME)]
