"""Text normalization: clean Unicode, then a per-language hook that writes numbers etc. as words.

English has the full rule set (normalize_en). The other espeak languages get numbers, decimals
and percentages spelled by num2words in their own language (espeak reads leftovers itself).
A new language plugs in with one more case in normalizer().
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from num2words import num2words

# Characters with no sound that confuse espeak or the splitter: C0/C1 controls (tabs and
# newlines become spaces before this), zero-width and bidi marks, the BOM, private-use code points.
_SILENT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ue000-\uf8ff"
    "\U000f0000-\U0010ffff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "„": "“", "‟": "“",
                             "―": "—", "−": "-"})  # fmt: skip


# Compatibility characters espeak spells out or skips: ligatures ("ﬁne" -> "symbol fb01"),
# full-width forms, and vulgar fractions (⅛ has no reading; ½ is English in every voice).
_COMPAT = re.compile("[\ufb00-\ufb06\uff01-\uff5e\u2150-\u215e\u00bc-\u00be]")


def _compat(m: re.Match[str]) -> str:
    plain = unicodedata.normalize("NFKC", m[0]).replace("\u2044", "/")
    before = m.string[m.start() - 1 : m.start()]
    fraction = "/" in plain  # 7⅛ -> "7 1/8", not "71/8"
    return " " + plain if fraction and before.isdigit() else plain


def clean(text: str) -> str:
    """Language-independent cleanup: NFC, typographic quotes, invisible characters, spaces."""
    text = _COMPAT.sub(_compat, unicodedata.normalize("NFC", text))
    text = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = _SILENT.sub("", text).translate(_TYPOGRAPHY)
    text = re.sub(r"\s+—\s+|\s+-\s+|\s*--+\s*", " — ", text)  # spaced dashes are pauses
    text = re.sub(r"(?<!\d)–|–(?!\d)", "—", text)  # an en dash between digits is a range
    text = text.replace("...", "…")
    return _SPACES.sub(" ", text).strip()


# --- numbers (num2words), shared by every language --------------------------------------------

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


def decimal(whole: str, frac: str, lang: str) -> str:
    """A decimal number: the integer part as a number, each fraction digit on its own."""
    point = {"en-us": "point", "en-gb": "point", "es": "coma", "fr-fr": "virgule", "it": "virgola"}
    sep = point.get(lang, "vírgula")
    return f"{cardinal(whole or '0', lang)} {sep} {digits(frac, lang)}"


def number(text: str, lang: str) -> str:
    """A number as English writes it ("1,250", "3.14", ".5") in words."""
    whole, _, frac = text.partition(".")
    return decimal(whole, frac, lang) if frac else cardinal(whole, lang)


def ordinal(n: int, lang: str) -> str:
    """5 -> "fifth"."""
    return _clean(num2words(n, lang=NUM2WORDS_LANG[lang], to="ordinal"), lang)


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
    """3/4 -> "three quarters"; unusual denominators read as "x over y"."""
    if den in FRACTIONS:
        one, many = FRACTIONS[den]
        return f"{cardinal(str(num), lang)} {one if num == 1 else many}"
    if 5 <= den <= 10:
        word = ordinal(den, lang)
        return f"{cardinal(str(num), lang)} {word if num == 1 else word + 's'}"
    return f"{cardinal(str(num), lang)} over {cardinal(str(den), lang)}"


# --- per-language hooks ----------------------------------------------------------------------

# Romance languages write 1.250,5; Brazilian Portuguese, Spanish, French and Italian share it.
_EU_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.\u202f ]\d{3})+|\d+)(?:,(\d+))?(?![\w]|[.,]\d)")
_PERCENT = {"es": "por ciento", "fr-fr": "pour cent", "it": "per cento", "pt-br": "por cento"}
# Currency: (singular, plural) per symbol, and the word joining units and cents.
_MONEY = {
    "es": ({"€": ("euro", "euros"), "$": ("dólar", "dólares"), "£": ("libra", "libras")}, "con"),
    "fr-fr": ({"€": ("euro", "euros"), "$": ("dollar", "dollars"), "£": ("livre", "livres")}, ""),
    "it": ({"€": ("euro", "euro"), "$": ("dollaro", "dollari"), "£": ("sterlina", "sterline")}, "e"),
    "pt-br": (
        {"€": ("euro", "euros"), "$": ("dólar", "dólares"), "£": ("libra", "libras"),
         "R$": ("real", "reais")},
        "e",
    ),
}  # fmt: skip
# Metric units espeak would spell letter by letter ("km" -> "ka eme").
_UNITS = {
    "es": {"km": "kilómetro", "kg": "kilogramo", "cm": "centímetro", "mm": "milímetro",
           "km/h": "kilómetro por hora"},
    "fr-fr": {"km": "kilomètre", "kg": "kilogramme", "cm": "centimètre", "mm": "millimètre",
              "km/h": "kilomètre par heure"},
    "it": {"km": "chilometro", "kg": "chilogrammo", "cm": "centimetro", "mm": "millimetro",
           "km/h": "chilometro orario"},
    "pt-br": {"km": "quilômetro", "kg": "quilograma", "cm": "centímetro", "mm": "milímetro",
              "km/h": "quilômetro por hora"},
}  # fmt: skip
_EU_AMOUNT = r"(\d{1,3}(?:[.\u202f ]\d{3})+|\d+)(?:,(\d+))?"
_ITALIAN_PLURAL = {"chilometro": "chilometri", "chilogrammo": "chilogrammi",
                   "centimetro": "centimetri", "millimetro": "millimetri",
                   "chilometro orario": "chilometri orari"}  # fmt: skip


def _one(words: str, lang: str) -> str:
    # Before a noun Spanish and Italian say "un", not the counting form "uno".
    return re.sub(r"\buno$", "un", words) if lang in ("es", "it") else words


def _romance(lang: str) -> Callable[[str], str]:
    symbols, conj = _MONEY[lang]
    sym = "|".join(re.escape(k) for k in sorted(symbols, key=len, reverse=True))
    money = re.compile(rf"(?:({sym})\s?{_EU_AMOUNT}|{_EU_AMOUNT}\s?({sym}))(?![\w$€£])")
    units = "|".join(re.escape(u) for u in sorted(_UNITS[lang], key=len, reverse=True))
    unit_re = re.compile(rf"(?<![\w.,]){_EU_AMOUNT}\s?({units})(?![\w/])")

    def amount(whole: str, frac: str | None) -> str:
        whole = re.sub(r"[.\u202f ]", "", whole)
        return decimal(whole, frac, lang) if frac else cardinal(whole, lang)

    def say_money(m: re.Match[str]) -> str:
        symbol, whole, cents = (m[1], m[2], m[3]) if m[1] else (m[6], m[4], m[5])
        one, many = symbols[symbol]
        number = re.sub(r"[.\u202f ]", "", whole)
        said = f"{_one(cardinal(number, lang), lang)} {one if number == '1' else many}"
        if cents and len(cents) == 2 and int(cents):
            return f"{said} {conj} {cardinal(cents.lstrip('0'), lang)}".replace("  ", " ")
        return said if not cents or not int(cents) else f"{amount(whole, cents)} {many}"

    def say_unit(m: re.Match[str]) -> str:
        unit = _UNITS[lang][m[3]]
        if m[1] == "1" and not m[2]:
            return f"{_one(cardinal('1', lang), lang)} {unit}"
        head, _, rest = unit.partition(" ")
        plural = _ITALIAN_PLURAL.get(unit) if lang == "it" else f"{head}s {rest}".strip()
        return f"{amount(m[1], m[2])} {plural}"

    tokens = _romance_tokens(lang)

    def normalize(text: str) -> str:
        for pattern, rule in tokens:
            text = pattern.sub(rule, text)
        text = money.sub(say_money, text)
        text = unit_re.sub(say_unit, text)
        text = re.sub(r"(\d)\s?%", rf"\1 {_PERCENT[lang]}", text)
        return _EU_NUM.sub(lambda m: amount(m[1], m[2]), text)

    return normalize


# Words for the technical tokens (versions, addresses, ratios, durations) of issue 12.
_TOKEN_WORDS = {
    "es": ("punto", "versión", "a", ("una hora", "horas", "un minuto", "minutos", "un segundo",
                                     "segundos"), "y"),
    "fr-fr": ("point", "version", "contre", ("une heure", "heures", "une minute", "minutes",
                                             "une seconde", "secondes"), "et"),
    "it": ("punto", "versione", "a", ("un'ora", "ore", "un minuto", "minuti", "un secondo",
                                      "secondi"), "e"),
    "pt-br": ("ponto", "versão", "para", ("uma hora", "horas", "um minuto", "minutos",
                                          "um segundo", "segundos"), "e"),
}  # fmt: skip
# Clock times H:MM: the hour "one" (feminine: la una, une heure), the word between hours and
# minutes, and what a full hour ends with ("las diez en punto").
_CLOCK = {
    "es": ("una", "y", "en punto"),
    "fr-fr": ("une", "", ""),
    "it": ("una", "e", "in punto"),
    "pt-br": ("uma", "e", "em ponto"),
}
_NOT_AFTER = r"(?<![\w.,:])"
_NOT_BEFORE = r"(?![\w:]|[.,]\d)"


def _romance_tokens(lang: str) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    """IP addresses, versions and dotted numbers, durations, ratios and phone numbers."""
    point, version, to, units, conj = _TOKEN_WORDS[lang]

    def part(p: str) -> str:
        return cardinal(p, lang) if p == "0" or p[0] != "0" else digits(p, lang)

    def dotted(text: str) -> str:
        return f" {point} ".join(part(p) for p in text.split("."))

    def ip(m: re.Match[str]) -> str:
        if any(int(p) > 255 for p in m[0].split(".")):
            return dotted(m[0])
        return f" {point} ".join(digits(p, lang) for p in m[0].split("."))

    def duration(m: re.Match[str]) -> str:
        said = []
        for k, n in enumerate(int(g) for g in m.groups()):
            if n:
                said.append(
                    units[2 * k] if n == 1 else f"{cardinal(str(n), lang)} {units[2 * k + 1]}"
                )
        if not said:
            return f"{cardinal('0', lang)} {units[5]}"
        return said[0] if len(said) == 1 else f"{' '.join(said[:-1])} {conj} {said[-1]}"

    def clock(m: re.Match[str]) -> str:
        hours, minutes = int(m[1]), int(m[2])
        if hours > 24 or minutes > 59:
            return f"{cardinal(str(hours), lang)} {cardinal(str(minutes), lang)}"
        one, joiner, sharp = _CLOCK[lang]
        said = one if hours == 1 else cardinal(str(hours), lang)
        if lang == "fr-fr":  # 10:05 is "dix heures cinq", 1:00 "une heure"
            said += " heure" if hours == 1 else " heures"
        if not minutes:
            return f"{said} {sharp}".strip()
        return f"{said} {joiner} {cardinal(str(minutes), lang)}".replace("  ", " ")

    return [
        (re.compile(rf"{_NOT_AFTER}(?:\d{{1,3}}\.){{3}}\d{{1,3}}{_NOT_BEFORE}"), ip),
        (
            re.compile(rf"(?<![\w.])[vV](\d+(?:\.\d+)*){_NOT_BEFORE}"),
            lambda m: f"{version} {dotted(m[1])}",
        ),
        # two dots or more, but not 1.234.567 (a thousands grouping in these languages)
        (
            re.compile(
                rf"{_NOT_AFTER}(?!\d{{1,3}}(?:\.\d{{3}})+(?!\.?\d))\d+(?:\.\d+){{2,}}"
                rf"{_NOT_BEFORE}"
            ),
            lambda m: dotted(m[0]),
        ),  # fmt: skip
        (re.compile(rf"{_NOT_AFTER}(\d{{1,2}}):(\d{{2}}):(\d{{2}}){_NOT_BEFORE}"), duration),
        (re.compile(rf"{_NOT_AFTER}(\d{{1,2}}):(\d{{2}}){_NOT_BEFORE}"), clock),
        (
            re.compile(rf"{_NOT_AFTER}(\d+):(\d+){_NOT_BEFORE}"),
            lambda m: f"{cardinal(m[1], lang)} {to} {cardinal(m[2], lang)}",
        ),
        (
            re.compile(r"(?<![\w.,/–-])(\d{3})-(\d{4})(?![\w/–-]|[.,]\d)"),
            lambda m: f"{digits(m[1], lang)}, {digits(m[2], lang)}",
        ),
    ]


@cache
def normalizer(lang: str) -> Callable[[str], str]:
    """The normalization function for a language code (identity after cleanup if none)."""
    if lang in ("en-us", "en-gb"):
        from kokoro_cli.text.normalize_en import English  # it builds on the helpers above

        return English(lang)
    if lang in _PERCENT:
        return _romance(lang)
    return lambda text: text  # Hindi: espeak reads Devanagari and digits natively


def normalize(text: str, lang: str) -> str:
    """Clean `text` and write what it abbreviates or numbers in words, for `lang`."""
    text = normalizer(lang)(clean(text))
    return _SPACES.sub(" ", text).strip()
