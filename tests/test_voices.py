"""Voicepacks: bundled files and metadata, loading, blends, mixing and saving user voices."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from kokoro_cli.errors import UsageError, VoiceError
from kokoro_cli.model import voices as v

REPO = Path(__file__).resolve().parents[1]
# How many voices of each language Kokoro v1.0 has (the 54 of kokoro-js 1.2.1).
PER_LANG = {
    "en-us": 20, "en-gb": 8, "es": 3, "fr-fr": 1, "hi": 4, "it": 2, "ja": 5, "pt-br": 3, "zh": 8,
}  # fmt: skip


@pytest.fixture(autouse=True)
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty user voices dir, never the real one."""
    folder = tmp_path / "user-voices"
    monkeypatch.setenv(v.VOICES_DIR_ENV, str(folder))
    return folder


def bundled() -> list[v.VoiceInfo]:
    return [x for x in v.list_voices() if x.source == "bundled"]


# ---------------------------------------------------------------- bundled packs


def test_54_bundled_voices_with_metadata() -> None:
    voices = bundled()
    assert len(voices) == 54
    counts: dict[str, int] = {}
    for info in voices:
        counts[info.lang] = counts.get(info.lang, 0) + 1
        assert info.lang == v.VOICE_LANG[info.name[0]]
        assert info.gender == {"f": "female", "m": "male"}[info.name[1]]
        assert info.path.is_file() and info.path.name == f"{info.name}.pt"
    assert counts == PER_LANG
    by_name = {x.name: x for x in voices}
    assert (by_name["af_heart"].lang, by_name["af_heart"].gender) == ("en-us", "female")
    assert (by_name["zm_yunxi"].lang, by_name["zm_yunxi"].gender) == ("zh", "male")
    assert (by_name["bm_george"].lang, by_name["pf_dora"].lang) == ("en-gb", "pt-br")
    index = json.loads((v.bundled_voices_dir() / "voices.json").read_text())
    assert index["af_heart"]["display_name"] == "Heart"
    assert index["jf_gongitsune"]["display_name"] == "Gongitsune"


def test_every_bundled_pack_loads_with_the_official_shape() -> None:
    first_rows = set()
    for info in bundled():
        pack = v.load_voice(info.name)
        assert pack.dtype == torch.float32 and tuple(pack.shape) == (510, 1, 256)
        assert torch.isfinite(pack).all() and pack.abs().max() > 0
        first_rows.add(pack[0].numpy().tobytes())
    assert len(first_rows) == 54  # 54 distinct voices, not one file copied


def test_bundled_files_are_plain_tensors_for_weights_only_load() -> None:
    pack = torch.load(v.bundled_voices_dir() / "af_heart.pt", weights_only=True)
    assert isinstance(pack, torch.Tensor) and pack.dtype == torch.float32


