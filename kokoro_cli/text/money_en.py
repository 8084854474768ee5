"""English money as a careful reader says it (issues 12 and 26).

Any currency sign or prefix (US$, A$, ₩, ₹), scales ("¥30b": thirty billion yen), cents from one
decimal ("$20.5": twenty dollars and fifty cents), sub-units ("₹20.50": twenty rupees and fifty
paise) and rates ("$20/mo": twenty dollars per month). quantities_en reads ranges of money with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text import numbers as nums

Rule = Callable[[re.Match[str]], str]

# (singular, plural, cent, cents); no cents: decimals are said as a decimal amount.
CURRENCY = {
    "$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"), "¥": ("yen", "yen", "", ""),
    "₩": ("won", "won", "", ""), "₹": ("rupee", "rupees", "paisa", "paise"),
    "₽": ("ruble", "rubles", "kopek", "kopeks"), "₺": ("lira", "lira", "", ""),
    "₪": ("shekel", "shekels", "", ""), "₿": ("bitcoin", "bitcoins", "", ""),
    "₫": ("dong", "dong", "", ""), "₱": ("peso", "pesos", "centavo", "centavos"),
    "฿": ("baht", "baht", "", ""), "₴": ("hryvnia", "hryvnias", "", ""),
    "₦": ("naira", "naira", "kobo", "kobo"),
}  # fmt: skip
# Letters before "$" that name whose dollar it is (US$76.3 trillion, A$5, R$ 10).
DOLLAR_PREFIX = {"US": "US dollar", "A": "Australian dollar", "AU": "Australian dollar",
                 "C": "Canadian dollar", "CA": "Canadian dollar", "NZ": "New Zealand dollar",
                 "HK": "Hong Kong dollar", "S": "Singapore dollar", "Mex": "Mexican peso",
                 "R": "real"}  # fmt: skip
_PLURALS = {"real": "reais"}
SCALES = {"k": "thousand", "K": "thousand", "m": "million", "M": "million", "mn": "million",
          "mm": "million", "b": "billion", "B": "billion", "bn": "billion", "t": "trillion",
          "T": "trillion", "tn": "trillion", "trn": "trillion", "thousand": "thousand",
          "million": "million", "billion": "billion", "trillion": "trillion"}  # fmt: skip
# What "per" is said before, after money or a unit: "$20/mo", "$0.5/hr", "12/kg".
PER = {"mo": "month", "mon": "month", "month": "month", "yr": "year", "year": "year",
       "y": "year", "wk": "week", "week": "week", "d": "day", "day": "day", "hr": "hour",
       "h": "hour", "hour": "hour", "min": "minute", "s": "second", "sec": "second",
       "night": "night", "person": "person", "head": "head", "user": "user", "seat": "seat",
       "share": "share", "unit": "unit", "item": "item", "piece": "piece", "pc": "piece",
       "sqft": "square foot", "m²": "square meter", "m2": "square meter", "s²": "second squared",
       "kWh": "kilowatt-hour", "GB": "gigabyte", "TB": "terabyte", "MB": "megabyte",
       "lb": "pound", "kg": "kilogram", "g": "gram", "oz": "ounce", "km": "kilometer",
       "mi": "mile", "m": "meter", "ft": "foot", "gal": "gallon", "l": "liter", "L": "liter",
       "ml": "milliliter", "mL": "milliliter", "cm": "centimeter", "cm³": "cubic centimeter",
       "m³": "cubic meter", "dL": "deciliter", "page": "page", "word": "word",
       "mile": "mile", "gallon": "gallon", "liter": "liter", "ton": "ton"}  # fmt: skip

NUM_CORE = r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
NUM = NUM_CORE + r"(?!\w|\.\d)"
SYMBOLS = "".join(CURRENCY)
PREFIX_ALT = "|".join(sorted(DOLLAR_PREFIX, key=len, reverse=True))
# "US $5" may have a space; "A $5 bill" is an article, so the short prefixes come attached.
MONEY_PREFIX = r"(?:(US(?=\s?\$)|(?:AU|CA|NZ|HK|Mex|A|C|S|R)(?=\$))\s?)?"
SCALE_ALT = r"thousand|million|billion|trillion|trn|bn|mn|mm|tn|[kKmMbBtT]"
# "¥30 b", "$5 M": a space is allowed before these; "$100 T-shirt" is no trillion.
SCALE_AFTER = (
    r"(?:\s?((?i:thousand|million|billion|trillion))\b|(?:(trn|bn|mn|mm|tn|[kKmMbBtT])"
    r"|\s(bn|mn|tn|[bBkKM]))\b(?![-'’]))"
)
PER_ALT = "(?i:" + "|".join(re.escape(u) for u in sorted(PER, key=len)[::-1]) + ")"
CURRENCY_SIGN = re.compile(rf"(?:({PREFIX_ALT})?([{SYMBOLS}]))")


def per_word(text: str) -> str:
    """ "mo" -> "month", "HR" -> "hour"; a word not in PER is said as written, lower case."""
    return PER.get(text) or PER.get(text.lower()) or text.lower()


def scale_word(text: str) -> str:
    """ "bn" -> "billion", "TRILLION" -> "trillion"."""
    return SCALES.get(text) or SCALES[text.lower()]


def amount(whole: str, frac: str | None, lang: str) -> str:
    return nums.number(whole + ("." + frac if frac else ""), lang)


class Money:
    """Money rules and the money reader for one English variant."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        money = (
            rf"(?<![\w$]){MONEY_PREFIX}([{SYMBOLS}])\s?(\d{{1,3}}(?:,\d{{3}})+|\d+)?"
            rf"(?:\.(\d+))?(?![\d,]\d){SCALE_AFTER}?(?:\s?/\s?({PER_ALT}|[a-zA-Z]{{3,}})\b)?"
        )
        self.rules: list[tuple[re.Pattern[str], Rule]] = [
            (re.compile(money), self._money),
            (re.compile(NUM + r"\s?¢"), lambda m: self.read_money("", "¢", m[1], m[2])),
        ]

    # --- readers --------------------------------------------------------------------------------
    def read_money(
        self,
        prefix: str,
        symbol: str,
        whole: str | None,
        frac: str | None,
        scale: str | None = None,
        per: str | None = None,
    ) -> str:
        """ "$", "20", "5" -> "twenty dollars and fifty cents"; with a scale, "¥30b" -> "thirty
        billion yen"; per "mo" adds "per month"."""
        if symbol == "¢":
            one, many, sub_one, sub_many = "cent", "cents", "", ""
        else:
            one, many, sub_one, sub_many = CURRENCY[symbol]
        if prefix:
            one = DOLLAR_PREFIX[prefix]
            many = _PLURALS.get(one, one + "s")
        whole = (whole or "").replace(",", "")
        frac = frac or ""
        rate = f" per {per_word(per)}" if per else ""
        if scale:
            return f"{amount(whole or '0', frac, self.lang)} {scale_word(scale)} {many}{rate}"
        if sub_one and frac and len(frac.rstrip("0")) <= 2:
            cents = int(frac.ljust(2, "0")[:2])
            if not cents:
                frac = ""
            else:
                sub = f"{self._say(cents)} {sub_one if cents == 1 else sub_many}"
                if not whole or whole == "0":
                    return sub + rate
                name = one if whole == "1" else many
                return f"{nums.cardinal(whole, self.lang)} {name} and {sub}{rate}"
        if frac.strip("0"):
            return f"{nums.decimal(whole, frac, self.lang)} {many}{rate}"
        name = one if whole == "1" else many
        return f"{nums.cardinal(whole or '0', self.lang)} {name}{rate}"

    # --- rules ----------------------------------------------------------------------------------
    def _say(self, n: int) -> str:
        return nums.cardinal(str(n), self.lang)

    def _money(self, m: re.Match[str]) -> str:
        prefix, symbol, whole, frac, word, short, spaced, per = m.groups()
        if not whole and not frac:
            return m[0]
        scale = word or short or spaced
        if prefix and symbol != "$":
            return f"{prefix} {self.read_money('', symbol, whole, frac, scale, per)}"
        return self.read_money(prefix or "", symbol, whole, frac, scale, per)
