"""Numbers as words in every language we normalize (num2words): cardinals, ordinals, years,
decimals, digit strings and fractions. The English and Romance normalizers both build on these."""

from __future__ import annotations

import re

from num2words import num2words

# num2words language names for our codes; Hindi is absent from num2words, espeak reads its digits.
NUM2WORDS_LANG = {
    "en-us": "en",
    "en-gb": "en",
    "es": "es",
    "fr-fr": "fr",
    "it": "it",
    "pt-br": "pt_BR",
}

MAX_DIGITS = 15  # beyond this nobody says the number; digits are read one by one instead

ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_ROMAN_VALUE = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman(text: str) -> int:
    """The value of a Roman numeral that ROMAN matches whole ("XIV" -> 14)."""
    total = 0
    for a, b in zip(text, text[1:] + " ", strict=True):
        v = _ROMAN_VALUE[a]
        total += -v if b != " " and _ROMAN_VALUE[b] > v else v
    return total


def _clean(words: str, lang: str) -> str:
    # num2words writes "one thousand, two hundred and fifty": the comma would become a pause, and
    # American English says no "and" inside numbers.
    words = words.replace(",", "")
    if lang == "en-us":
        words = re.sub(r"\band\b ", "", words)
    return words


def digits(text: str, lang: str) -> str:
    """Each digit of `text` as a word: "007" -> "zero zero seven"."""
    code = NUM2WORDS_LANG[lang]
    return " ".join(num2words(int(d), lang=code) for d in text if d.isdigit())


def cardinal(text: str, lang: str) -> str:
    """An integer written with optional grouping commas, as words."""
    raw = text.replace(",", "")
    if len(raw.lstrip("0")) > MAX_DIGITS or (len(raw) > 1 and raw.startswith("0")):
        return digits(raw, lang)
    return _clean(num2words(int(raw), lang=NUM2WORDS_LANG[lang]), lang)


POINT = {"en-us": "point", "en-gb": "point", "es": "coma", "fr-fr": "virgule", "it": "virgola",
         "pt-br": "vírgula"}  # fmt: skip


def decimal(whole: str, frac: str, lang: str) -> str:
    """A decimal number: the integer part as a number, each fraction digit on its own.

    English reads ".25" as "point two five", as written; the other languages say the zero."""
    if not whole and lang.startswith("en"):
        return f"{POINT[lang]} {digits(frac, lang)}"
    return f"{cardinal(whole or '0', lang)} {POINT[lang]} {digits(frac, lang)}"


def number(text: str, lang: str) -> str:
    """A number as English writes it ("1,250", "3.14", ".5") in words."""
    whole, _, frac = text.partition(".")
    return decimal(whole, frac, lang) if frac else cardinal(whole, lang)


def ordinal(n: int, lang: str, feminine: bool = False) -> str:
    """5 -> "fifth"; `feminine` for Spanish, Italian, Portuguese and French ("primera", "première")."""
    words = _clean(num2words(n, lang=NUM2WORDS_LANG[lang], to="ordinal"), lang)
    if feminine and lang in ("es", "it", "pt-br"):
        return re.sub(r"o\b", "a", words)  # "vigésimo primero" -> "vigésima primera"
    if feminine and lang == "fr-fr":
        return re.sub(r"\bpremier$", "première", words)
    return words


def pairs(text: str, lang: str) -> str:
    """A number said in pairs of digits, as house numbers, routes and model numbers are: 1211 ->
    "twelve eleven", 708 -> "seven oh eight", 1600 -> "sixteen hundred" (English; others count)."""
    if not lang.startswith("en") or len(text) < 3 or text[0] == "0" or len(text) > 4:
        return cardinal(text, lang) if len(text) < 5 else digits(text, lang)
    head, tail = text[:-2], text[-2:]
    if tail == "00":
        return cardinal(text, lang) if head.endswith("0") else f"{cardinal(head, lang)} hundred"
    said = f"oh {cardinal(tail[1], lang)}" if tail[0] == "0" else cardinal(tail, lang)
    return f"{cardinal(head, lang)} {said}"


def year(n: int, lang: str) -> str:
    """1987 -> "nineteen eighty-seven", 2005 -> "two thousand five", 1900 -> "nineteen hundred"."""
    return _clean(num2words(n, lang="en", to="year"), lang)


def plural_decade(words: str) -> str:
    """ "nineteen ninety" -> "nineteen nineties", "nineteen hundred" -> "nineteen hundreds"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + "s"


FRACTIONS = {2: ("half", "halves"), 3: ("third", "thirds"), 4: ("quarter", "quarters")}


def fraction(num: int, den: int, lang: str) -> str:
    """3/4 -> "three quarters", 5/16 -> "five sixteenths"; large denominators "x over y"."""
    if den in FRACTIONS:
        one, many = FRACTIONS[den]
        return f"{cardinal(str(num), lang)} {one if num == 1 else many}"
    if 5 <= den <= 100 or den == 1000:
        word = ordinal(den, lang)
        return f"{cardinal(str(num), lang)} {word if num == 1 else word + 's'}"
    return f"{cardinal(str(num), lang)} over {cardinal(str(den), lang)}"