def test_converter_reproduces_the_committed_packs(tmp_path: Path) -> None:
    """Raw float32 bytes (the npm layout) -> convert_from_npm.py -> the same tensors and JSON."""
    src, dst = tmp_path / "npm", tmp_path / "out"
    src.mkdir()
    for info in bundled():
        raw = torch.load(info.path, weights_only=True).numpy().astype("<f4").tobytes()
        (src / f"{info.name}.bin").write_bytes(raw)
    script = REPO / "voices" / "convert_from_npm.py"
    spec = importlib.util.spec_from_file_location("convert_from_npm", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = module.convert(src, dst)
    assert len(names) == 54
    for name in names:
        ours = torch.load(dst / f"{name}.pt", weights_only=True)
        assert torch.equal(ours, v.load_voice(name))
    assert json.loads((dst / "voices.json").read_text()) == json.loads(
        (v.bundled_voices_dir() / "voices.json").read_text()
    )
    (src / "af_heart.bin").write_bytes(b"\0" * 100)  # truncated download
    with pytest.raises(SystemExit, match="af_heart.bin"):
        module.convert(src, tmp_path / "again")


def test_import_and_listing_do_not_import_torch() -> None:
    code = (
        "import sys, kokoro_cli.model.voices as v; v.list_voices(); v.voice_lang('af_bella+bm_lewis');"
        "sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


# ---------------------------------------------------------------- names, specs, languages


def test_user_dir_from_env_or_xdg(user_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert v.user_voices_dir() == user_dir
    monkeypatch.delenv(v.VOICES_DIR_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(user_dir.parent / "xdg"))
    if sys.platform.startswith("linux"):
        assert v.user_voices_dir() == user_dir.parent / "xdg" / "kokoro-cli" / "voices"
    assert v.user_voices_dir().parts[-2:] == ("kokoro-cli", "voices")


def test_unknown_voice_suggests_close_names() -> None:
    with pytest.raises(VoiceError, match=r"unknown voice 'af_bela' \(did you mean af_bella, "):
        v.load_voice("af_bela")
    with pytest.raises(VoiceError, match="did you mean af_heart"):
        v.voice_lang("AF_HEART")
    with pytest.raises(VoiceError, match="unknown voice 'zzzzzz'; run `kokoro voices`"):
        v.load_voice("zzzzzz")
    assert issubclass(VoiceError, UsageError)  # exit code 2 in the CLI


@pytest.mark.parametrize(
    ("spec", "names", "weights"),
    [
        ("af_bella", ["af_bella"], None),
        ("af_bella+af_sarah", ["af_bella", "af_sarah"], None),
        ("af_bella:0.5,af_sarah:0.5", ["af_bella", "af_sarah"], [0.5, 0.5]),
        (" af_bella:60 , af_sarah:40 ", ["af_bella", "af_sarah"], [60.0, 40.0]),
        ("a:1+b:2,c:3", ["a", "b", "c"], [1.0, 2.0, 3.0]),
    ],
)
def test_parse_blend(spec: str, names: list[str], weights: list[float] | None) -> None:
    assert v.parse_blend(spec) == (names, weights)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty voice"),
        ("af_bella,,af_sarah", "empty part"),
        ("af_bella+", "empty part"),
        ("af_bella:heavy", "bad weight 'heavy'"),
        ("af_bella:1,af_sarah", "to every voice .* or to none"),
    ],
)
def test_bad_blend_expressions(spec: str, message: str) -> None:
    with pytest.raises(VoiceError, match=message):
        v.load_voice(spec)


def test_voice_lang_for_names_blends_and_paths(tmp_path: Path) -> None:
    assert v.voice_lang("ef_dora") == "es"
    assert v.voice_lang("jf_alpha:0.3,af_heart:0.7") == "ja"  # the first voice decides
    assert v.voice_lang(str(tmp_path / "bf_custom.pt")) == "en-gb"
    with pytest.raises(VoiceError, match="pass --lang"):
        v.voice_lang(str(tmp_path / "custom.pt"))


# ---------------------------------------------------------------- loading files


def save_raw(path: Path, obj: object) -> Path:
    torch.save(obj, path)
    return path


def test_load_by_path_and_path_in_blend(tmp_path: Path) -> None:
    bella = v.load_voice("af_bella")
    path = save_raw(tmp_path / "copy.pt", bella.clone())
    assert torch.equal(v.load_voice(str(path)), bella)
    half = v.load_voice(f"{path}:1,af_sarah:1")
    assert torch.equal(half, (bella + v.load_voice("af_sarah")) / 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (torch.zeros(511, 1, 256), r"shape \[511, 1, 256\]"),  # a v0.19-sized pack
        (torch.zeros(510, 256), r"shape \[510, 256\]"),
        (torch.zeros(510, 1, 256, dtype=torch.int32), "dtype torch.int32"),
        (torch.full((510, 1, 256), float("nan")), "NaN or Inf"),
        ({"pack": torch.zeros(510, 1, 256)}, "holds a dict, not a voicepack tensor"),
    ],
)
def test_malformed_packs_are_refused(tmp_path: Path, content: object, message: str) -> None:
    path = save_raw(tmp_path / "bad.pt", content)
    with pytest.raises(VoiceError, match=message):
        v.load_voice(str(path))


def test_unreadable_or_missing_files_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a torch file at all")
    with pytest.raises(VoiceError, match="cannot read voicepack .*junk.pt"):
        v.load_voice(str(junk))
    with pytest.raises(VoiceError, match="voice file not found"):
        v.load_voice(str(tmp_path / "nope.pt"))


def test_float64_pack_is_accepted_as_float32(tmp_path: Path) -> None:
    bella = v.load_voice("af_bella")
    path = save_raw(tmp_path / "wide.pt", bella.to(torch.float64))
    loaded = v.load_voice(str(path))
    assert loaded.dtype == torch.float32 and torch.equal(loaded, bella)


# ---------------------------------------------------------------- mixing


