"""Audio sinks: files (by format), stdout streams and subtitle files.

Every sink takes float32 chunks through `write()` and either `commit()`s or `abort()`s. File
sinks write chunk by chunk into a hidden temporary next to the target and rename it over the
target only on success, so an interrupted or failed run never leaves a partial output file.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from kokoro_cli.atomic import temp_path, write_text_atomic  # noqa: F401 (re-exported)
from kokoro_cli.errors import KokoroError, PipeClosed, UsageError  # noqa: F401 (PipeClosed re-exported)
from kokoro_cli.model.config import SAMPLE_RATE


@dataclass(frozen=True)
class Format:
    """How to write one output format: through libsndfile, or through an ffmpeg encoder."""

    name: str
    container: str  # libsndfile major format, or ffmpeg muxer when `ffmpeg` is set
    subtype: str | None = None
    ffmpeg: bool = False


# libsndfile (bundled with soundfile) writes MP3 and Ogg natively; only AAC needs ffmpeg.
FORMATS: dict[str, Format] = {
    "wav": Format("wav", "WAV", "PCM_16"),
    "flac": Format("flac", "FLAC", "PCM_16"),
    "ogg": Format("ogg", "OGG", "VORBIS"),
    "opus": Format("opus", "OGG", "OPUS"),
    "mp3": Format("mp3", "MP3", "MPEG_LAYER_III"),
    "raw": Format("raw", "RAW", "PCM_16"),  # headerless 16-bit little-endian PCM
    "m4a": Format("m4a", "ipod", ffmpeg=True),
    "aac": Format("aac", "adts", ffmpeg=True),
}
STREAM_FORMATS = ("wav", "raw")  # what `-o -` can write to a pipe


def format_for(path: Path, override: str | None = None) -> Format:
    """Pick the writer from `--format` or else the file extension."""
    name = (override or path.suffix.lstrip(".")).lower()
    if name not in FORMATS:
        known = ", ".join(FORMATS)
        what = f"format {name!r}" if name else f"no extension on {path}"
        raise UsageError(f"unsupported output {what}; use one of: {known}")
    return FORMATS[name]


def to_pcm16(audio: np.ndarray) -> bytes:
    """Float [-1, 1] to little-endian 16-bit PCM, clipping rather than wrapping around."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


class Sink(Protocol):
    def write(self, audio: np.ndarray) -> None: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


class FileSink:
    """Streams into a temporary through libsndfile (or ffmpeg) and renames it on commit."""

    def __init__(self, path: Path, fmt: Format, tmp: Path | None = None) -> None:
        self.path = Path(path)
        self.tmp = temp_path(self.path) if tmp is None else tmp  # beside path: renamed onto it
        self.fmt = fmt
        self.frames = 0
        if not self.path.parent.is_dir():
            raise UsageError(f"output folder {self.path.parent} does not exist; create it first")
        self._proc: subprocess.Popen[bytes] | None = None
        self._sf = None
        if fmt.ffmpeg:
            self._proc = _start_ffmpeg(self.tmp, fmt)
        else:
            import soundfile

            self._sf = soundfile.SoundFile(
                self.tmp, "w", SAMPLE_RATE, 1, fmt.subtype, format=fmt.container
            )

    def write(self, audio: np.ndarray) -> None:
        if self._sf is not None and self.fmt.subtype == "PCM_16":
            # Our own conversion (clip, scale 32767) so files match the stdout stream exactly;
            # libsndfile's float-to-int path would wrap around on overshoot instead of clipping.
            self._sf.write(np.frombuffer(to_pcm16(audio), dtype="<i2"))
        elif self._sf is not None:
            self._sf.write(np.clip(audio, -1.0, 1.0).astype(np.float32, copy=False))
        elif self._proc is not None and self._proc.stdin is not None:
            self._proc.stdin.write(to_pcm16(audio))
        self.frames += len(audio)

    def commit(self) -> None:
        if self._sf is not None:
            self._sf.close()
        if self._proc is not None:
            _, err = self._proc.communicate()
            if self._proc.returncode != 0:
                self.abort()
                tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
                raise KokoroError(f"ffmpeg failed to encode {self.path.name}: {tail[0]}")
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            if self._sf is not None and not self._sf.closed:
                self._sf.close()
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
        finally:
            self.tmp.unlink(missing_ok=True)


