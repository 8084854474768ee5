"""M4B audiobooks: AAC encoded by PyAV (FFmpeg) as audio arrives, in an MP4 container we write.

FFmpeg's own MP4 muxer keeps ~70 bytes per AAC packet in memory until the end (~6 MB per
hour at 24 kHz), so the container is ours (kokoro_cli.audio.mp4): packets go straight to the file,
and only a compact index stays (4 bytes a packet, 8 per chunk of CHUNK_PACKETS), ~0.35 MB
per hour. The moov box (index, chapters, tags) goes after the audio: its size is only known at
the end, and putting it first would mean rewriting the whole file. Players read it either way
from a local file. Like the other sinks, it writes a hidden temporary beside the target and
renames it only on commit.
"""

from __future__ import annotations

import os
from contextlib import suppress
from fractions import Fraction
from pathlib import Path

import numpy as np

from kokoro_cli.atomic import temp_path
from kokoro_cli.audio import mp4
from kokoro_cli.audio.sinks import to_pcm16
from kokoro_cli.errors import KokoroError, UsageError
from kokoro_cli.model.config import SAMPLE_RATE
from kokoro_cli.version import __version__

BIT_RATE = 64_000  # mono speech: transparent at 64 kb/s AAC-LC (~29 MB per hour)
# FFmpeg's cheaper quantizer search: on Kokoro speech at 64 kb/s it takes 0.12 s of CPU per
# minute instead of twoloop's 0.41 (which slowed `book` by ~8 % against `say`, the model
# sharing the cores), with SNR 25.4 dB against 23.0 (bench/README.md, Books).
AAC_CODER = "fast"
AAC_FRAME = 1024  # samples per AAC-LC packet
CHUNK_PACKETS = 64  # packets per chunk (~2.7 s): one 8-byte offset each
AUDIO_TRACK, CHAPTER_TRACK = 1, 2
# ISO 639-1 (what EPUBs say) to the 639-2 codes MP4 stores on the audio track.
ISO639_2 = {
    "en": "eng",
    "es": "spa",
    "fr": "fra",
    "it": "ita",
    "pt": "por",
    "hi": "hin",
    "ja": "jpn",
    "zh": "zho",
    "de": "deu",
    "nl": "nld",
    "ru": "rus",
}
# What a cover must start with to be stored (an image a player cannot read is left out).
COVER_MAGIC = {"jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}


class M4bSink:
    """An audio sink that also takes chapter marks; `narrator` is the voice.

    `wide_from` is where offsets and the mdat size switch to their 64-bit forms (co64, a
    64-bit mdat header): 4 GB, lowered only by tests, which cannot write 4 GB of audio.
    """

    def __init__(
        self,
        path: Path,
        *,
        title: str,
        author: str = "",
        language: str = "",
        narrator: str = "",
        cover: bytes | None = None,
        cover_type: str = "",
        wide_from: int = mp4.U32,
    ) -> None:
        import av

        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise UsageError(f"output folder {self.path.parent} does not exist; create it first")
        self.tmp = temp_path(self.path)
        self.frames = 0  # samples written
        self.marks: list[tuple[int, str]] = []  # (start sample, title)
        self.language = ISO639_2.get(language.lower().split("-")[0], "und")
        self.cover = (
            cover if cover and cover.startswith(COVER_MAGIC.get(cover_type, b"-")) else None
        )
        self.cover_type = cover_type
        self.tags = {
            b"\xa9nam": title,
            b"\xa9alb": title,
            b"\xa9ART": author,
            b"aART": author,
            b"\xa9wrt": narrator,  # composer: the voice that reads it
            b"\xa9gen": "Audiobook",
            b"\xa9cmt": f"Narrated by {narrator} (Kokoro-82M)" if narrator else "",
            b"\xa9too": f"kokoro-cli {__version__}",
        }
        self.wide_from = wide_from
        self.index = mp4.SampleIndex(CHUNK_PACKETS, SAMPLE_RATE)
        self.priming: int | None = None  # encoder delay: samples before the audio starts
        self.encoder = av.CodecContext.create("aac", "w")
        self.encoder.sample_rate = SAMPLE_RATE
        self.encoder.layout = "mono"
        self.encoder.format = "fltp"
        self.encoder.bit_rate = BIT_RATE
        self.encoder.time_base = Fraction(1, SAMPLE_RATE)
        self.encoder.options = {"aac_coder": AAC_CODER}
        self.encoder.open()
        try:
            self.file = open(self.tmp, "wb")  # noqa: SIM115 (closed by commit or abort)
            mp4.ftyp(b"M4B ", [b"M4B ", b"M4A ", b"mp42", b"isom"]).write(self.file)
            self.mdat = self.file.tell()
            self.file.write(bytes(mp4.MDAT_HEADER))  # filled in by commit
        except OSError as exc:
            self.abort()
            raise KokoroError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.pos = self.file.tell()

    def chapter(self, title: str) -> None:
        """Start a chapter at the current position; the first starts the book (chapter
        tracks have no gaps, so audio before the first mark belongs to it)."""
        self.marks.append((self.frames if self.marks else 0, title))

    def write(self, audio: np.ndarray) -> None:
        import av

        if not len(audio):
            return
        pcm = np.frombuffer(to_pcm16(audio), dtype="<i2")[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self.frames
        frame.time_base = Fraction(1, SAMPLE_RATE)
        self._put(self.encoder.encode(frame))
        self.frames += len(audio)

    def _put(self, packets: list) -> None:
        """Append AAC packets to the mdat and index them."""
        try:
            for packet in packets:
                if self.priming is None:  # the first packet starts `priming` samples early
                    self.priming = max(0, -(packet.pts or 0))
                data = bytes(packet)
                self.file.write(data)
                self.index.add(self.pos, len(data), packet.duration or AAC_FRAME)
                self.pos += len(data)
        except OSError as exc:
            raise KokoroError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def commit(self) -> None:
        self._put(self.encoder.encode(None))
        try:
            chapters = self._write_chapters()
            size = self.pos - self.mdat
            self._moov(chapters).write(self.file)
            self.file.seek(self.mdat)
            self.file.write(mp4.mdat_header(size, size >= self.wide_from))
            self.file.close()
        except OSError as exc:
            raise KokoroError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        os.replace(self.tmp, self.path)

    def _write_chapters(self) -> mp4.SampleIndex | None:
        """The chapter titles, as samples of a text track, after the audio in the mdat."""
        if not self.marks:
            return None
        chapters = mp4.SampleIndex(len(self.marks), SAMPLE_RATE)
        ends = [start for start, _ in self.marks[1:]] + [self.frames]
        for (start, title), end in zip(self.marks, ends, strict=True):
            sample = mp4.chapter_sample(title)
            self.file.write(sample)
            chapters.add(self.pos, len(sample), end - start)
            self.pos += len(sample)
        return chapters

    def _moov(self, chapters: mp4.SampleIndex | None) -> mp4.Box:
        """The movie: the audio track (its edit list skips the encoder's priming, so the
        track lasts exactly `frames`), the chapter track, chpl and the tags."""
        audio = self.index
        peak, mean = audio.peak * 8, audio.bytes * 8 * SAMPLE_RATE // max(1, self.frames)
        entry = mp4.mp4a(
            bytes(self.encoder.extradata or b""),
            SAMPLE_RATE,
            1,
            AUDIO_TRACK,
            audio.largest,
            peak,
            mean,
        )
        sound = [
            mp4.tkhd(AUDIO_TRACK, self.frames, enabled=True, audio=True),
            mp4.edts(self.frames, self.priming or 0),
        ]
        if chapters is not None:  # QuickTime chapters: Apple's players read these
            sound.append(mp4.Box(b"tref", mp4.Box(b"chap", CHAPTER_TRACK.to_bytes(4, "big"))))
        stbl = mp4.Box(b"stbl", *audio.tables(entry, self.wide_from), *audio.roll())
        minf = mp4.Box(b"minf", mp4.smhd(), mp4.dinf(), stbl)
        head = mp4.mdhd(SAMPLE_RATE, audio.duration, self.language)
        sound.append(mp4.Box(b"mdia", head, mp4.hdlr(b"soun", "SoundHandler"), minf))
        tracks = [mp4.Box(b"trak", *sound)]
        udta = [mp4.meta(self.tags, self.cover, self.cover_type)]
        if chapters is not None:
            stbl = mp4.Box(b"stbl", *chapters.tables(mp4.text_entry(), self.wide_from))
            minf = mp4.Box(b"minf", mp4.gmhd(), mp4.dinf(), stbl)
            head = mp4.mdhd(SAMPLE_RATE, chapters.duration, self.language)
            mdia = mp4.Box(b"mdia", head, mp4.hdlr(b"text", "ChapterHandler"), minf)
            tkhd = mp4.tkhd(CHAPTER_TRACK, self.frames, enabled=False, audio=False)
            tracks.append(mp4.Box(b"trak", tkhd, mdia))
            udta.insert(0, mp4.chpl(self.marks, SAMPLE_RATE))  # Nero chapters: most others
        movie = mp4.mvhd(SAMPLE_RATE, self.frames, len(tracks) + 1)
        return mp4.Box(b"moov", movie, *tracks, mp4.Box(b"udta", *udta))

    def abort(self) -> None:
        with suppress(Exception):
            self.file.close()
        self.tmp.unlink(missing_ok=True)
