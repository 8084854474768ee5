"""IPA and X-SAMPA as people write them, in Kokoro's phoneme symbols (text/ipa.py)."""

from __future__ import annotations

import pytest

from kokoro_cli import text as front_end
from kokoro_cli.text.g2p import invalid_symbols
from kokoro_cli.text.ipa import to_kokoro, xsampa_to_ipa


@pytest.mark.parametrize(
    ("ipa", "lang", "expected"),
    [
        # diphthongs as single letters, stress moved from the syllable to its vowel
        ("ˈkoʊkəɹoʊ", "en-us", "kˈOkəɹO"),
        ("həˈloʊ", "en-us", "həlˈO"),
        ("/səˈpʌlvɪdə/", "en-us", "səpˈʌlvɪdə"),  # slashes around it are not sounds
        ("ˈkəʊkərəʊ", "en-gb", "kˈQkəɹQ"),  # British GOAT, r as Kokoro's ɹ
        ("hɚˈmaɪəni", "en-us", "həɹmˈIəni"),
        ("ˈbɝd", "en-us", "bˈɜɹd"),
        ("tʃiːz", "en-us", "ʧiz"),  # affricate as one letter; US drops length
        ("d͡ʒɑn", "en-us", "ʤɑn"),  # a tie bar says the same
        ("ˈnʌt.ʃɛl", "en-us", "nˈʌtʃɛl"),  # a syllable break keeps t and ʃ apart
        ("ˈwɔːtə", "en-gb", "wˈɔːtə"),  # British keeps length
        ("'gɪv", "en-us", "ɡˈɪv"),  # ASCII apostrophe and g
        ("ˈpit.tsa", "it", "pˈitʦa"),  # Italian: ts is one affricate too
    ],
)
def test_ipa_becomes_kokoro_phonemes(ipa: str, lang: str, expected: str) -> None:
    phonemes, dropped = to_kokoro(ipa, lang)
    assert (phonemes, dropped) == (expected, [])
    assert not invalid_symbols(phonemes)


def test_ipa_matches_what_espeak_gives_kokoro() -> None:
    # The same words through our espeak front end: hand-written IPA must land on the same
    # symbols, or the voice would hear something it was never trained on.
    for word, ipa in [("cheese", "ˈtʃiːz"), ("bird", "ˈbɝd"), ("hello", "həˈloʊ")]:
        assert to_kokoro(ipa, "en-us")[0] == front_end.phonemize(word, "en-us")


def test_unknown_symbols_are_dropped_and_named() -> None:
    assert to_kokoro("ʕaˈli", "en-us") == ("alˈi", ["ʕ"])
    assert to_kokoro("ǃǃ", "en-us") == ("", ["ǃ"])


def test_xsampa() -> None:
    assert xsampa_to_ipa('"koU.k@.roU') == "ˈkoʊ.kə.roʊ"
    assert to_kokoro('"koU.k@.roU', "en-us", "x-sampa") == ("kˈOkəɹO", [])
    assert to_kokoro('h@"l@U', "en-gb", "x-sampa") == ("həlˈQ", [])
    assert to_kokoro("tS{t", "en-us", "x-sampa") == ("ʧæt", [])