def test_equal_mix_is_exactly_the_elementwise_mean() -> None:
    """The seed's Arena voice: af_bella + af_sarah at equal weights == (a + b) / 2, bit for bit."""
    a, b = v.load_voice("af_bella"), v.load_voice("af_sarah")
    mean = (a + b) / 2
    assert torch.equal(v.mix(["af_bella", "af_sarah"], None), mean)
    assert torch.equal(v.mix(["af_bella", "af_sarah"], [60, 60]), mean)
    assert torch.equal(v.load_voice("af_bella+af_sarah"), mean)
    assert torch.equal(v.load_voice("af_bella:0.5,af_sarah:0.5"), mean)
    c = v.load_voice("bf_emma")
    three = (a.double() + b.double() + c.double()) / 3
    assert torch.equal(v.mix(["af_bella", "af_sarah", "bf_emma"], None), three.float())


def test_weights_are_normalized() -> None:
    a, b = v.load_voice("af_bella"), v.load_voice("af_sarah")
    assert torch.equal(v.mix([a, b], [60, 40]), v.mix([a, b], [0.6, 0.4]))
    assert torch.allclose(v.mix([a, b], [3, 1]), 0.75 * a + 0.25 * b, atol=1e-6, rtol=0)
    assert torch.equal(v.mix([a, b], [2.5, 0]), a)  # a zero weight drops that voice exactly
    assert not torch.equal(v.mix([a, b], [0.6, 0.4]), v.mix([a, b], [0.4, 0.6]))


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([0.5, -0.5], "weights must be numbers >= 0"),
        ([0, 0], "all weights are zero"),
        ([float("nan"), 1], "weights must be numbers >= 0"),
        ([1.0], "1 weights for 2 voices"),
        ([1, 1, 1], "3 weights for 2 voices"),
    ],
)
def test_mix_refuses_bad_weights(weights: list[float], message: str) -> None:
    with pytest.raises(VoiceError, match=message):
        v.mix(["af_bella", "af_sarah"], weights)


def test_mix_refuses_packs_of_different_shapes_and_unknown_voices() -> None:
    with pytest.raises(VoiceError, match="different shapes"):
        v.mix([torch.zeros(3, 1, 256), torch.zeros(4, 1, 256)], None)
    with pytest.raises(VoiceError, match="unknown voice 'af_sara' \\(did you mean af_sarah"):
        v.mix(["af_bella", "af_sara"], None)
    with pytest.raises(VoiceError, match="nothing to mix"):
        v.mix([], None)


# ---------------------------------------------------------------- saving user voices


def test_mixed_voice_is_saved_listed_and_loadable(user_dir: Path) -> None:
    path = v.create_mixed_voice("arena", ["af_bella", "af_sarah"], [60, 40])
    assert path == user_dir / "arena.pt"
    assert sorted(p.name for p in user_dir.iterdir()) == ["arena.json", "arena.pt"]  # no temps
    info = v.find_voice("arena")
    assert (info.source, info.lang, info.gender) == ("mixed", "en-us", "female")
    recipe = json.loads((user_dir / "arena.json").read_text())["mixed_from"]
    assert recipe == [{"voice": "af_bella", "weight": 0.6}, {"voice": "af_sarah", "weight": 0.4}]
    assert torch.equal(v.load_voice("arena"), v.load_voice("af_bella:0.6,af_sarah:0.4"))
    assert v.voice_lang("arena") == "en-us"
    assert [x.name for x in v.list_voices() if x.source != "bundled"] == ["arena"]


def test_mixed_voice_metadata_follows_its_sources() -> None:
    v.create_mixed_voice("duo", ["jf_alpha", "jm_kumo"], None)
    info = v.find_voice("duo")
    assert (info.lang, info.gender) == ("ja", "mixed")
    assert v.voice_lang("duo+af_heart") == "ja"
    assert v.voice_lang(str(v.find_voice("duo").path)) == "ja"  # a path reads its sidecar


