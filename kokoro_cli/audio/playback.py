"""Streaming playback through PortAudio (sounddevice).

The synthesizer runs in the caller's thread and hands each chunk to `Player.write()`; a
background thread feeds a blocking OutputStream. Playback therefore starts as soon as the first
chunk exists, while later chunks are still being computed.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

import numpy as np

from kokoro_cli.errors import KokoroError
from kokoro_cli.model.config import SAMPLE_RATE

NO_DEVICE_HINT = "write a file instead with -o out.wav, or pipe it: -o - | aplay"
# Silence played as soon as the device opens, before any audio exists (issue 27): a device
# that wakes on playback (Bluetooth, HDMI) spends it waking up instead of the first syllable,
# also with --trim. It plays while the first chunk is computed, so speech comes no later.
PREROLL = 0.1  # seconds


def _sounddevice() -> Any:
    """Import sounddevice lazily: it loads the PortAudio library at import time."""
    try:
        import sounddevice
    except OSError as exc:  # the Python package is there but libportaudio is not
        raise KokoroError(
            f"cannot play audio: the PortAudio library is missing ({exc}); install it "
            f"(apt-get install libportaudio2), or {NO_DEVICE_HINT}"
        ) from exc
    return sounddevice


def output_device() -> str:
    """Name of the default output device, or a KokoroError saying there is none."""
    sd = _sounddevice()
    try:
        info = sd.query_devices(kind="output")
    except Exception as exc:  # PortAudioError / ValueError when nothing can play
        raise KokoroError(f"no audio output device found; {NO_DEVICE_HINT}") from exc
    return str(info["name"])


class Player:
    """A sink that plays audio as it arrives. `commit()` waits until everything was heard."""

    def __init__(self, device: str | int | None = None, preroll: float = PREROLL) -> None:
        self._sd = _sounddevice()
        output_device()  # fail early and clearly, before any synthesis work
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue()
        self.frames = 0  # samples handed to the device, the pre-roll's included
        self._error: BaseException | None = None
        self._aborted = threading.Event()
        try:
            # A generous latency keeps the device fed if the machine is briefly busy.
            self._stream = self._sd.OutputStream(
                samplerate=SAMPLE_RATE, channels=1, dtype="float32", device=device, latency="high"
            )
            self._stream.start()
        except Exception as exc:
            raise KokoroError(f"cannot open the audio output ({exc}); {NO_DEVICE_HINT}") from exc
        self._thread = threading.Thread(target=self._feed, name="kokoro-player", daemon=True)
        self._thread.start()
        self.write(np.zeros(round(preroll * SAMPLE_RATE), np.float32))

    def _feed(self) -> None:
        try:
            while not self._aborted.is_set():
                block = self._queue.get()
                if block is None:
                    return
                self._stream.write(block.reshape(-1, 1))
                self.frames += len(block)
        except BaseException as exc:  # reported by commit()
            self._error = exc

    def write(self, audio: np.ndarray) -> None:
        if self._error is not None:
            raise KokoroError(f"audio playback failed: {self._error}")
        if len(audio):
            self._queue.put(np.ascontiguousarray(audio, dtype=np.float32))

    def commit(self) -> None:
        self._queue.put(None)
        self._thread.join()
        try:
            self._stream.stop()  # returns once the buffered tail has been played
        finally:
            self._stream.close()
        if self._error is not None:
            raise KokoroError(f"audio playback failed: {self._error}")

    def abort(self) -> None:
        self._aborted.set()
        self._queue.put(None)
        try:
            self._stream.abort()  # drop what is buffered: the user asked us to stop
        finally:
            self._stream.close()
        self._thread.join(timeout=1.0)
