"""The say-as readers SSML calls (kokoro_cli/text/say_as.py): each kind in each language, and a
SayAsError for text that is not of the kind named."""

from __future__ import annotations

import pytest

from kokoro_cli.text import say_as as sa

CASES = [
    (sa.read_characters, "AB12-x", "en-us", "eigh B one two dash X"),
    (sa.read_characters, "ab", "es", "A B"),
    (sa.read_cardinal, "1,234", "en-us", "one thousand two hundred thirty-four"),
    (sa.read_cardinal, "1,234", "en-gb", "one thousand two hundred and thirty-four"),
    (sa.read_cardinal, "1.234,5", "es", "mil doscientos treinta y cuatro coma cinco"),
    (sa.read_cardinal, "-7", "fr-fr", "moins sept"),
    (sa.read_ordinal, "3", "en-us", "third"),
    (sa.read_ordinal, "21st", "en-us", "twenty-first"),
    (sa.read_ordinal, "2ª", "es", "segunda"),
    (sa.read_ordinal, "1re", "fr-fr", "première"),
    (sa.read_ordinal, "3", "pt-br", "terceiro"),
    (sa.read_digits, "0123", "it", "zero uno due tre"),
    (sa.read_digits, "555-0199", "en-us", "five five five, zero one nine nine"),
    (sa.read_fraction, "2 1/2", "en-us", "two and one half"),
    (sa.read_fraction, "5/8", "fr-fr", "cinq huitièmes"),
    (sa.read_fraction, "2 1/2", "es", "dos y medio"),
    (sa.read_unit, "12kg/kg", "en-us", "twelve kilograms per kilogram"),
    (sa.read_unit, "1 h", "es", "una hora"),
    (sa.read_time, "2:30 pm", "en-us", "two thirty PM"),
    (sa.read_time, "5pm EST", "en-us", "five PM E S T"),
    (sa.read_time, "14h30", "fr-fr", "quatorze heures trente"),
    (sa.read_time, "10:05", "es", "diez y cinco"),
    (sa.read_telephone, "+1 555-0199", "en-us", "plus one, five five five, zero one nine nine"),
    (sa.read_telephone, "01 23 45 67 89", "fr-fr",
     "zéro un, vingt-trois, quarante-cinq, soixante-sept, quatre-vingt-neuf"),
    (sa.read_currency, "$20.50", "en-us", "twenty dollars and fifty cents"),
    (sa.read_currency, "USD 20", "en-us", "twenty dollars"),
    (sa.read_currency, "AUD 20", "en-us", "twenty Australian dollars"),
    (sa.read_currency, "CHF 5", "en-gb", "five Swiss francs"),
    (sa.read_currency, "20,50 €", "es", "veinte euros con cincuenta"),
    (sa.read_currency, "R$ 10", "pt-br", "dez reais"),
    (sa.read_currency, "£1", "it", "una sterlina"),
]  # fmt: skip


@pytest.mark.parametrize(("reader", "text", "lang", "spoken"), CASES)
def test_readers(reader, text: str, lang: str, spoken: str) -> None:  # type: ignore[no-untyped-def]
    assert reader(text, lang) == spoken


@pytest.mark.parametrize(
    ("text", "lang", "fmt", "spoken"),
    [
        ("12/25/2020", "en-us", "mdy", "December twenty-fifth, twenty twenty"),
        ("25.12.2020", "en-us", "dmy", "the twenty-fifth of December, twenty twenty"),
        ("2020-12-25", "en-gb", "ymd", "the twenty-fifth of December, twenty twenty"),
        ("Dec 25", "en-us", "md", "December twenty-fifth"),
        ("2020/01", "en-us", "ym", "January twenty twenty"),
        ("1/5/05", "en-us", "mdy", "January fifth, two thousand five"),
        ("3", "en-us", "m", "March"),
        ("5", "en-us", "d", "the fifth"),
        ("25/12/2020", "es", "dmy", "veinticinco de diciembre de dos mil veinte"),
        ("1 mai 2020", "fr-fr", "dmy", "premier mai deux mille vingt"),
        ("2020-01", "it", "ym", "gennaio duemilaventi"),
        ("5 de março", "pt-br", "dm", "cinco de março"),
    ],
)
def test_dates(text: str, lang: str, fmt: str, spoken: str) -> None:
    assert sa.read_date_text(text, lang, fmt) == spoken


def test_read_date_takes_only_the_parts_the_format_names() -> None:
    assert sa.read_date(2020, 1, 5, "en-us", "ym") == "January twenty twenty"
    assert sa.parse_date("25 dic 2020", "dmy") == (2020, 12, 25)


@pytest.mark.parametrize(
    ("reader", "text", "lang"),
    [
        (sa.read_cardinal, "twelve", "en-us"),
        (sa.read_ordinal, "first", "es"),
        (sa.read_digits, "abc", "en-us"),
        (sa.read_fraction, "3/0", "en-us"),
        (sa.read_unit, "kg", "en-us"),
        (sa.read_time, "25:00", "en-us"),
        (sa.read_time, "5pm EST", "es"),
        (sa.read_telephone, "call me", "en-us"),
        (sa.read_currency, "XYZ 5", "en-us"),
        (sa.read_currency, "¥5", "fr-fr"),
        (sa.read_cardinal, "5", "hi"),
    ],
)
def test_text_of_another_kind_is_refused(reader, text: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sa.SayAsError):
        reader(text, lang)


def test_bad_dates_are_refused() -> None:
    for text, fmt in [("13/45/2020", "mdy"), ("2020", "mdy"), ("5 Foo 2020", "dmy")]:
        with pytest.raises(sa.SayAsError):
            sa.read_date_text(text, "en-us", fmt)
    with pytest.raises(sa.SayAsError):
        sa.read_date(2020, 1, 5, "en-us", "ydm")


def test_readings_are_plain_words_espeak_reads() -> None:
    """No digit or symbol is left for espeak to guess at."""
    for reader, text, lang, _ in CASES:
        said = reader(text, lang)
        assert not any(ch.isdigit() or ch in "$€£/%" for ch in said), (text, said)


def test_read_dispatches_on_interpret_as() -> None:
    """SSML's entry point: None for text of another kind, KeyError for an unknown kind,
    ValueError for a date format SSML does not define; other languages get written forms."""
    assert (
        sa.read("date", "12/31/2024", "en-us", "mdy") == "December thirty-first, twenty twenty-four"
    )
    assert sa.read("currency", "USD 45.50", "en-us") == "forty-five dollars and fifty cents"
    assert sa.read("spell-out", "R2-D2", "en-us") == "R two dash D two"
    assert sa.read("cardinal", "twelve", "en-us") is None
    assert sa.read("date", "2024-03-05", "ja", "ymd") == "2024年3月5日"
    assert sa.read("ordinal", "3", "zh") == "第3"
    with pytest.raises(KeyError):
        sa.read("address", "1 Main St", "en-us")
    with pytest.raises(ValueError, match="mdy, dmy"):
        sa.read("date", "1", "en-us", "qq")
