"""MP4 (ISO base media file) boxes, written by us: only what an M4B audiobook needs.

Names are those of the specs: ISO/IEC 14496-12 (ftyp, moov, trak, stbl, stts, stsc, stsz,
stco/co64, elst, sgpd/sbgp), 14496-14 (esds), Apple's QuickTime File Format (the chapter
text track, gmhd, the ilst tags) and Nero's chpl chapter list. A Box is a tree whose size is
known before it is written; the big sample tables are written from compact arrays a slice at
a time, so the index of a 10-hour book (~850,000 AAC packets, 4 bytes each) is never copied.
"""

from __future__ import annotations

import struct
import sys
from array import array
from typing import BinaryIO

U32 = 2**32  # sizes, offsets and durations from here on need the 64-bit forms
UNITY = 0x0001_0000  # 1.0 in 16.16 fixed point (rates, matrices)
MATRIX = struct.pack(">9I", UNITY, 0, 0, 0, UNITY, 0, 0, 0, 0x4000_0000)  # identity
MDAT_HEADER = 16  # bytes reserved before the audio (see mdat_header)
SLICE = 65_536  # table entries converted to big-endian at a time
AAC_OBJECT = 0x40  # esds objectTypeIndication: MPEG-4 audio (14496-3)
AUDIO_STREAM = 0x05  # esds streamType
ROLL = -1  # AAC: a packet decodes right only after the one before it (sgpd 'roll')
TEXT_UTF8 = 0x0100  # QuickTime 'encd' value: the chapter title is UTF-8
TITLE_BYTES = 1024  # of a chapter title (a text sample may hold 65,535; a heading is shorter)
CHPL_MAX = 255  # chpl: chapters, and bytes of a title (both counted in one byte)
DATA_UTF8, DATA_INT, DATA_JPEG, DATA_PNG = 1, 21, 13, 14  # ilst 'data' types


class Table:
    """Unsigned integers from an array, written big-endian (stsz sizes, chunk offsets)."""

    def __init__(self, values: array, width: int) -> None:
        self.values = values
        self.code = {4: "I", 8: "Q"}[width]
        self.width = width

    def size(self) -> int:
        return len(self.values) * self.width

    def write(self, f: BinaryIO) -> None:
        for i in range(0, len(self.values), SLICE):
            part = array(self.code, self.values[i : i + SLICE])
            if sys.byteorder == "little":
                part.byteswap()
            f.write(part.tobytes())


class Box:
    """A box: its type and its contents (bytes, boxes and tables, in order)."""

    def __init__(self, kind: bytes, *parts: bytes | Box | Table) -> None:
        self.kind = kind
        self.parts = parts
        self._size: int | None = None

    def size(self) -> int:
        if self._size is None:
            body = sum(len(p) if isinstance(p, bytes) else p.size() for p in self.parts)
            self._size = body + (8 if body + 8 < U32 else 16)
        return self._size

    def write(self, f: BinaryIO) -> None:
        size = self.size()
        if size < U32:
            f.write(struct.pack(">I4s", size, self.kind))
        else:  # size 1: the real size follows as 64 bits
            f.write(struct.pack(">I4sQ", 1, self.kind, size))
        for p in self.parts:
            if isinstance(p, bytes):
                f.write(p)
            else:
                p.write(f)


def full(version: int, flags: int = 0) -> bytes:
    """A full box's version and flags."""
    return struct.pack(">I", version << 24 | flags)


def mdat_header(size: int, wide: bool) -> bytes:
    """The MDAT_HEADER bytes before the audio, `size` bytes from their start to the end of the
    mdat: 'free' + a 32-bit mdat header, or one 64-bit mdat header. Both are the same length,
    so the audio's offsets are known before its size is."""
    if wide:
        return struct.pack(">I4sQ", 1, b"mdat", size)
    return struct.pack(">I4sI4s", 8, b"free", size - 8, b"mdat")


def ftyp(major: bytes, compatible: list[bytes]) -> Box:
    return Box(b"ftyp", major, struct.pack(">I", 0x200), *compatible)


def _times(*values: int) -> tuple[int, str]:
    """Version 1 (64-bit fields) when any value needs it, else version 0."""
    return (1, "Q") if any(v >= U32 for v in values) else (0, "I")


