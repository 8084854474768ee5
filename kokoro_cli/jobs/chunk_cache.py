"""A cache of synthesized chunks on disk, so a killed `kokoro book` resumes where it stopped.

The key is everything the audio depends on: the chunk's phoneme tokens (which carry the text,
language and lexicon), the voicepack's values, the speed, the pitch, and the model (source, device,
precision, kernel). KModel.speak seeds its noise from the chunk, so a chunk computed again is
identical; the cache stores 16-bit PCM (what every sink writes anyway) and a fresh chunk goes
through the same rounding, so cached and fresh runs give the same bytes.
Each entry is written to a temporary and renamed: a kill leaves whole entries or none.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from kokoro_cli.audio.sinks import to_pcm16

SCALE = 32767.0  # audio.to_pcm16's scale, so dequantized chunks re-quantize to the same ints


def model_key(source: str | None, device: str, precision: str | None = None) -> str:
    """What identifies the model's arithmetic: weights, device, precision, native kernel."""
    from kokoro_cli.model.weights import pick_device, pick_precision

    dev = pick_device(device)
    native = os.environ.get("KOKORO_NATIVE", "1")
    return f"{source or 'embedded'}|{dev}|{pick_precision(precision, dev)}|native={native}"


def _shift(pitch: float) -> tuple[float, ...]:
    """The pitch argument to pass on: none at 0, as for a model that knows no pitch."""
    return (pitch,) if pitch else ()


class Quantized:
    """A model whose audio comes rounded to 16-bit PCM, as the cache gives it back: the edge
    fades (joins.trim) then act on the same samples, so a run without the cache writes the
    same bytes as one through it."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def speak_timed(
        self, tokens: list[int], pack: Any, speed: float = 1.0, pitch: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        audio, durations = self.model.speak_timed(tokens, pack, speed, *_shift(pitch))
        pcm = np.frombuffer(to_pcm16(np.asarray(audio, dtype=np.float32)), dtype="<i2")
        return pcm.astype(np.float32) / SCALE, durations


class CachedModel:
    """Wraps a model's speak() with the cache; everything else passes through."""

    def __init__(self, model: Any, folder: Path, key: str) -> None:
        self.model = model
        self.folder = folder
        self.key = key
        self.hits = 0
        self.misses = 0
        self.used: list[Path] = []
        self.written: set[Path] = set()  # hits on these are repeats within this run, not resumes

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def _path(self, tokens: list[int], pack: Any, speed: float, pitch: float = 0.0) -> Path:
        h = hashlib.sha256(self.key.encode())
        h.update(np.asarray(pack.detach().cpu().float().numpy()).tobytes())
        h.update(np.float64(speed).tobytes())
        if pitch:  # only then: the entries of unshifted chunks keep the keys they always had
            h.update(b"pitch" + np.float64(pitch).tobytes())
        h.update(np.asarray(tokens, dtype=np.int32).tobytes())
        digest = h.hexdigest()
        return self.folder / digest[:2] / f"{digest}.pcm"

    def speak(
        self, tokens: list[int], pack: Any, speed: float = 1.0, pitch: float = 0.0
    ) -> np.ndarray:
        return self.speak_timed(tokens, pack, speed, pitch)[0]

    def speak_timed(
        self, tokens: list[int], pack: Any, speed: float = 1.0, pitch: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """(audio, token durations) as the model gives them, from the cache when there.

        An entry is: uint32 count, that many int32 durations, then the 16-bit PCM.
        """
        path = self._path(tokens, pack, speed, pitch)
        self.used.append(path)
        try:
            data = path.read_bytes()
            self.hits += path not in self.written
            n = int(np.frombuffer(data[:4], dtype="<u4")[0])
            durations = np.frombuffer(data[4 : 4 + 4 * n], dtype="<i4")
            pcm = np.frombuffer(data[4 + 4 * n :], dtype="<i2")
        except FileNotFoundError:
            if hasattr(self.model, "speak_timed"):
                audio, durs = self.model.speak_timed(tokens, pack, speed, *_shift(pitch))
            else:
                audio, durs = self.model.speak(tokens, pack, speed, *_shift(pitch)), []
            durations = np.asarray(durs, dtype="<i4")
            pcm = np.frombuffer(to_pcm16(np.asarray(audio, dtype=np.float32)), dtype="<i2")
            self.misses += 1
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
            header = np.asarray([len(durations)], dtype="<u4").tobytes()
            tmp.write_bytes(header + durations.tobytes() + pcm.tobytes())
            os.replace(tmp, path)
            self.written.add(path)
        return pcm.astype(np.float32) / SCALE, durations

    def forget(self) -> None:
        """Delete this run's entries (after a finished book they only take disk space)."""
        for path in self.used:
            path.unlink(missing_ok=True)
        self.used = []
