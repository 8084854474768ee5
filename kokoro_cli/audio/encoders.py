"""Streaming encoders for the server: float32 chunks in, bytes ready to send out.

Each encoder's `write()` returns whatever encoded bytes the chunk completed (maybe none: aac
lags a chunk behind), and `finish()` the rest. Why these encoders:
- wav and pcm are written here directly (a WAV header with unknown sizes, as for `-o -`).
- mp3 and opus go through libsndfile, which soundfile already bundles: no new dependency and no
  extra process per request. It writes to a file object of ours that hands out each byte once.
  libsndfile seeks back only to patch headers when it closes; those rewrites are dropped. For
  mp3 that is the LAME tag (the encoder's delay, the length), which LAME reserves as a blank
  first frame: sent as it was, it decoded to 24 ms of silence before everything (issue 27), so
  Mp3Encoder drops it, and the encoder's delay with it (see there). mp3 is constant bit rate,
  so readers that estimate the length from the size get it right; Ogg pages are cut every
  100 ms, so opus leaves with each chunk too.
- flac is sent whole when complete: its header carries the length and checksum, and libsndfile
  itself cannot read a FLAC stream whose header says "unknown length".
- aac (ADTS) needs ffmpeg, as for `kokoro say -o x.aac`: a subprocess fed PCM on stdin, read by
  a thread, so its output streams too.
- FileEncoder is `kokoro say -o FILE`'s own file sink, in a private folder: the file is sent
  once complete, so `say` through the server writes the same bytes as without it.
"""

from __future__ import annotations

import io
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kokoro_cli.audio.sinks import FileSink, Format, to_pcm16, wav_stream_header
from kokoro_cli.errors import KokoroError
from kokoro_cli.model.config import SAMPLE_RATE

# OpenAI's names and the media types its API answers with.
MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
# libsndfile closes an Ogg page once it holds ~1 s of Opus; 100 ms pages leave with each chunk.
OGG_PAGE_MS = 100.0
_SFC_SET_OGG_PAGE_LATENCY_MS = 0x1302  # sndfile.h; soundfile has no wrapper for this command
MP3_QUALITY = 0.5  # libsndfile's compression level 0..1; 0.5 is about 80 kbit/s at 24 kHz mono
# Samples a decoder puts before the first input sample of an mp3 without a LAME tag: LAME's
# encoder delay (576, what its tag says of our encodes) and the decoder's (528 + 1, the value
# ffmpeg and mpg123 both use). Measured: 1,105 with either, on the stream without the tag.
MP3_DELAY = 576 + 529
_READ_SIZE = 4096


class Encoder:
    """The interface: write() float32 audio, get bytes; finish() once; close() always."""

    def write(self, audio: np.ndarray) -> bytes:
        raise NotImplementedError

    def finish(self) -> bytes:
        return b""

    def close(self) -> None:
        """Release resources (after finish, or instead of it when the client went away)."""


class PcmEncoder(Encoder):
    """Headerless 16-bit little-endian PCM, or WAV with a streaming header in front."""

    def __init__(self, header: bytes = b"") -> None:
        self._pending = header

    def write(self, audio: np.ndarray) -> bytes:
        out, self._pending = self._pending + to_pcm16(audio), b""
        return out

    def finish(self) -> bytes:
        out, self._pending = self._pending, b""
        return out


class _Outbox(io.RawIOBase):
    """A write-only file that hands each byte out once; rewrites of sent bytes are dropped."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._base = 0  # offset of _buf[0] in the whole file
        self._pos = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        return 0  # libsndfile never reads back what it wrote in these formats

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        data = bytes(data)
        n, start = len(data), self._pos
        if start < self._base:  # a header patch over bytes already sent: too late, drop it
            skip = min(n, self._base - start)
            data, start = data[skip:], start + skip
        offset = start - self._base
        self._buf[offset : offset + len(data)] = data
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        end = self._base + len(self._buf)
        self._pos = {
            io.SEEK_SET: offset,
            io.SEEK_CUR: self._pos + offset,
            io.SEEK_END: end + offset,
        }[whence]
        return self._pos

    def tell(self) -> int:
        return self._pos

    def take(self) -> bytes:
        out = bytes(self._buf)
        self._base += len(out)
        self._buf.clear()
        return out


class SndfileEncoder(Encoder):
    """mp3 or Ogg Opus through libsndfile; with `whole`, everything comes out in finish()."""

    def __init__(
        self, container: str, subtype: str, whole: bool = False, **options: object
    ) -> None:
        import soundfile

        self._out = _Outbox()
        self._whole = whole
        self._sf = soundfile.SoundFile(
            self._out, "w", SAMPLE_RATE, 1, subtype, format=container, **options
        )
        if subtype == "OPUS":
            _short_pages(soundfile, self._sf)

    def write(self, audio: np.ndarray) -> bytes:
        self._sf.write(np.clip(audio, -1.0, 1.0).astype(np.float32, copy=False))
        return b"" if self._whole else self._out.take()

    def finish(self) -> bytes:
        self._sf.close()
        return self._out.take()

    def close(self) -> None:
        if not self._sf.closed:
            self._sf.close()


class Mp3Encoder(SndfileEncoder):
    """A streamed mp3 that decodes where the audio is: without LAME's blank tag frame, and
    with the encoder's delay taken out of the leading silence.

    A file keeps the tag, which tells a decoder to skip the encoder's delay, so the file's
    audio starts at sample 0. A stream has no tag (it would need the length), so a decoder
    puts MP3_DELAY samples of priming first; dropping as many samples of the output's lead-in
    (zeros, see pipeline.SynthesisConfig.lead_in) puts every later sample back in its place.
    With a shorter lead-in (--trim) what silence there is goes, and the rest of the delay stays.
    """

    def __init__(self) -> None:
        super().__init__(
            "MP3", "MPEG_LAYER_III", bitrate_mode="CONSTANT", compression_level=MP3_QUALITY
        )
        self._skip = MP3_DELAY  # leading zeros still to drop
        self._first: bytes | None = b""  # the output until its first frame is whole; then None

    def write(self, audio: np.ndarray) -> bytes:
        if self._skip:
            loud = np.flatnonzero(audio)
            n = min(self._skip, len(audio) if not len(loud) else int(loud[0]))
            self._skip = self._skip - n if n == len(audio) else 0
            audio = audio[n:]
        return self._without_blank(super().write(audio))

    def finish(self) -> bytes:
        return self._without_blank(super().finish(), end=True)

    def _without_blank(self, data: bytes, end: bool = False) -> bytes:
        """The output less its first frame if that is LAME's placeholder: a header, then zeros."""
        if self._first is None:
            return data
        data = self._first + data
        size = mp3_frame_size(data[:4])
        if not end and len(data) < (size or 4):
            self._first = data  # the first frame is not whole yet
            return b""
        self._first = None
        if size is not None and len(data) >= size and not any(data[4:size]):
            return data[size:]
        return data


