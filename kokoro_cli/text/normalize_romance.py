"""Spanish, French, Italian and Brazilian Portuguese: numbers written 1.250,5, money, metric
units, percentages, clock times, durations, versions and addresses, as words; dates, ordinals,
times with h and ranges come from readings_romance (issue 26)."""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text.numbers import cardinal, decimal, digits
from kokoro_cli.text.readings_romance import RomanceReadings, count, read_clock, read_unit
from kokoro_cli.text.rules import DIGIT, RuleList, apply, gated

Rule = Callable[[re.Match[str]], str]

# Romance languages write 1.250,5; Brazilian Portuguese, Spanish, French and Italian share it.
_EU_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.\u202f ]\d{3})+|\d+)(?:,(\d+))?(?![\w]|[.,]\d)")
PERCENT = {"es": "por ciento", "fr-fr": "pour cent", "it": "per cento", "pt-br": "por cento"}
# Currency: (singular, plural, feminine) per symbol, and the word joining units and cents.
_MONEY = {
    "es": ({"€": ("euro", "euros", False), "$": ("dólar", "dólares", False),
            "£": ("libra", "libras", True), "US$": ("dólar estadounidense",
            "dólares estadounidenses", False)}, "con"),
    "fr-fr": ({"€": ("euro", "euros", False), "$": ("dollar", "dollars", False),
               "£": ("livre", "livres", True), "US$": ("dollar américain", "dollars américains",
               False)}, ""),
    "it": ({"€": ("euro", "euro", False), "$": ("dollaro", "dollari", False),
            "£": ("sterlina", "sterline", True), "US$": ("dollaro statunitense",
            "dollari statunitensi", False)}, "e"),
    "pt-br": ({"€": ("euro", "euros", False), "$": ("dólar", "dólares", False),
               "£": ("libra", "libras", True), "R$": ("real", "reais", False),
               "US$": ("dólar americano", "dólares americanos", False)}, "e"),
}  # fmt: skip
# Scale words after an amount of money: "€5 millones" is "cinco millones de euros".
_SCALES = {
    "es": r"mil millones|millones|millón|billones|billón",
    "fr-fr": r"milliards?|millions?",
    "it": r"miliardi|miliardo|milioni|milione",
    "pt-br": r"bilhões|bilhão|milhões|milhão",
}
_OF = {"es": "de", "fr-fr": "de", "it": "di", "pt-br": "de"}
_PLUS = {"es": "más", "fr-fr": "plus", "it": "più", "pt-br": "mais"}
_EU_AMOUNT = r"(\d{1,3}(?:[.\u202f ]\d{3})+|\d+)(?:,(\d+))?"

LANGS = tuple(PERCENT)


class Romance:
    """The normalizer of one Romance language: its rules in order, then plain numbers."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.symbols, self.conj = _MONEY[lang]
        sym = "|".join(re.escape(k) for k in sorted(self.symbols, key=len, reverse=True))
        scale = _SCALES[lang]
        readings = RomanceReadings(lang, self)
        tokens = _romance_tokens(lang)
        units = readings.unit_pattern
        self.rules: RuleList = gated(None, readings.centuries) + gated(DIGIT, [
            *readings.rules,  # dates, ordinals
            *readings.times,  # 14h30, 10:30 p. m.
            *tokens[:3],  # IP addresses, versions, dotted numbers
            tokens[6],  # 555-0199
            # +34 600 123 456: plus, then each group as its own number
            (
                re.compile(r"(?<![\w+])\+(\d{1,3})((?:[ .-]\d{2,4}){2,5})(?![\w]|[.,]\d)"),
                self._international,
            ),
            *readings.ranges,
            *tokens[3:6],  # durations, clock times, ratios
            (
                re.compile(
                    rf"(?:(?<![\w$])({sym})\s?{_EU_AMOUNT}(?:\s({scale}))?|{_EU_AMOUNT}"
                    rf"\s?({sym}))(?![\w$€£])"
                ),
                self._money,
            ),
            (re.compile(rf"(?<![\w.,]){_EU_AMOUNT}\s?({units})(?![\w/²³'’])"), self._unit),
            (re.compile(r"(\d)\s?%"), lambda m: f"{m[1]} {PERCENT[lang]}"),
            *readings.counted,  # 21 años, 1 hora: the number agrees with its noun
            (_EU_NUM, lambda m: self.amount(m[1], m[2])),
        ])  # fmt: skip

    def __call__(self, text: str) -> str:
        return apply(self.rules, text)

    def amount(self, whole: str, frac: str | None) -> str:
        whole = re.sub(r"[.\u202f ]", "", whole)
        return decimal(whole, frac, self.lang) if frac else cardinal(whole, self.lang)

    def read_money(self, symbol: str, whole: str, cents: str | None, scale: str = "") -> str:
        """ "€", "3", "50" -> "tres euros con cincuenta"; scale "millones": "de euros"."""
        one_, many, feminine = self.symbols[symbol]
        number = re.sub(r"[.\u202f ]", "", whole)
        if scale:
            of = "d'" if self.lang == "fr-fr" and many[0] in "aeioué" else _OF[self.lang] + " "
            return f"{self.amount(whole, cents)} {scale} {of}{many}"
        said = f"{count(number, self.lang, feminine)} {one_ if number == '1' else many}"
        if cents and len(cents) == 2 and int(cents):
            return f"{said} {self.conj} {cardinal(cents.lstrip('0'), self.lang)}".replace("  ", " ")
        return said if not cents or not int(cents) else f"{self.amount(whole, cents)} {many}"

    def _money(self, m: re.Match[str]) -> str:
        if m[1]:
            return self.read_money(m[1], m[2], m[3], m[4] or "")
        return self.read_money(m[7], m[5], m[6])

    def _international(self, m: re.Match[str]) -> str:
        groups = [m[1], *re.split(r"[ .-]", m[2].strip(" .-"))]
        said = ", ".join(digits(g, self.lang) if g[0] == "0" else cardinal(g, self.lang)
                         for g in groups)  # fmt: skip
        return f"{_PLUS[self.lang]} {said}"

    def _unit(self, m: re.Match[str]) -> str:
        return read_unit(re.sub(r"[.\u202f ]", "", m[1]), m[2], m[3], self.lang)


def romance(lang: str) -> Callable[[str], str]:
    """The normalizer for a Romance language code."""
    return Romance(lang)


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
        return read_clock(hours, minutes, lang)

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