def test_plain_user_voice_and_hand_placed_files(user_dir: Path) -> None:
    pack = v.load_voice("am_adam") * 0.5
    v.save_user_voice("quiet", pack, lang="en-gb", gender="m")
    info = v.find_voice("quiet")
    assert (info.source, info.lang, info.gender) == ("user", "en-gb", "male")
    assert torch.equal(v.load_voice("quiet"), pack)
    # Files dropped in by hand: a Kokoro-style name describes itself, others are unknown,
    # and one named like a bundled voice is ignored rather than shadowing it.
    torch.save(pack.clone(), user_dir / "bm_custom.pt")
    torch.save(pack.clone(), user_dir / "mystery.pt")
    torch.save(pack.clone(), user_dir / "af_heart.pt")
    listed = {x.name: x for x in v.list_voices()}
    assert (listed["bm_custom"].lang, listed["bm_custom"].source) == ("en-gb", "user")
    assert (listed["mystery"].lang, listed["mystery"].gender) == ("unknown", "unknown")
    assert listed["af_heart"].source == "bundled"
    assert not torch.equal(v.load_voice("af_heart"), pack)
    with pytest.raises(VoiceError, match="voice 'mystery' has no known language; pass --lang"):
        v.voice_lang("mystery")


@pytest.mark.parametrize(
    "name",
    ["../evil", "a/b", "..", ".hidden", "-dash", "", "two words", "v1.0", "x" * 65, "a\\b"],
)
def test_save_refuses_names_that_are_not_plain_identifiers(user_dir: Path, name: str) -> None:
    with pytest.raises(VoiceError, match="invalid voice name"):
        v.create_mixed_voice(name, ["af_bella", "af_sarah"], None)
    assert not user_dir.exists() or not any(user_dir.iterdir())


def test_save_refuses_shadowing_a_bundled_voice(user_dir: Path) -> None:
    with pytest.raises(VoiceError, match="'af_heart' is a bundled voice"):
        v.create_mixed_voice("af_heart", ["af_bella", "af_sarah"], None, force=True)
    assert not (user_dir / "af_heart.pt").exists()


def test_save_refuses_overwriting_without_force() -> None:
    first = v.create_mixed_voice("blend", ["af_bella", "af_sarah"], None)
    before = first.read_bytes()
    with pytest.raises(VoiceError, match="already exists .* pass --force"):
        v.create_mixed_voice("blend", ["am_adam", "am_echo"], None)
    assert first.read_bytes() == before and v.find_voice("blend").gender == "female"
    v.create_mixed_voice("blend", ["am_adam", "am_echo"], None, force=True)
    assert v.find_voice("blend").gender == "male"
    assert torch.equal(v.load_voice("blend"), v.load_voice("am_adam+am_echo"))


def test_save_checks_the_pack_and_language() -> None:
    with pytest.raises(VoiceError, match=r"shape \[510, 256\]"):
        v.save_user_voice("flat", torch.zeros(510, 256), lang="en-us", gender="female")
    with pytest.raises(VoiceError, match="language 'xx'"):
        v.save_user_voice("odd", torch.zeros(510, 1, 256), lang="xx", gender="female")
    with pytest.raises(VoiceError, match="language 'None'"):
        v.save_user_voice("nolang", torch.zeros(510, 1, 256))


def test_interrupted_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "voice.pt"
    target.write_bytes(b"old")

    def half_write(fh) -> None:
        fh.write(b"partial")
        raise KeyboardInterrupt  # Ctrl-C in the middle of writing

    with pytest.raises(KeyboardInterrupt):
        v._atomic_write(target, half_write)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["voice.pt"]


# ---------------------------------------------------------------- packaging


def test_built_wheel_carries_the_voices(tmp_path: Path) -> None:
    """Build the wheel like an install would, then use the voices from the unpacked wheel."""
    if importlib.util.find_spec("hatchling") is None:
        pytest.fail("the build backend hatchling is missing: pip install hatchling (test extra)")
    out = tmp_path / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    build = subprocess.run([*cmd, "-w", str(out), str(REPO)], capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = out.glob("kokoro_cli-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    expected = {f"kokoro_cli/voices/{x.name}.pt" for x in bundled()}
    expected |= {f"kokoro_cli/voices/{f}" for f in ("voices.json", "NOTICE", "LICENSE")}
    assert expected <= names and "kokoro_cli/model/voices.py" in names
    assert "kokoro_cli/py.typed" in names  # type checkers see the API's hints (PEP 561)
    # Installed layout: the module kokoro_cli/model/voices.py finds the data folder kokoro_cli/voices/.
    code = (
        "import kokoro_cli.model.voices as v; d = v.bundled_voices_dir(); p = v.load_voice('af_heart');"
        "print(d); print(len(v.list_voices()), tuple(p.shape))"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    folder, summary = run.stdout.splitlines()
    assert Path(folder) == (tmp_path / "site" / "kokoro_cli" / "voices").resolve()
    assert summary == "54 (510, 1, 256)"
