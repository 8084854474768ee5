"""The Python API (`from kokoro_cli import Kokoro`) on the real model: one test per method, the
errors it raises, what importing it costs, the layering, and the README's example."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from kokoro_cli import SAMPLE_RATE, Kokoro, KokoroError, UsageError
from kokoro_cli.audio.sinks import FORMATS
from tests.cli_helpers import Kokoro as CliRunner
from tests.cli_helpers import voiced_seconds

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kokoro_cli"
HELLO = "Hello there."


@pytest.fixture(scope="module")
def tts(model) -> Kokoro:  # noqa: ANN001 - the session's KModel
    """One Kokoro for the module; `model` first warms the weight cache for the whole session."""
    return Kokoro()


def assert_speech(audio: np.ndarray, at_least: float = 0.3) -> None:
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert np.isfinite(audio).all() and 0.4 < len(audio) / SAMPLE_RATE < 5.0
    assert voiced_seconds(audio, SAMPLE_RATE) >= at_least


# ---------------------------------------------------------------- speaking


def test_synthesize_returns_float32_mono_at_24k(tts: Kokoro) -> None:
    audio, sr = tts.synthesize(HELLO, voice="af_heart", speed=1.0, lang=None)
    assert sr == SAMPLE_RATE == 24000
    assert_speech(audio)
    slow, _ = tts.synthesize(HELLO, voice="af_heart", speed=0.7)
    assert len(slow) > 1.2 * len(audio)  # speed reaches the model
    again, _ = tts.synthesize(HELLO, voice="af_heart")
    assert np.array_equal(audio, again)  # the same text gives the same audio


def test_stream_yields_chunks_in_order(tts: Kokoro) -> None:
    text = "The first sentence is here. [pause:0.4s] And then a second one follows it."
    chunks = list(tts.stream(text, voice="af_bella+af_sarah"))
    spoken = [c for c in chunks if c.text]
    assert len(spoken) >= 2 and any(not c.text and c.duration > 0.35 for c in chunks)
    position = 0.0
    for chunk in chunks:
        assert chunk.audio.dtype == np.float32 and chunk.audio.ndim == 1
        assert chunk.start == pytest.approx(position, abs=1e-6)
        position += chunk.duration
    assert "first sentence" in spoken[0].text and spoken[0].phonemes
    assert all(c.phonemes for c in spoken)
    whole, _ = tts.synthesize(text, voice="af_bella+af_sarah")
    # synthesize() is the stream without the short first chunks for listeners: same length range
    assert abs(len(whole) / SAMPLE_RATE - position) < 1.0


def test_stream_checks_arguments_before_the_first_chunk(tts: Kokoro) -> None:
    with pytest.raises(KokoroError, match="af_nobody"):
        tts.stream(HELLO, voice="af_nobody")  # raised by the call, not by the first next()


def test_phoneme_input(tts: Kokoro) -> None:
    audio, _ = tts.synthesize("həlˈO ðˈɛɹ.", phonemes=True)
    assert_speech(audio)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"voice": "af_sarha"}, "af_sarha"),
        ({"voice": "af_bella:x,af_sarah"}, "x"),
        ({"speed": 9.0}, "9"),
        ({"speed": "fast"}, "fast"),
        ({"lang": "klingon"}, "klingon"),
        ({"text": "   "}, "empty"),
        ({"text": b"Hello"}, "bytes"),
        ({"text": "Hello [pause:abc]"}, "pause:abc"),
        ({"loudness": 3}, "loudness"),  # not an option of SynthesisConfig
    ],
)
def test_bad_arguments_raise_kokoro_errors_naming_the_value(
    tts: Kokoro, kwargs: dict, named: str
) -> None:
    args = {"text": HELLO, **kwargs}
    with pytest.raises(KokoroError, match=re.escape(named)) as err:
        tts.synthesize(**args)
    assert isinstance(err.value, UsageError)  # bad input: the CLI's exit status 2


def test_usage_errors_are_kokoro_errors() -> None:
    assert issubclass(UsageError, KokoroError)
    from kokoro_cli.errors import ModelError, VoiceError

    assert issubclass(VoiceError, KokoroError) and issubclass(ModelError, KokoroError)


def test_a_bad_model_is_a_kokoro_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a checkpoint")
    tts = Kokoro(model=str(broken))
    with pytest.raises(KokoroError, match="broken.pth"):
        tts.synthesize(HELLO)
    with pytest.raises(KokoroError, match="fp64"):
        Kokoro(precision="fp64").load()


# ---------------------------------------------------------------- the model, threads


def test_model_loads_once_and_threads_share_it(model) -> None:  # noqa: ANN001
    tts = Kokoro()
    assert tts._model is None  # nothing loaded by the constructor
    texts = ["One voice, one thread.", "Another text from another thread."]
    results: dict[int, np.ndarray] = {}
    engines: list[object] = []

    def speak(i: int) -> None:
        engines.append(tts.engine)
        results[i] = tts.synthesize(texts[i])[0]

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(engines) == 2 and engines[0] is engines[1] is tts.engine
    for i, text in enumerate(texts):  # concurrent calls give what a call alone gives
        assert np.array_equal(results[i], tts.synthesize(text)[0])


# ---------------------------------------------------------------- save


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_save_writes_every_cli_format(tts: Kokoro, tmp_path: Path, fmt: str) -> None:
    target = tts.save(HELLO, tmp_path / f"hi.{fmt}", voice="af_heart")
    assert target == tmp_path / f"hi.{fmt}"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary left over
    if fmt == "raw":
        audio = np.frombuffer(target.read_bytes(), dtype="<i2").astype(np.float32) / 32767
    elif FORMATS[fmt].ffmpeg:  # m4a/aac: decode with ffmpeg, the encoder that wrote them
        pcm = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(target), "-f", "s16le", "-ac", "1", "-"],
            capture_output=True,
            check=True,
        ).stdout
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32767
    else:
        audio, rate = sf.read(target, dtype="float32")
        assert rate == SAMPLE_RATE
        assert sf.info(target).format == FORMATS[fmt].container
    assert voiced_seconds(audio, SAMPLE_RATE) >= 0.3


def test_save_equals_the_cli_and_takes_format_over_extension(
    tts: Kokoro, kokoro: CliRunner, tmp_path: Path
) -> None:
    tts.save(HELLO, tmp_path / "api.wav", voice="af_bella+af_sarah")
    r = kokoro("say", HELLO, "--voice", "af_bella+af_sarah", "-o", "cli.wav")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "api.wav").read_bytes() == (tmp_path / "cli.wav").read_bytes()
    tts.save(HELLO, tmp_path / "audio.bin", format="flac")
    assert sf.info(tmp_path / "audio.bin").format == "FLAC"


def test_save_refuses_bad_targets_before_any_work(tts: Kokoro, tmp_path: Path) -> None:
    with pytest.raises(KokoroError, match="'xyz'"):
        tts.save(HELLO, tmp_path / "hi.xyz")
    with pytest.raises(KokoroError, match="nodir"):
        tts.save(HELLO, tmp_path / "nodir" / "hi.wav")
    assert list(tmp_path.iterdir()) == []


def test_failed_save_leaves_the_old_file_and_no_temporary(tts: Kokoro, tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    target.write_bytes(b"old")
    with pytest.raises(KokoroError, match="pause"):  # fails after the output was opened
        tts.save("Fine so far. [pause:forever]", target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_interrupted_save_leaves_nothing(model, tmp_path: Path) -> None:  # noqa: ANN001
    text = " ".join(f"This is sentence number {i}, spoken slowly." for i in range(40))
    code = f"from kokoro_cli import Kokoro\nKokoro().save({text!r}, 'long.flac')\n"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not (tmp_path / ".long.flac.part").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until the audio is being written
    assert proc.poll() is None, "finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and b"KeyboardInterrupt" in err
    assert list(tmp_path.iterdir()) == []  # neither the output nor its temporary


# ---------------------------------------------------------------- voices, mix, phonemize


def test_voices_with_language_and_gender(tts: Kokoro) -> None:
    found = tts.voices()
    assert len([v for v in found if v.source == "bundled"]) == 54
    heart = next(v for v in found if v.name == "af_heart")
    assert (heart.lang, heart.gender) == ("en-us", "female")
    gb_men = tts.voices(lang="en-gb", gender="male")
    assert {v.name for v in gb_men} >= {"bm_george", "bm_lewis"}
    assert all(v.lang == "en-gb" and v.gender == "male" for v in gb_men)
    with pytest.raises(KokoroError, match="'robot'"):
        tts.voices(gender="robot")
    with pytest.raises(KokoroError, match="'xx'"):
        tts.voices(lang="xx")


def test_mix_equals_the_cli_blend(tts: Kokoro, kokoro: CliRunner, voices_dir: Path) -> None:
    import torch

    saved = tts.mix({"af_bella": 0.5, "af_sarah": 0.5}, name="api_even")
    assert (saved.name, saved.source, saved.lang, saved.gender) == (
        "api_even",
        "mixed",
        "en-us",
        "female",
    )
    assert saved.path == voices_dir / "api_even.pt"
    tts.mix([("af_bella", 60), ("af_sarah", 40)], name="api_6040")
    assert kokoro("mix", "af_bella", "af_sarah", "--name", "cli_even").returncode == 0
    assert kokoro("mix", "af_bella:60", "af_sarah:40", "--name", "cli_6040").returncode == 0

    def pack(name: str) -> torch.Tensor:
        return torch.load(voices_dir / f"{name}.pt", weights_only=True)

    assert torch.equal(pack("api_even"), pack("cli_even"))
    assert torch.equal(pack("api_6040"), pack("cli_6040"))
    audio, _ = tts.synthesize(HELLO, voice="api_even")  # usable by name right away
    assert_speech(audio)


@pytest.mark.parametrize(
    ("voices", "name", "named"),
    [
        ({"af_bella": 1, "af_sarha": 1}, "m1", "af_sarha"),
        ({"af_bella": -1, "af_sarah": 1}, "m2", "-1"),
        ({"af_bella": 1, "af_sarah": "a lot"}, "m3", "a lot"),
        (["af_bella", "af_sarah"], "../evil", "../evil"),
        (["af_bella", "af_sarah"], "af_heart", "af_heart"),
        ("af_bella+af_sarha", "m4", "af_sarha"),
        (42, "m5", "42"),
    ],
)
def test_mix_refusals_name_the_bad_value(
    tts: Kokoro, voices_dir: Path, voices: object, name: str, named: str
) -> None:
    before = sorted(p.name for p in voices_dir.iterdir())
    with pytest.raises(KokoroError, match=re.escape(named)):
        tts.mix(voices, name=name)  # type: ignore[arg-type]
    assert sorted(p.name for p in voices_dir.iterdir()) == before


def test_phonemize(tts: Kokoro, kokoro: CliRunner) -> None:
    ps = tts.phonemize("Dr. Smith paid $5.", lang="en-us")
    assert "smˈɪθ" in ps and "dˈɑləɹz" in ps
    r = kokoro("phonemize", "Dr. Smith paid $5.", "--lang", "en-us")
    assert ps == r.stdout.decode().strip()
    with pytest.raises(KokoroError, match="klingon"):
        tts.phonemize("Hi.", lang="klingon")


# ---------------------------------------------------------------- import cost, README (layers: test_layers.py)


def test_importing_the_api_does_not_import_torch() -> None:
    probe = (
        "import sys, kokoro_cli\n"
        "from kokoro_cli import Kokoro, KokoroError\n"
        "tts = Kokoro()\n"
        "names = [v.name for v in tts.voices() if v.source == 'bundled']\n"
        "print(sorted(m for m in ('torch', 'numpy') if m in sys.modules), len(names))\n"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["[]", "54"]


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_readme_example_runs(model, tmp_path: Path) -> None:  # noqa: ANN001
    code = readme_example()
    assert "from kokoro_cli import Kokoro, KokoroError" in code and "tts.save(" in code
    voices = tmp_path / "voices"
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "KOKORO_VOICES_DIR": str(voices)},
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert sf.info(tmp_path / "hi.mp3").samplerate == SAMPLE_RATE
    assert (voices / "af.pt").is_file()