def mvhd(timescale: int, duration: int, next_track: int) -> Box:
    v, t = _times(duration)
    head = struct.pack(f">{t}{t}I{t}", 0, 0, timescale, duration)  # created, modified: 0
    tail = struct.pack(">IH10x", UNITY, 0x0100) + MATRIX + bytes(24)
    return Box(b"mvhd", full(v), head, tail, struct.pack(">I", next_track))


def tkhd(track: int, duration: int, *, enabled: bool, audio: bool) -> Box:
    v, t = _times(duration)
    flags = (1 if enabled else 0) | 2  # enabled; in the movie
    head = struct.pack(f">{t}{t}II{t}", 0, 0, track, 0, duration)
    # layer 0; audio in alternate group 1 (one of them plays); full volume for audio only
    tail = struct.pack(">8xhhH2x", 0, 1 if audio else 0, 0x0100 if audio else 0)
    return Box(b"tkhd", full(v, flags), head, tail, MATRIX, struct.pack(">II", 0, 0))


def edts(duration: int, media_time: int) -> Box:
    """An edit list of one edit: `duration` of the media from `media_time` (skips priming)."""
    v, t = _times(duration, media_time)
    entry = struct.pack(f">{t}{t.lower()}hh", duration, media_time, 1, 0)
    return Box(b"edts", Box(b"elst", full(v), struct.pack(">I", 1), entry))


def language_code(code: str) -> int:
    """ISO 639-2 as mdhd packs it: three letters, five bits each."""
    a, b, c = (ord(ch) - 0x60 for ch in (code or "und")[:3].lower())
    return a << 10 | b << 5 | c


def mdhd(timescale: int, duration: int, language: str) -> Box:
    v, t = _times(duration)
    body = struct.pack(f">{t}{t}I{t}HH", 0, 0, timescale, duration, language_code(language), 0)
    return Box(b"mdhd", full(v), body)


def hdlr(handler: bytes, name: str, reserved: bytes = bytes(4)) -> Box:
    return Box(b"hdlr", full(0), bytes(4), handler, reserved, bytes(8), name.encode() + b"\0")


def dinf() -> Box:
    """The media is in this file (a 'url ' entry with flag 1)."""
    return Box(b"dinf", Box(b"dref", full(0), struct.pack(">I", 1), Box(b"url ", full(0, 1))))


def _descriptor(tag: int, body: bytes) -> bytes:
    """An MPEG-4 descriptor: tag, length in 7-bit groups (high bit: more follow), body."""
    n, groups = len(body), []
    while True:
        groups.insert(0, n & 0x7F)
        n >>= 7
        if not n:
            break
    length = bytes(g | 0x80 for g in groups[:-1]) + bytes(groups[-1:])
    return bytes([tag]) + length + body


def mp4a(
    config: bytes, rate: int, channels: int, track: int, buffer: int, peak: int, mean: int
) -> Box:
    """The AAC sample entry; `config` is the AudioSpecificConfig the encoder gives."""
    decoder = struct.pack(">BB", AAC_OBJECT, AUDIO_STREAM << 2 | 1)
    decoder += buffer.to_bytes(3, "big") + struct.pack(">II", peak, mean)
    decoder += _descriptor(0x05, config)  # DecoderSpecificInfo
    es = struct.pack(">HB", track, 0) + _descriptor(0x04, decoder)
    es += _descriptor(0x06, b"\x02")  # SLConfigDescriptor, predefined for MP4
    esds = Box(b"esds", full(0), _descriptor(0x03, es))
    head = struct.pack(">6xH8xHHHHI", 1, channels, 16, 0, 0, rate << 16)
    return Box(b"mp4a", head, esds)


def text_entry() -> Box:
    """QuickTime's text sample description, all defaults: chapter titles are not shown."""
    return Box(b"text", struct.pack(">6xH", 1), bytes(43), b"\0")  # an empty font name


def stsd(entry: Box) -> Box:
    return Box(b"stsd", full(0), struct.pack(">I", 1), entry)


def gmhd() -> Box:
    """QuickTime's base media header for the text track (gmin + text)."""
    gmin = Box(b"gmin", full(0), struct.pack(">HHHHhH", 0x40, 0x8000, 0x8000, 0x8000, 0, 0))
    return Box(b"gmhd", gmin, Box(b"text", MATRIX))


def smhd() -> Box:
    return Box(b"smhd", full(0), bytes(4))


