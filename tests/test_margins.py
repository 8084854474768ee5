"""The margins of every whole output (issue 27): silence before the first speech and after the
last, measured in the audio (cli_helpers.margins), through the pipeline, the API and `say`; and
`--help`, which showed <bool> after every flag.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from kokoro_cli import SAMPLE_RATE, Kokoro, pauses
from kokoro_cli.audio import joins
from kokoro_cli.audio.timing import cues
from kokoro_cli.pipeline import SynthesisConfig, synthesize
from tests.cli_helpers import Kokoro as CliRunner
from tests.cli_helpers import margins, voiced_seconds

TOLERANCE = 0.010  # seconds
TEXTS = [
    "Hello there.",
    "Yes.",
    # several chunks (short first ones, for a listener), a question at the end
    "The first sentence is short. The second one goes on a while, with a clause. Is it the end?",
]


def spoken(model, text: str, **options: float) -> list:  # noqa: ANN001 - a KModel
    return list(synthesize(text, SynthesisConfig(**options), model))


def whole(chunks: list) -> np.ndarray:
    return np.concatenate([c.audio for c in chunks])


def test_every_output_has_its_margins(model) -> None:  # noqa: ANN001
    for text in TEXTS:
        lead, tail = margins(whole(spoken(model, text)))
        assert lead == pytest.approx(pauses.LEAD_IN, abs=TOLERANCE), text
        assert tail == pytest.approx(pauses.TAIL, abs=TOLERANCE), text
    # markup at the edges comes on top: the margin, then the pause asked for
    lead, tail = margins(whole(spoken(model, "[pause:0.5s] Hello there. [pause:1s]")))
    assert lead == pytest.approx(pauses.LEAD_IN + 0.5, abs=TOLERANCE)
    assert tail == pytest.approx(1.0 + pauses.TAIL, abs=TOLERANCE)


def test_margins_as_set_and_trimmed(model) -> None:  # noqa: ANN001
    text = TEXTS[0]
    lead, tail = margins(whole(spoken(model, text, lead_in=0.5, tail=1.25)))
    assert (lead, tail) == pytest.approx((0.5, 1.25), abs=TOLERANCE)
    lead, tail = margins(whole(spoken(model, text, lead_in=0, tail=0)))  # --trim
    assert lead <= 0.03 and tail <= 0.03  # the 10 ms fades only (and a soft onset)


def test_the_lead_in_is_out_before_the_model_runs(model) -> None:  # noqa: ANN001
    """Silence is written at once: a listener's device wakes while the first chunk computes."""
    calls = []

    class Counting:
        def speak_timed(self, *args: object) -> object:
            calls.append(1)
            return model.speak_timed(*args)

    chunks = synthesize(TEXTS[0], SynthesisConfig(), Counting())
    first = next(chunks)
    assert calls == [] and first.text == "" and not first.audio.any()
    assert len(first.audio) == round(pauses.LEAD_IN * SAMPLE_RATE) - joins.EDGE_SAMPLES
    rest = list(chunks)
    assert calls == [1] and rest[-1].text == "" and not rest[-1].audio.any()  # the tail


def test_word_timings_shift_by_the_lead_in_exactly(model) -> None:  # noqa: ANN001
    text = "Dr. Smith paid $5. [pause:0.3s] He left at 10:30."
    tight = spoken(model, text, lead_in=0, tail=0)
    padded = spoken(model, text, lead_in=0.7)
    shift = round(0.7 * SAMPLE_RATE) - joins.EDGE_SAMPLES  # the zeros put before the speech
    a, b = whole(tight), whole(padded)
    assert not b[:shift].any() and np.array_equal(b[shift : shift + len(a)], a)
    words = [w for c in tight for w in c.words]
    moved = [w for c in padded for w in c.words]
    assert [w.text for w in moved] == [w.text for w in words] and len(words) >= 6
    for w, m in zip(words, moved, strict=True):
        assert m.start - w.start == pytest.approx(shift / SAMPLE_RATE, abs=1e-9)
        assert m.end - w.end == pytest.approx(shift / SAMPLE_RATE, abs=1e-9)
    for by_word in (False, True):  # subtitle cues, sentence and word
        before, after = cues(words, text, by_word=by_word), cues(moved, text, by_word=by_word)
        assert [c.text for c in before] == [c.text for c in after]
        for c, d in zip(before, after, strict=True):
            assert d.start - c.start == pytest.approx(shift / SAMPLE_RATE, abs=1e-9)