def _start_ffmpeg(tmp: Path, fmt: Format) -> subprocess.Popen[bytes]:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise KokoroError(
            f"writing .{fmt.name} needs ffmpeg, which is not installed; install it "
            "(apt-get install ffmpeg) or pick another format: wav, flac, ogg, opus, mp3"
        )
    args = [exe, "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]
    args += ["-c:a", "aac", "-f", fmt.container, str(tmp)]
    return subprocess.Popen(args, stdin=subprocess.PIPE, stderr=subprocess.PIPE)


def wav_stream_header() -> bytes:
    """A 16-bit mono WAV header for a stream whose length is not known yet.

    The RIFF and data sizes are set to 0xFFFFFFFF, the convention streaming encoders (ffmpeg,
    sox) use: players read until end of stream. We cannot seek back on a pipe to patch them.
    """
    unknown = 0xFFFFFFFF
    block = 2  # bytes per frame: one 16-bit channel
    fmt_chunk = struct.pack("<HHIIHH", 1, 1, SAMPLE_RATE, SAMPLE_RATE * block, block, 16)
    return (
        b"RIFF"
        + struct.pack("<I", unknown)
        + b"WAVEfmt "
        + struct.pack("<I", len(fmt_chunk))
        + fmt_chunk
        + b"data"
        + struct.pack("<I", unknown)
    )


class StreamSink:
    """Writes WAV (streaming header) or raw 16-bit PCM to a binary stream, flushing every chunk."""

    def __init__(self, fmt: str, stream: BinaryIO | None = None) -> None:
        if fmt not in STREAM_FORMATS:
            raise UsageError(f"--format {fmt} cannot be streamed to stdout; use wav or raw")
        self.stream = stream if stream is not None else sys.stdout.buffer
        if self.stream.isatty():
            raise UsageError(
                "refusing to write binary audio to a terminal; "
                "redirect it (> out.wav) or pipe it (| aplay)"
            )
        self.fmt = fmt
        self._started = False

    def _put(self, data: bytes) -> None:
        try:
            self.stream.write(data)
            self.stream.flush()
        except BrokenPipeError as exc:
            raise PipeClosed from exc

    def write(self, audio: np.ndarray) -> None:
        if not self._started:
            self._started = True
            if self.fmt == "wav":
                self._put(wav_stream_header())
        self._put(to_pcm16(audio))

    def commit(self) -> None:
        if not self._started and self.fmt == "wav":  # empty output is still a valid WAV
            self._put(wav_stream_header())

    def abort(self) -> None:
        """Nothing to undo: bytes already sent down a pipe cannot be taken back."""


@dataclass
class Cue:
    """A timed piece of the input: a sentence or a word."""

    start: float
    end: float
    text: str  # exactly input[char_start:char_end] when those are set
    char_start: int | None = None
    char_end: int | None = None
    caption: str | None = None  # what .srt/.vtt show, if not `text` (markup resolved)
    chapter: int | None = None  # `kokoro book`: the number of the chapter whose text they index

    def as_json(self) -> dict[str, object]:
        row: dict[str, object] = {"start": round(self.start, 3), "end": round(self.end, 3)}
        row["text"] = self.text
        if self.char_start is not None:
            row["char_start"], row["char_end"] = self.char_start, self.char_end
        if self.chapter is not None:
            row["chapter"] = self.chapter
        return row


@dataclass
class Mark:
    """An SSML <mark>: its name, and when the speech reaches it."""

    name: str
    start: float

    def as_json(self) -> dict[str, object]:
        return {"type": "mark", "name": self.name, "start": round(self.start, 3)}


def with_marks(cues: Iterable[Cue], marks: Iterable[Mark]) -> list[Cue | Mark]:
    """Cues and marks in time order; a mark comes before a cue starting with it."""
    events: list[Cue | Mark] = [*marks, *cues]
    return sorted(events, key=lambda e: (e.start, isinstance(e, Cue)))


def _stamp(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def render_subtitles(cues: Iterable[Cue | Mark], kind: str) -> str:
    """SubRip (.srt), WebVTT (.vtt) or JSON (a list of cue objects, and SSML marks as
    {"type": "mark", "name", "start"}) text for the cues; .srt and .vtt have no marks."""
    return "".join(subtitle_pieces(cues, kind))


def subtitle_pieces(cues: Iterable[Cue | Mark], kind: str) -> Iterator[str]:
    """render_subtitles()' text a cue at a time (`kokoro book` streams a book's cues)."""
    if kind == "json":  # one cue a line
        sep = "["
        for cue in cues:
            yield sep + json.dumps(cue.as_json(), ensure_ascii=False)
            sep = ",\n "
        yield "[]\n" if sep == "[" else "]\n"
        return

    def lines() -> Iterator[str]:
        if kind == "vtt":
            yield from ("WEBVTT", "")
        sep = "." if kind == "vtt" else ","
        for i, cue in enumerate((c for c in cues if isinstance(c, Cue)), 1):
            if kind == "srt":
                yield str(i)
            yield f"{_stamp(cue.start, sep)} --> {_stamp(cue.end, sep)}"
            yield from (" ".join((cue.caption or cue.text).split()), "")

    for n, line in enumerate(lines()):
        yield f"\n{line}" if n else line


SUBTITLE_KINDS = ("srt", "vtt", "json")


def subtitle_kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in SUBTITLE_KINDS:
        raise UsageError(f"subtitles must end in .srt, .vtt or .json, not {path.name!r}")
    return kind