class SampleIndex:
    """A track's sample tables while its samples arrive: sizes (4 bytes a sample), one offset
    per chunk of `per_chunk` samples, durations run-length coded (stts)."""

    def __init__(self, per_chunk: int, timescale: int) -> None:
        self.sizes = array("I")
        self.offsets = array("Q")
        self.runs: list[list[int]] = []  # [count, duration]
        self.per_chunk = per_chunk
        self.timescale = timescale
        self.duration = 0
        self.bytes = 0
        self.largest = 0  # sample (esds bufferSizeDB)
        self.peak = 0  # bytes in the busiest second (esds maxBitrate)
        self._second = (0, 0)  # (which second, bytes in it so far)

    def add(self, offset: int, size: int, duration: int) -> None:
        if len(self.sizes) % self.per_chunk == 0:
            self.offsets.append(offset)
        self.sizes.append(size)
        if self.runs and self.runs[-1][1] == duration:
            self.runs[-1][0] += 1
        else:
            self.runs.append([1, duration])
        second, held = self._second
        now = self.duration // self.timescale
        held = held + size if now == second else size
        self._second = (now, held)
        self.peak = max(self.peak, held)
        self.duration += duration
        self.bytes += size
        self.largest = max(self.largest, size)

    def tables(self, entry: Box, limit: int = U32) -> list[Box]:
        """stsd, stts, stsc, stsz and stco (co64 once an offset reaches `limit`)."""
        stts = struct.pack(f">I{2 * len(self.runs)}I", len(self.runs), *sum(self.runs, []))
        whole, rest = divmod(len(self.sizes), self.per_chunk)
        chunks = [(1, self.per_chunk)] * bool(whole) + [(whole + 1, rest)] * bool(rest)
        stsc = struct.pack(">I", len(chunks)) + b"".join(
            struct.pack(">III", first, count, 1) for first, count in chunks
        )
        wide = bool(self.offsets) and self.offsets[-1] >= limit
        offsets = Table(self.offsets, 8) if wide else Table(array("I", self.offsets), 4)
        count = struct.pack(">I", len(self.offsets))
        return [
            stsd(entry),
            Box(b"stts", full(0), stts),
            Box(b"stsc", full(0), stsc),
            Box(b"stsz", full(0), struct.pack(">II", 0, len(self.sizes)), Table(self.sizes, 4)),
            Box(b"co64" if wide else b"stco", full(0), count, offsets),
        ]

    def roll(self) -> list[Box]:
        """Every AAC packet needs the one before it decoded first (seeking pre-roll)."""
        sgpd = Box(b"sgpd", full(1), b"roll", struct.pack(">IIh", 2, 1, ROLL))
        sbgp = Box(b"sbgp", full(0), b"roll", struct.pack(">III", 1, len(self.sizes), 1))
        return [sgpd, sbgp]


def chapter_sample(title: str) -> bytes:
    """A QuickTime text sample: length, UTF-8 text, and an 'encd' box saying it is UTF-8."""
    text = title.encode()[:TITLE_BYTES].decode(errors="ignore").encode()
    return struct.pack(">H", len(text)) + text + struct.pack(">I4sI", 12, b"encd", TEXT_UTF8)


def chpl(marks: list[tuple[int, str]], timescale: int) -> Box:
    """Nero's chapter list: start in 100 ns units and a title of at most 255 bytes each.
    Its count is one byte, so it holds the first 255 chapters (the text track holds all)."""
    body = bytearray(full(1) + bytes(4) + bytes([min(len(marks), CHPL_MAX)]))
    for start, title in marks[:CHPL_MAX]:
        text = title.encode()[:CHPL_MAX].decode(errors="ignore").encode()
        body += struct.pack(">QB", start * 10_000_000 // timescale, len(text)) + text
    return Box(b"chpl", bytes(body))


def meta(tags: dict[bytes, str], cover: bytes | None, cover_type: str) -> Box:
    """iTunes-style tags: ©nam, ©ART, ...; text as UTF-8, 'stik' 2 (an audiobook), covr."""

    def item(kind: bytes, data_type: int, value: bytes) -> Box:
        return Box(kind, Box(b"data", struct.pack(">II", data_type, 0), value))

    items = [item(k, DATA_UTF8, v.encode()) for k, v in tags.items() if v]
    items.append(item(b"stik", DATA_INT, b"\x02"))
    if cover:
        items.append(item(b"covr", DATA_PNG if cover_type == "png" else DATA_JPEG, cover))
    return Box(b"meta", full(0), hdlr(b"mdir", "", b"appl"), Box(b"ilst", *items))
