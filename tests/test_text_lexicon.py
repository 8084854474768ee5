"""Pronunciation lexicons (issue 12 §3): format, matching, errors, sources, and the CLI options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from kokoro_cli.errors import UsageError
from kokoro_cli.text import phonemize
from kokoro_cli.text.lexicon import Lexicon, load, parse, read

ROOT = Path(__file__).resolve().parent.parent
KOKORO = "kˈOkəɹO"


def lexicon(text: str) -> Lexicon:
    return Lexicon(parse(text, "test.txt"))


def test_phonemes_are_used_as_written_and_possessives_follow() -> None:
    lex = lexicon(f"Kokoro\t/{KOKORO}/\n")
    assert phonemize("Kokoro speaks.", "en-us", lex) == f"{KOKORO} spˈiks."
    assert phonemize("Kokoro's voice", "en-us", lex).startswith(f"{KOKORO}z ")
    assert lex.warning() is None


def test_respelling_is_read_like_ordinary_text() -> None:
    lex = lexicon("nginx\tengine x\n")
    assert phonemize("nginx runs", "en-us", lex) == phonemize("engine x runs", "en-us")


def test_whole_words_only_and_case_rules() -> None:
    lex = lexicon(f"kokoro\t/{KOKORO}/\nUS\tyou ess\n")
    # lower-case entry: any case; whole words only
    assert phonemize("KOKORO and Kokoro", "en-us", lex).count(KOKORO) == 2
    assert KOKORO not in phonemize("kokoroish", "en-us", lex)
    # an entry with capitals matches only that spelling: "us" the pronoun stays
    assert phonemize("tell us", "en-us", lex) == phonemize("tell us", "en-us")
    assert phonemize("the US", "en-us", lex) == phonemize("the you ess", "en-us")


def test_comments_sections_and_later_entries_win(tmp_path: Path) -> None:
    first = tmp_path / "a.txt"
    second = tmp_path / "b.txt"
    first.write_text("# mine\n\ntomato\t/təmˈATO/\n[en-gb]\ntomato\t/təmˈɑːtQ/\n", "utf-8")
    second.write_text("[*]\nKokoro\t/kˈOkO/\n", "utf-8")
    lex = load([first, second])
    assert lex is not None
    assert phonemize("tomato", "en-us", lex) == "təmˈATO"
    assert phonemize("tomato", "en-gb", lex) == "təmˈɑːtQ"  # its section, later in the file
    (tmp_path / "c.txt").write_text("tomato\tpotato\n", "utf-8")
    later = load([first, tmp_path / "c.txt"])
    assert phonemize("tomato", "en-us", later) == phonemize("potato", "en-us")


def test_unused_entries_are_listed_in_one_line() -> None:
    lex = lexicon("kokoro\tkoko\ntypo\t/tˈIpO/\nteh\tthe\n[fr-fr]\nchat\tsha\n")
    phonemize("Kokoro speaks.", "en-us", lex)
    warning = lex.warning()
    assert warning is not None and "\n" not in warning
    assert "typo (test.txt:2)" in warning and "teh (test.txt:3)" in warning
    assert "kokoro (" not in warning and "chat" not in warning  # French was never read


@pytest.mark.parametrize(
    ("content", "line", "what"),
    [
        ("good\t/ɡˈʊd/\nno tab here\n", 2, "no tab"),
        ("# c\nword\t/k€O/\n", 2, "'€'"),
        ("word\t/ /\n", 1, "empty"),
        ("word\t/kO\n", 1, "slashes"),
        ("[klingon]\nword\tx\n", 1, "klingon"),
    ],
)
def test_bad_lines_name_file_and_line(content: str, line: int, what: str) -> None:
    with pytest.raises(UsageError) as err:
        parse(content, "names.txt")
    assert str(err.value).startswith(f"names.txt:{line}: ") and what in str(err.value)


def test_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("ok\tfine\ncafé\tkafay\n".encode("latin-1"))
    with pytest.raises(UsageError, match=r"latin1.txt:2: .*UTF-8"):
        read(bad)
    with pytest.raises(UsageError, match="cannot read lexicon .*missing.txt"):
        read(tmp_path / "missing.txt")


# --------------------------------------------------------------- the CLI


def kokoro(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "KOKORO_LEXICON"}
    base["XDG_CONFIG_HOME"] = str(cwd / "config")  # no lexicon of the real user
    return subprocess.run(
        [sys.executable, "-m", "kokoro_cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, **env},
        timeout=120,
    )


def test_phonemize_shows_the_effect_and_warns_once(tmp_path: Path) -> None:
    lex = tmp_path / "names.txt"
    lex.write_text(f"Kokoro\t/{KOKORO}/\nzzyzx\t/zˈIzɪks/\n", "utf-8")
    r = kokoro("phonemize", "--lexicon", str(lex), "Kokoro speaks.", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{KOKORO} spˈiks.\n"
    assert r.stderr.count("\n") == 1 and f"zzyzx ({lex}:2)" in r.stderr
    assert r.stderr.startswith("kokoro: warning: ")


def test_environment_and_user_config_lexicons(tmp_path: Path) -> None:
    user = tmp_path / "config" / "kokoro-cli" / "lexicon.txt"
    user.parent.mkdir(parents=True)
    user.write_text("kokoro\tcocoa\nnginx\tengine x\n", "utf-8")
    env_file = tmp_path / "env.txt"
    env_file.write_text("kokoro\tcurry\n", "utf-8")
    flag = tmp_path / "flag.txt"
    flag.write_text("kokoro\tcarrot\n", "utf-8")
    said = kokoro("phonemize", "kokoro nginx", cwd=tmp_path).stdout
    assert said == phonemize("cocoa engine x", "en-us") + "\n"
    env = kokoro("phonemize", "kokoro", cwd=tmp_path, KOKORO_LEXICON=str(env_file))
    assert env.stdout == phonemize("curry", "en-us") + "\n"
    both = kokoro(
        "phonemize", "--lexicon", str(flag), "kokoro", cwd=tmp_path, KOKORO_LEXICON=str(env_file)
    )
    assert both.stdout == phonemize("carrot", "en-us") + "\n"  # the flag wins


@pytest.mark.parametrize("command", ["say", "phonemize", "batch"])
def test_a_bad_lexicon_is_one_usage_error_and_nothing_is_made(command: str, tmp_path: Path) -> None:
    lex = tmp_path / "bad.txt"
    lex.write_text("fine\tfine\nKokoro /kˈOkəɹO/\n", "utf-8")
    (tmp_path / "in.txt").write_text("Hello.", "utf-8")
    args = {
        "say": ["say", "Hello.", "-o", "out.wav"],
        "phonemize": ["phonemize", "Hello."],
        "batch": ["batch", "in.txt", "-o", "out"],
    }[command]
    r = kokoro(*args, "--lexicon", str(lex), cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr == f"kokoro: error: {lex}:2: no tab between the word and its pronunciation —" \
        " write word<TAB>/phonemes/ or word<TAB>respelling\n"  # fmt: skip
    assert r.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt", "in.txt"]


def test_say_and_batch_apply_the_lexicon(model, tmp_path: Path) -> None:  # noqa: ANN001
    lex = tmp_path / "names.txt"
    lex.write_text(f"Kokoro\t/{KOKORO}/\nunused\tnot used\n", "utf-8")
    say = kokoro("say", "Kokoro.", "-o", "a.wav", "--lexicon", str(lex), cwd=tmp_path)
    assert say.returncode == 0, say.stderr
    assert sf.info(tmp_path / "a.wav").duration > 0.3
    # Only "unused" is reported, so "Kokoro" was matched on the way to the model.
    assert "warning: lexicon entries that matched nothing: unused (" in say.stderr
    assert "Kokoro (" not in say.stderr
    (tmp_path / "in.txt").write_text("Kokoro.", "utf-8")
    batch = kokoro("batch", "in.txt", "-o", "out", "--lexicon", str(lex), cwd=tmp_path)
    assert batch.returncode == 0, batch.stderr
    assert "matched nothing: unused (" in batch.stderr and "Kokoro (" not in batch.stderr
