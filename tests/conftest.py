"""Shared test setup: isolated weight cache and voices dir, the real CLI, a real sound server.

The converted weights are cached inside the clone (.pytest_cache/, git-ignored), so a test run
converts the embedded graph at most once and later runs start warm.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli_helpers import Kokoro, Run

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".pytest_cache" / "kokoro-weights"
_VOICES_DIR = Path(tempfile.mkdtemp(prefix="kokoro-test-voices-"))


def pytest_configure(config: pytest.Config) -> None:
    # Set before any test (or subprocess) reads them: every process of this run shares both.
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["KOKORO_CACHE_DIR"] = str(CACHE_DIR)
    os.environ["KOKORO_VOICES_DIR"] = str(_VOICES_DIR)
    os.environ.pop("KOKORO_MODEL", None)  # the embedded default, whatever the caller's shell says
    os.environ.pop("KOKORO_VOICE", None)
    os.environ["KOKORO_SERVER"] = "off"  # a `kokoro serve` on this machine must not answer tests
    os.environ.pop("KOKORO_API_KEY", None)
    os.environ.pop("KOKORO_LEXICON", None)  # and no user lexicon from the config dir:
    os.environ["XDG_CONFIG_HOME"] = str(_VOICES_DIR / "config")
    # Subprocesses import this checkout's kokoro_cli even without `pip install -e .`.
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_VOICES_DIR, ignore_errors=True)


@pytest.fixture(params=["native", "torch ops"])
def native_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test through the C kernels (kokoro_cli/model/snake.c), then through the torch ops
    they replace."""
    from kokoro_cli.model import native

    if request.param == "native":
        if not native.compiler():
            pytest.skip("no C compiler: only the torch ops path exists here")
        assert native.library() is not None, native.status  # a compiler, so it must build
    else:
        monkeypatch.setattr(native, "supports", lambda x: False)
    return request.param


@pytest.fixture(scope="session")
def model():  # noqa: ANN201 - a KModel; torch is imported lazily
    """The real Kokoro model, loaded once (this also warms the weight cache for subprocesses)."""
    from kokoro_cli.model.weights import load_model

    return load_model()


@pytest.fixture(scope="session")
def voices_dir() -> Path:
    return _VOICES_DIR


@pytest.fixture
def kokoro(model, tmp_path: Path) -> Kokoro:
    """Run the real `kokoro` CLI in a subprocess (cwd: the test's tmp dir)."""

    def run(*args: str, stdin: bytes | None = None, timeout: float = 180, **env: str) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "kokoro_cli", *args],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            cwd=tmp_path,
            env={**os.environ, **env},
            timeout=timeout,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr.decode(errors="replace"))

    return run


@dataclass
class SoundServer:
    """A PulseAudio server with a null sink whose monitor we can record."""

    env: dict[str, str]

    @contextmanager
    def recording(self, path: Path) -> Iterator[Path]:
        rec = subprocess.Popen(
            ["parec", "-d", "nul.monitor", "--file-format=wav", str(path)],
            env=self.env,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.3)  # parec connects before anything plays
        try:
            yield path
        finally:
            time.sleep(0.3)  # let the tail of the audio reach the monitor
            rec.send_signal(signal.SIGINT)  # parec finalizes the WAV header on SIGINT
            rec.wait(timeout=10)


@pytest.fixture(scope="session")
def sound_server() -> Iterator[SoundServer]:
    """A real PulseAudio (null sink), started for this run; skipped only if not installed."""
    if shutil.which("pulseaudio") is None or shutil.which("parec") is None:
        pytest.skip("pulseaudio/parec not installed (apt-get install pulseaudio pulseaudio-utils)")
    runtime = Path(tempfile.mkdtemp(prefix="kokoro-pulse-"))
    runtime.chmod(0o700)
    env = {
        **os.environ,
        "XDG_RUNTIME_DIR": str(runtime),
        "PULSE_RUNTIME_PATH": str(runtime / "pulse"),
    }
    env.pop("PULSE_SERVER", None)
    subprocess.run(
        [
            "pulseaudio",
            "--daemonize=yes",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "-n",
            "--load=module-null-sink sink_name=nul",
            "--load=module-native-protocol-unix",
        ],  # fmt: skip
        env=env,
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(["pactl", "set-default-sink", "nul"], env=env, check=True, timeout=10)
        yield SoundServer(env)
    finally:
        # `pactl exit` is refused under --disallow-exit: stop the daemon we started by its pid.
        pid_file = runtime / "pulse" / "pid"
        if pid_file.is_file():
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
        shutil.rmtree(runtime, ignore_errors=True)