def test_the_api_keeps_the_margins(model, tmp_path: Path) -> None:  # noqa: ANN001
    tts = Kokoro()._using(model)
    audio, rate = tts.synthesize(TEXTS[0])
    assert margins(audio) == pytest.approx((pauses.LEAD_IN, pauses.TAIL), abs=TOLERANCE)
    tts.save(TEXTS[0], tmp_path / "hi.wav", lead_in=0.3, tail=0.6)
    saved, _ = sf.read(tmp_path / "hi.wav", dtype="float32")
    assert margins(saved) == pytest.approx((0.3, 0.6), abs=TOLERANCE)
    chunks = list(tts.stream(TEXTS[0], lead_in=0, tail=0))
    assert [bool(c.text) for c in chunks] == [True]  # tight: no pause chunks at the edges


def test_say_writes_files_and_streams_with_margins(kokoro: CliRunner, tmp_path: Path) -> None:
    r = kokoro("say", TEXTS[2], "-o", "default.wav")
    assert r.returncode == 0, r.stderr
    audio, _ = sf.read(tmp_path / "default.wav", dtype="float32")
    assert margins(audio) == pytest.approx((pauses.LEAD_IN, pauses.TAIL), abs=TOLERANCE)
    r = kokoro("say", TEXTS[2], "-o", "-", "--format", "raw", "--lead-in", "0.35", "--tail", "1")
    assert r.returncode == 0, r.stderr
    audio = np.frombuffer(r.stdout, dtype="<i2").astype(np.float32) / 32767
    assert margins(audio) == pytest.approx((0.35, 1.0), abs=TOLERANCE)
    # (`say --trim` in a file: test_server's one-liners, through the server and here alike)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trim", "--lead-in", "0.5"], "--trim means no lead-in and no tail"),
        (["--lead-in", "-1"], "--lead-in -1 is out of range; use 0 to 60 seconds"),
        (["--tail", "90"], "--tail 90 is out of range; use 0 to 60 seconds"),
    ],
    ids=["trim-and-lead-in", "negative", "too-long"],
)
def test_bad_margins_are_usage_errors(
    kokoro: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    r = kokoro("say", "Hi.", "-o", "x.wav", *args)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and message in lines[0], r.stderr
    assert list(tmp_path.iterdir()) == []


COMMANDS = ["", "say", "batch", "serve", "book", "voices", "mix", "phonemize", "doctor"]
FLAGS = r"--(quiet|verbose|version|play|words|trim|no-server|force|plan|json|text|phonemes)"


def test_help_shows_no_metavar_after_flags(tmp_path: Path) -> None:
    """Typer printed <bool> after every flag; a flag takes no value, so it shows none."""
    env = {**os.environ, "COLUMNS": "200"}
    pages = {}
    for command in COMMANDS:
        r = subprocess.run(
            [sys.executable, "-m", "kokoro_cli", *command.split(), "--help"],
            capture_output=True, text=True, cwd=tmp_path, env=env,
        )  # fmt: skip
        assert r.returncode == 0 and "Usage: kokoro" in r.stdout, (command, r.stderr)
        assert "<bool>" not in r.stdout and not re.search(FLAGS + r"\s+<", r.stdout), command
        pages[command] = r.stdout
    assert re.search(r"--lead-in\s+SECONDS", pages["say"])  # options with values keep theirs
    assert re.search(r"--speed\s+<float>", pages["say"]) and "--trim" in pages["book"]


def test_margins_are_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    for option in ("--lead-in", "--tail", "--trim"):
        assert option in readme, option
    assert json.dumps(pauses.LEAD_IN) in readme and json.dumps(pauses.TAIL) in readme


PLAY = """
import numpy as np
from kokoro_cli.audio.playback import Player
player = Player()
player.write(0.3 * np.sin(2 * np.pi * 440 * np.arange(12_000) / 24_000).astype(np.float32))
player.commit()
print(player.frames)
"""


def test_the_speaker_gets_a_pre_roll(sound_server, tmp_path: Path) -> None:  # noqa: ANN001
    """Silence goes to the device as it opens, before any audio: it wakes meanwhile."""
    from kokoro_cli.audio.playback import PREROLL

    capture = tmp_path / "captured.wav"
    with sound_server.recording(capture):
        r = subprocess.run(
            [sys.executable, "-c", PLAY], capture_output=True, text=True, env=sound_server.env,
            timeout=60,
        )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == 12_000 + round(PREROLL * SAMPLE_RATE)  # the tone after the pre-roll
    heard, rate = sf.read(capture, dtype="float32")
    heard = heard.mean(axis=1) if heard.ndim == 2 else heard
    assert voiced_seconds(heard, rate) >= 0.4  # and the tone itself, whole
