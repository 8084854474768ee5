"""`kokoro voices`, `kokoro mix` (and its refusals), `phonemize`, `doctor`, and playback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.cli_helpers import Kokoro, voiced_seconds

ROOT = Path(__file__).resolve().parent.parent


def listed(kokoro: Kokoro, *args: str) -> list[dict]:
    r = kokoro("voices", "--json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_voices_table_and_json(kokoro: Kokoro) -> None:
    r = kokoro("voices")
    assert r.returncode == 0, r.stderr
    table = r.stdout.decode()
    assert "af_heart" in table and "bundled" in table and "zm_yunyang" in table
    rows = listed(kokoro)
    bundled = [v for v in rows if v["source"] == "bundled"]
    assert len(bundled) == 54
    assert {"name", "lang", "gender", "source"} <= set(rows[0])
    heart = next(v for v in rows if v["name"] == "af_heart")
    assert (heart["lang"], heart["gender"]) == ("en-us", "female")
    gb_men = listed(kokoro, "--lang", "en-gb", "--gender", "male")
    assert gb_men and all(v["lang"] == "en-gb" and v["gender"] == "male" for v in gb_men)
    assert {v["name"] for v in gb_men} >= {"bm_george", "bm_lewis"}


def test_mix_then_speak_with_it(kokoro: Kokoro, voices_dir: Path, tmp_path: Path) -> None:
    import torch

    r = kokoro("mix", "af_bella", "af_sarah", "--name", "arena")
    assert r.returncode == 0, r.stderr
    saved = torch.load(voices_dir / "arena.pt", weights_only=True)
    bella = torch.load(ROOT / "voices" / "af_bella.pt", weights_only=True)
    sarah = torch.load(ROOT / "voices" / "af_sarah.pt", weights_only=True)
    assert torch.equal(saved, (bella + sarah) / 2)  # the Arena voice: exactly the mean
    entry = next(v for v in listed(kokoro) if v["name"] == "arena")
    assert entry["source"] == "mixed" and entry["lang"] == "en-us"
    said = kokoro("say", "Hello from a blend.", "--voice", "arena", "-o", "arena.wav")
    assert said.returncode == 0, said.stderr
    audio, rate = sf.read(tmp_path / "arena.wav", dtype="float32")
    assert voiced_seconds(audio, rate) > 0.3


def test_mix_weights_inline_and_option(kokoro: Kokoro, voices_dir: Path) -> None:
    import torch

    inline = kokoro("mix", "af_bella:60", "af_sarah:40", "--name", "w_inline")
    option = kokoro("mix", "af_bella", "af_sarah", "--weights", "0.6,0.4", "--name", "w_option")
    assert inline.returncode == 0 and option.returncode == 0, inline.stderr + option.stderr
    a = torch.load(voices_dir / "w_inline.pt", weights_only=True)
    b = torch.load(voices_dir / "w_option.pt", weights_only=True)
    bella = torch.load(ROOT / "voices" / "af_bella.pt", weights_only=True)
    sarah = torch.load(ROOT / "voices" / "af_sarah.pt", weights_only=True)
    assert torch.allclose(a, b) and torch.allclose(a, 0.6 * bella + 0.4 * sarah, atol=1e-6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["af_bella", "af_sarha", "--name", "r1"], "did you mean af_sarah"),
        (["af_bella", "af_sarah", "--weights", "0.5,-0.5", "--name", "r2"], "weight"),
        (["af_bella", "af_sarah", "--weights", "0,0", "--name", "r3"], "zero"),
        (["af_bella", "af_sarah", "--weights", "1,2,3", "--name", "r4"], "3 weights for 2"),
        (["af_bella", "small.pt", "--name", "r5"], "shape"),
        (["af_bella", "af_sarah", "--name", "../evil"], "invalid voice name"),
        (["af_bella", "af_sarah", "--name", "sub/dir"], "invalid voice name"),
        (["af_bella", "af_sarah", "--name", "af_heart"], "bundled"),
        (["af_bella", "af_sarah", "--name", "taken"], "--force"),
        (["af_bella:1", "af_sarah", "--name", "r6"], "every voice"),
    ],
)
def test_mix_refusals(
    kokoro: Kokoro, voices_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    import torch

    torch.save(torch.zeros(10, 1, 256), tmp_path / "small.pt")
    if "taken" in args and not (voices_dir / "taken.pt").exists():
        assert kokoro("mix", "af_bella", "af_sarah", "--name", "taken").returncode == 0
    before = sorted(p.name for p in voices_dir.iterdir())
    r = kokoro("mix", *args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("kokoro: error: ") and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in voices_dir.iterdir()) == before  # nothing written
    if "taken" in args:
        forced = kokoro(
            "mix", "af_bella", "af_sarah", "--weights", "1,3", "--name", "taken", "--force"
        )
        assert forced.returncode == 0, forced.stderr


def test_phonemize_prints_phonemes_only(kokoro: Kokoro) -> None:
    r = kokoro("phonemize", "Hello world.")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.decode().strip() == "həlˈO wˈɜɹld."
    ids = kokoro("phonemize", "--tokens", "Hi.")
    assert all(t.isdigit() for t in ids.stdout.decode().split())


def test_doctor_reports_each_check(kokoro: Kokoro) -> None:
    r = kokoro("doctor")
    out = r.stdout.decode()
    for name in ("espeak-ng", "weights", "voices", "audio output", "speed", "native kernels"):
        assert name in out
    assert r.returncode == 0, out  # espeak, weights and voices are all present here
    forced = kokoro("--precision", "fp32", "doctor")  # the global option reaches the check
    assert "decoder runs in fp32" in forced.stdout.decode()
    assert "not used (they serve int8, the decoder runs in fp32)" in forced.stdout.decode()
    off = kokoro("--precision", "int8", "doctor", KOKORO_NATIVE="0")
    assert "warn     native kernels: off (KOKORO_NATIVE=0)" in off.stdout.decode()
    assert "fix: unset KOKORO_NATIVE" in off.stdout.decode() and off.returncode == 0
    broken = kokoro("--model", "/nonexistent/model.pth", "doctor")
    assert broken.returncode == 1 and "no such file" in broken.stdout.decode()


def test_playback_reaches_a_real_sound_server(kokoro: Kokoro, sound_server, tmp_path: Path) -> None:
    capture = tmp_path / "captured.wav"
    with sound_server.recording(capture):
        r = kokoro(
            "say", "Can you hear me now? This is playing on the speaker.", **sound_server.env
        )
    assert r.returncode == 0, r.stderr
    audio, rate = sf.read(capture, dtype="float32")
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    assert voiced_seconds(mono, rate) > 1.0  # speech arrived, not silence
    assert np.abs(mono).max() < 1.0


def test_play_and_write_together(kokoro: Kokoro, sound_server, tmp_path: Path) -> None:
    capture = tmp_path / "captured.wav"
    with sound_server.recording(capture):
        r = kokoro("say", "Both at once.", "-o", "both.wav", "--play", **sound_server.env)
    assert r.returncode == 0, r.stderr
    written, rate = sf.read(tmp_path / "both.wav", dtype="float32")
    heard, hrate = sf.read(capture, dtype="float32")
    heard = heard.mean(axis=1) if heard.ndim == 2 else heard
    assert voiced_seconds(written, rate) > 0.3 and voiced_seconds(heard, hrate) > 0.3


def test_no_audio_device_suggests_a_file(kokoro: Kokoro, tmp_path: Path) -> None:
    runtime = tmp_path / "no-server"
    runtime.mkdir(mode=0o700)
    env = {"XDG_RUNTIME_DIR": str(runtime), "PULSE_SERVER": f"unix:{runtime}/none"}
    check = "import sounddevice as sd; sd.query_devices(kind='output')"
    has_device = subprocess.run(
        [sys.executable, "-c", check], env={**__import__("os").environ, **env}, capture_output=True
    )
    if has_device.returncode == 0:
        pytest.skip("this machine has a real audio output even without a sound server")
    r = kokoro("say", "Nobody hears this.", **env)
    assert r.returncode == 1
    assert r.stderr.startswith("kokoro: error: ") and "-o" in r.stderr