def mp3_frame_size(header: bytes) -> int | None:
    """The length in bytes of the MPEG audio layer III frame that `header` starts, or None."""
    if len(header) < 4:
        return None
    h = int.from_bytes(header[:4], "big")
    version, layer, rate, index = (h >> 19) & 3, (h >> 17) & 3, (h >> 10) & 3, (h >> 12) & 15
    if h >> 21 != 0x7FF or version == 1 or layer != 1 or rate == 3 or index in (0, 15):
        return None
    mpeg1 = version == 3  # 2: MPEG-2, 0: MPEG-2.5
    kbps = (_KBPS_MPEG1 if mpeg1 else _KBPS_MPEG2)[index]
    hz = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}[version]
    return (144 if mpeg1 else 72) * kbps * 1000 // hz[rate] + ((h >> 9) & 1)


_KBPS_MPEG1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_KBPS_MPEG2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)


def _short_pages(soundfile: Any, handle: Any) -> None:
    """Ask libsndfile for short Ogg pages, through soundfile's cffi handle (best effort: without
    it the stream still works, in pages of about a second)."""
    try:
        latency = soundfile._ffi.new("double*", OGG_PAGE_MS)
        size = soundfile._ffi.sizeof("double")
        soundfile._snd.sf_command(handle._file, _SFC_SET_OGG_PAGE_LATENCY_MS, latency, size)
    except AttributeError:  # a soundfile release that moved its internals
        pass


class FfmpegEncoder(Encoder):
    """AAC in ADTS frames from an ffmpeg subprocess; a thread collects what it prints."""

    def __init__(self) -> None:
        exe = shutil.which("ffmpeg")
        if exe is None:
            raise KokoroError("aac needs ffmpeg on the server; install it (apt-get install ffmpeg)")
        args = [
            exe,
            "-hide_banner",
            "-loglevel",
            "error",
            "-probesize",
            "32",
            "-fflags",
            "nobuffer",
        ]
        args += ["-f", "s16le"]
        args += ["-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0", "-c:a", "aac"]
        args += ["-f", "adts", "-flush_packets", "1", "pipe:1"]
        self._proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._got: queue.Queue[bytes] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="kokoro-ffmpeg", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while data := self._proc.stdout.read1(_READ_SIZE):
            self._got.put(data)

    def _drain(self) -> bytes:
        parts = []
        while not self._got.empty():
            parts.append(self._got.get_nowait())
        return b"".join(parts)

    def write(self, audio: np.ndarray) -> bytes:
        assert self._proc.stdin is not None
        self._proc.stdin.write(to_pcm16(audio))
        self._proc.stdin.flush()
        return self._drain()

    def finish(self) -> bytes:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._reader.join()
        if self._proc.wait() != 0:
            raise KokoroError("ffmpeg failed to encode aac")
        return self._drain()

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._reader.join()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


class FileEncoder(Encoder):
    """A whole output file, written by audio.FileSink into a private temporary folder; once
    finish() has returned, `path` is complete (close() removes it)."""

    def __init__(self, fmt: Format) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="kokoro-serve-"))
        self.path = self._dir / f"speech.{fmt.name}"
        self._sink = FileSink(self.path, fmt)
        self._done = False

    def write(self, audio: np.ndarray) -> bytes:
        self._sink.write(audio)
        return b""

    def finish(self) -> bytes:
        self._sink.commit()
        self._done = True
        return b""

    def close(self) -> None:
        if not self._done:
            self._sink.abort()
        shutil.rmtree(self._dir, ignore_errors=True)


ENCODERS: dict[str, Callable[[], Encoder]] = {
    "pcm": PcmEncoder,
    "wav": lambda: PcmEncoder(wav_stream_header()),
    "mp3": Mp3Encoder,
    "opus": lambda: SndfileEncoder("OGG", "OPUS"),
    "flac": lambda: SndfileEncoder("FLAC", "PCM_16", whole=True),
    "aac": FfmpegEncoder,
}


def open_encoder(fmt: str) -> Encoder:
    """A fresh encoder for one response in `fmt` (a key of MEDIA_TYPES)."""
    return ENCODERS[fmt]()
