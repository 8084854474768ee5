"""Golden tests for text normalization (numbers, money, times, dates, units, abbreviations)."""

from __future__ import annotations

import pytest

from kokoro_cli.text.normalize import clean, normalize

US = {
    # cardinals, decimals, negatives, leading zeros, huge numbers
    "I have 1,250 apples.": "I have one thousand two hundred fifty apples.",
    "Pi is 3.14.": "Pi is three point one four.",
    "1.5 million people": "one point five million people",
    "It was -5 outside.": "It was minus five outside.",
    "Agent 007 here.": "Agent zero zero seven here.",
    "12345678901234567890": (
        "one two three four five six seven eight nine zero one two three four five six seven"
        " eight nine zero"
    ),
    # ordinals, years, decades
    "the 5th and 21st": "the fifth and twenty-first",
    "It was 1987.": "It was nineteen eighty-seven.",
    "In 2024 we had 2024 items.": "In twenty twenty-four we had two thousand twenty-four items.",
    "in 2005": "in two thousand five",
    "the 1990s and the '80s": "the nineteen nineties and the eighties",
    "the 2018 World Cup": "the twenty eighteen World Cup",
    "the year 1066": "the year ten sixty-six",
    "rose by 1.2M in 2021.": "rose by one point two million in twenty twenty-one.",
    "Call 1-800-555-1234": "Call one, eight zero zero, five five five, one two three four",
    "pp. 100–150": "pages one hundred to one hundred fifty",
    "the 1900s": "the nineteen hundreds",
    # money
    "$1,250.50": "one thousand two hundred fifty dollars and fifty cents",
    "$1 or $0.99": "one dollar or ninety-nine cents",
    "£5.01": "five pounds and one penny",
    "€3.20": "three euros and twenty cents",
    "$1.5 million": "one point five million dollars",
    "$5m": "five million dollars",
    # percent, times
    "50% or 2.5 %": "fifty percent or two point five percent",
    "at 10:30 a.m. today": "at ten thirty AM today",
    "at 9 p.m.": "at nine PM.",
    "at 10:00": "at ten o'clock",
    "the 3:05 train": "the three oh five train",
    "Call at 5 pm": "Call at five PM",
    # dates
    "on Jan. 3, 2024": "on January third, twenty twenty-four",
    "on 2024-01-03": "on January third, twenty twenty-four",
    "on 01/03/2024": "on January third, twenty twenty-four",
    "on 3 March 2023": "on the third of March, twenty twenty-three",
    # ranges, fractions, units
    "ages 40-45": "ages forty to forty-five",
    "from 1990–1995.": "from nineteen ninety to nineteen ninety-five.",
    "3/4 cup": "three quarters cup",
    "5 kg and 1 km": "five kilograms and one kilometer",
    "72°F and 20 °C": "seventy-two degrees Fahrenheit and twenty degrees Celsius",
    "10 km/h or 3 ft": "ten kilometers per hour or three feet",
    # abbreviations
    "Dr. Smith lives on Elm Dr.": "Doctor Smith lives on Elm Drive.",
    "St. Louis is on Main St. now": "Saint Louis is on Main Street now",
    "I live on Baker St.": "I live on Baker Street.",
    "Mr. and Mrs. Jones, Prof. X": "Mister and Missus Jones, Professor X",
    "apples vs. pears, e.g. these, etc.": "apples versus pears, for example these, et cetera.",
    "No. 5": "number five",
    # acronyms (espeak reads NASA/FBI itself), URLs, emails, symbols
    "The U.S. and NASA": "The U S and NASA",
    "the U.S.A.": "the U S eigh.",
    "Visit https://www.example.com/path now": ("Visit W W W dot example dot com slash path now"),
    "mail john.doe@example.org": "mail john dot doe at example dot org",
    "Tom & Jerry @ home": "Tom and Jerry at home",
    "2+2=4": "two plus two equals four",
    "and/or #1": "and or number one",
}


@pytest.mark.parametrize("text", sorted(US))
def test_english_us(text: str) -> None:
    assert normalize(text, "en-us") == US[text]


def test_british_english_keeps_and_and_reads_day_month() -> None:
    assert normalize("1,250 and 2005", "en-gb") == (
        "one thousand two hundred and fifty and two thousand and five"
    )
    assert normalize("on 01/03/2024", "en-gb") == "on March first, twenty twenty-four"


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "es",
            "Tengo 1.250,5 euros y 50%.",
            "Tengo mil doscientos cincuenta coma cinco euros y cincuenta por ciento.",
        ),  # fmt: skip
        ("fr-fr", "Il a 25 ans et 3,5 %.", "Il a vingt-cinq ans et trois virgule cinq pour cent."),
        ("it", "Ho 1.000 euro.", "Ho mille euro."),
        ("pt-br", "Eu tenho 2.500 reais.", "Eu tenho dois mil e quinhentos reais."),
        (
            "es",
            "Cuesta €1 o 3,50 € y 1 km.",
            "Cuesta un euro o tres euros con cincuenta y un kilómetro.",
        ),
        (
            "fr-fr",
            "Ça coûte 20 $ et 2,5 kg.",
            "Ça coûte vingt dollars et deux virgule cinq kilogrammes.",
        ),
        ("it", "Costa 5 € a 100 km/h.", "Costa cinque euro a cento chilometri orari."),
        ("pt-br", "Custa R$ 10,05.", "Custa dez reais e cinco."),
        ("hi", "मेरे पास 5 किताबें हैं।", "मेरे पास 5 किताबें हैं।"),  # espeak reads Hindi digits
    ],
)
def test_other_languages_numbers(lang: str, text: str, expected: str) -> None:
    assert normalize(text, lang) == expected


def test_clean_removes_only_invisible_characters() -> None:
    text = "a\x07b\u200bc\u202ed\ufeffe\U000f0001f\tg\nh  i"
    assert clean(text) == "abcdef g h i"
    # Visible characters of every script survive.
    assert clean("שלום 😀 中文 é") == "שלום 😀 中文 é"


def test_clean_typography() -> None:
    assert clean("It’s “quoted”... yes - no -- maybe") == "It's “quoted”… yes — no — maybe"


def test_unrecognized_patterns_pass_through() -> None:
    # Things no rule fully recognizes are left for espeak instead of being garbled.
    assert normalize("the XYZ-ish ~ thing", "en-us") == "the XYZ-ish about thing"
    assert normalize("at 25:99 exactly", "en-us").startswith("at ")


def test_clean_compatibility_characters() -> None:
    # espeak spells ligatures and full-width letters out as symbol names, and has no word for ⅛.
    assert clean("ﬁne ﬂow ＡＢＣ１２３！") == "fine flow ABC123!"
    assert clean("7⅛ and ⅔") == "7 1/8 and 2/3"
    assert normalize("7⅛ inches", "en-us") == "seven and one eighth inches"
    assert normalize("½ cup", "en-us") == "one half cup"
