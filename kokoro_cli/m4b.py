"""M4B audiobooks through PyAV: AAC audio encoded as it arrives, chapter marks, tags, a cover.

PyAV's wheels carry FFmpeg's libraries, so no system ffmpeg is needed. Like the other file
sinks, it writes a hidden temporary beside the target and renames it only on commit.
"""

from __future__ import annotations

import os
from contextlib import suppress
from fractions import Fraction
from pathlib import Path

import numpy as np

from kokoro_cli import SAMPLE_RATE
from kokoro_cli.audio import temp_path, to_pcm16
from kokoro_cli.errors import KokoroError, UsageError

BIT_RATE = 64_000  # mono speech: transparent at 64 kb/s AAC-LC (~29 MB per hour)
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
COVER_CODECS = {"jpeg": "mjpeg", "png": "png"}


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a JPEG or PNG, probed by FFmpeg itself; None if it cannot."""
    import io

    import av

    try:
        with av.open(io.BytesIO(data)) as image:
            ctx = image.streams.video[0].codec_context
            return (ctx.width, ctx.height) if ctx.width and ctx.height else None
    except (av.error.FFmpegError, IndexError, OSError):
        return None


class M4bSink:
    """An audio sink that also takes chapter marks; `narrator` is the voice."""

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
    ) -> None:
        import av

        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise UsageError(f"output folder {self.path.parent} does not exist; create it first")
        self.tmp = temp_path(self.path)
        self.frames = 0
        self.marks: list[tuple[int, str]] = []  # (start frame, title)
        self._cover = cover if cover_type in COVER_CODECS else None
        try:
            self.container = av.open(str(self.tmp), "w", format="mp4", options={"brand": "M4B "})
        except (OSError, av.error.FFmpegError) as exc:
            raise KokoroError(f"cannot write {self.path}: {exc}; check the folder") from None
        tags = {"title": title, "album": title, "artist": author, "album_artist": author}
        tags.update({"composer": narrator, "genre": "Audiobook"})
        if narrator:
            tags["comment"] = f"Narrated by {narrator} (Kokoro-82M)"
        self.container.metadata.update({k: v for k, v in tags.items() if v})
        self.stream = self.container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        self.stream.bit_rate = BIT_RATE
        code = ISO639_2.get(language.lower().split("-")[0])
        if code:
            self.stream.metadata["language"] = code
        self._pic = None
        size = _image_size(self._cover) if self._cover is not None else None
        if size is None:
            self._cover = None  # an image FFmpeg cannot read is left out, not fatal
        else:
            self._pic = self.container.add_mux_stream(
                COVER_CODECS[cover_type], width=size[0], height=size[1]
            )
            self._pic.disposition = av.stream.Disposition.attached_pic

    def chapter(self, title: str) -> None:
        """Start a chapter at the current position."""
        self.marks.append((self.frames, title))

    def write(self, audio: np.ndarray) -> None:
        import av

        if not len(audio):
            return
        pcm = np.frombuffer(to_pcm16(audio), dtype="<i2")[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self.frames
        frame.time_base = Fraction(1, SAMPLE_RATE)
        self._mux(self.stream.encode(frame))
        self.frames += len(audio)

    def _mux(self, packets: list) -> None:
        try:
            self.container.mux(packets)
        except OSError as exc:
            raise KokoroError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def commit(self) -> None:
        import av

        self._mux(self.stream.encode(None))
        if self._pic is not None and self._cover is not None:
            packet = av.Packet(self._cover)
            packet.stream = self._pic
            packet.pts = packet.dts = 0
            self._mux([packet])
        ends = [start for start, _ in self.marks[1:]] + [self.frames]
        self.container.set_chapters(
            [
                {
                    "id": i + 1,
                    "start": start,
                    "end": end,
                    "time_base": Fraction(1, SAMPLE_RATE),
                    "metadata": {"title": title},
                }
                for i, ((start, title), end) in enumerate(zip(self.marks, ends, strict=True))
            ]
        )
        self.container.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        with suppress(Exception):
            self.container.close()
        self.tmp.unlink(missing_ok=True)
