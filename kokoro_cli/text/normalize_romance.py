"""Spanish, French, Italian and Brazilian Portuguese: numbers written 1.250,5, money, metric
units, percentages, clock times, durations, versions and addresses, as words."""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text.numbers import cardinal, decimal, digits

# Romance languages write 1.250,5; Brazilian Portuguese, Spanish, French and Italian share it.
_EU_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.\u202f ]\d{3})+|\d+)(?:,(\d+))?(?![\w]|[.,]\d)")
PERCENT = {"es": "por ciento", "fr-fr": "pour cent", "it": "per cento", "pt-br": "por cento"}
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


LANGS = tuple(PERCENT)


def _one(words: str, lang: str) -> str:
    # Before a noun Spanish and Italian say "un", not the counting form "uno".
    return re.sub(r"\buno$", "un", words) if lang in ("es", "it") else words


def romance(lang: str) -> Callable[[str], str]:
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
        text = re.sub(r"(\d)\s?%", rf"\1 {PERCENT[lang]}", text)
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
