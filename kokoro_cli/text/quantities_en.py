"""English units and ranges as a careful reader says them (issues 12 and 26); money is in money_en.

Units simple, compound and per ("12kg/kg", "3 cc/s", "12/kg", "km³", "45º"); feet and inches
(5'10", "5 ft 10 in"); mixed numbers before units ("4 1/2 lbs"); and ranges written with a dash,
read with "to" and the unit, currency or am/pm said once, where the writer put it ("9am-5pm",
"$250-300", "1960s-80s", "1960-80", "1980-1970 kg").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text import numbers as nums
from kokoro_cli.text.money_en import (
    CURRENCY_SIGN,
    NUM,
    NUM_CORE,
    PER_ALT,
    PREFIX_ALT,
    SCALE_AFTER,
    SCALE_ALT,
    SYMBOLS,
    amount,
    per_word,
)

Rule = Callable[[re.Match[str]], str]

# Units after a number, their singular words; the plural adds "s" unless _PLURAL_IRREGULAR.
UNITS = {
    "km": "kilometer", "m": "meter", "cm": "centimeter", "mm": "millimeter", "kg": "kilogram",
    "g": "gram", "mg": "milligram", "lb": "pound", "lbs": "pound", "oz": "ounce", "ft": "foot",
    "mi": "mile", "mph": "mile per hour", "km/h": "kilometer per hour", "kph": "kilometer per hour",
    "h": "hour", "hr": "hour", "hrs": "hour", "min": "minute", "sec": "second", "ms": "millisecond",
    "l": "liter", "L": "liter", "ml": "milliliter", "mL": "milliliter", "KB": "kilobyte",
    "MB": "megabyte", "GB": "gigabyte", "TB": "terabyte", "Hz": "hertz", "kHz": "kilohertz",
    "MHz": "megahertz", "GHz": "gigahertz", "kW": "kilowatt",
    "kWh": "kilowatt-hour", "°F": "degree Fahrenheit", "°C": "degree Celsius", "°": "degree",
    "m²": "square meter", "km²": "square kilometer", "cm²": "square centimeter",
    "ft²": "square foot", "m³": "cubic meter", "cm³": "cubic centimeter", "W": "watt",
    "Mbps": "megabit per second", "Gbps": "gigabit per second", "kbps": "kilobit per second",
    "GiB": "gibibyte", "MiB": "mebibyte", "KiB": "kibibyte", "TiB": "tebibyte",
    "mAh": "milliamp-hour", "mA": "milliamp", "µm": "micrometer", "μm": "micrometer",
    "ns": "nanosecond", "µs": "microsecond", "μs": "microsecond", "mg/dL": "milligram per deciliter",
    # issue 26
    "km³": "cubic kilometer", "mm³": "cubic millimeter", "mm²": "square millimeter",
    "mi²": "square mile", "in²": "square inch", "ft³": "cubic foot", "m2": "square meter",
    "m3": "cubic meter", "km2": "square kilometer", "cm2": "square centimeter",
    "cm3": "cubic centimeter", "cc": "cubic centimeter", "º": "degree", "°K": "kelvin",
    "V": "volt", "mV": "millivolt", "kV": "kilovolt", "MW": "megawatt", "GW": "gigawatt",
    "MWh": "megawatt-hour", "GWh": "gigawatt-hour", "TWh": "terawatt-hour", "kJ": "kilojoule",
    "kcal": "kilocalorie", "dB": "decibel", "kPa": "kilopascal", "MPa": "megapascal",
    "hPa": "hectopascal", "nm": "nanometer", "µg": "microgram", "μg": "microgram",
    "mcg": "microgram", "ng": "nanogram", "dL": "deciliter", "cL": "centiliter",
    "Gb": "gigabit", "Mb": "megabit", "yd": "yard", "yds": "yard", "gal": "gallon",
    "qt": "quart", "tsp": "teaspoon", "tbsp": "tablespoon", "fl oz": "fluid ounce",
    "sq ft": "square foot", "sq mi": "square mile", "sq m": "square meter", "ha": "hectare",
    "m/s": "meter per second", "m/s²": "meter per second squared", "rpm": "revolution per minute",
    "bpm": "beat per minute", "fps": "frame per second", "px": "pixel", "Ω": "ohm",
    "kΩ": "kiloohm", "yr": "year", "yrs": "year", "mo": "month", "mos": "month", "wk": "week",
    "wks": "week", "mmHg": "millimeter of mercury", "TFLOPS": "teraflop",
}  # fmt: skip
# Other spellings of the same units, in any case writers use (12KG, 3 mbps).
UNIT_SPELLINGS = {
    "KG": "kg", "Kg": "kg", "KM": "km", "Km": "km", "CM": "cm", "LB": "lb", "LBS": "lbs",
    "Lbs": "lbs", "OZ": "oz", "FT": "ft", "MPH": "mph", "KPH": "kph", "KM/H": "km/h",
    "km/hr": "km/h", "kmh": "km/h", "mbps": "Mbps", "MBPS": "Mbps", "gbps": "Gbps",
    "GBPS": "Gbps", "Kbps": "kbps", "gb": "GB", "mb": "MB", "kb": "KB", "tb": "TB",
    "hz": "Hz", "khz": "kHz", "mhz": "MHz", "ghz": "GHz", "KHz": "kHz", "kw": "kW", "KW": "kW",
    "kwh": "kWh", "KWH": "kWh", "KWh": "kWh", "ML": "mL", "CC": "cc", "GAL": "gal", "MG": "mg",
    "HRS": "hrs", "HR": "hr", "MIN": "min", "Hrs": "hrs",
}  # fmt: skip
_PLURAL_IRREGULAR = {"foot": "feet", "hertz": "hertz", "kilohertz": "kilohertz",
                     "megahertz": "megahertz", "gigahertz": "gigahertz", "kelvin": "kelvin",
                     "inch": "inches", "ohm": "ohms"}  # fmt: skip
_UNIT_ALT = "|".join(re.escape(u) for u in sorted({*UNITS, *UNIT_SPELLINGS}, key=len)[::-1])
_UNIT_AFTER = re.compile(rf"\s?(?:%|[°º'\"′″]|(?:{_UNIT_ALT}|{SCALE_ALT})(?![\w]))")


# After "a 5 kg", these words do not make the measure an adjective ("a 5 kg of", "a 6 ft tall").
_NOT_NOUNS = {"of", "per", "and", "or", "to", "in", "on", "at", "from", "away", "long", "wide",
              "high", "tall", "deep", "old", "by", "than", "more", "less", "each"}  # fmt: skip


def _before_noun(m: re.Match[str]) -> bool:
    """ "a 27" monitor", "a 5 kg bag": after "a"/"an" and before a noun, a measure is an
    adjective and keeps its unit singular."""
    before = m.string[: m.start()].split()
    if not before or before[-1].lower() not in ("a", "an"):
        return False
    after = re.match(r"\s*([a-z]+)\b", m.string[m.end() :])
    return bool(after) and after[1] not in _NOT_NOUNS


def _side_kind(side: str) -> str:
    """What one end of a range is: money, time, decade, ordinal or number."""
    if CURRENCY_SIGN.match(side):
        return "money"
    if ":" in side or re.search(r"[aApP]\.?\s?[mM]\.?$", side):
        return "time"
    if side[-1] in "sS":
        return "decade"
    if side[-1].isalpha():
        return "ordinal"
    return "number"


_RANGE_SIDE = (
    rf"(?:(?:{PREFIX_ALT})?[{SYMBOLS}]\s?)?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?(?::\d{{2}})?"
    r"(?:[sS]\b|(?i:st|nd|rd|th)\b|\s?[aApP]\.?\s?[mM]\.?(?![\w]))?"
)


def unit_word(symbol: str) -> str:
    """ "kg" -> "kilogram" (any spelling of UNITS or UNIT_SPELLINGS)."""
    return UNITS[UNIT_SPELLINGS.get(symbol, symbol)]


def plural(unit: str) -> str:
    """ "foot" -> "feet", "degree Celsius" -> "degrees Celsius", "mile per hour" -> "miles per
    hour", "square meter" -> "square meters"."""
    head, _, rest = unit.partition(" ")
    if head in ("square", "cubic", "fluid"):
        return f"{head} {plural(rest)}"
    head = _PLURAL_IRREGULAR.get(head, head + "s")
    return f"{head} {rest}".strip()


def is_one(whole: str, frac: str | None) -> bool:
    return whole == "1" and not frac


class Quantities:
    """Unit and range rules for one English variant."""

    def __init__(self, lang: str, read: Callable[[str], str]) -> None:
        """`read` is the whole English normalizer: a range reads each of its ends with it."""
        self.lang = lang
        self.read = read
        self.ranges: list[tuple[re.Pattern[str], Rule]] = [
            (
                re.compile(
                    rf"(?<![\w.,/:–-])({_RANGE_SIDE})([-–]\s?|\s—\s)({_RANGE_SIDE})"
                    r"(?!\d|[-–/]\w|[.,:]\d)"
                ),
                self._range,
            ),
        ]
        # km³, m² on their own ("measured in km³"): no digit needed, so apart from the units
        self.powers: list[tuple[re.Pattern[str], Rule]] = [
            (
                re.compile(r"(?<![\w.,])(km|cm|mm|m|ft|mi|in|yd)([²³])(?![\w²³])"),
                lambda m: (
                    f"{'square' if m[2] == '²' else 'cubic'} "
                    + plural({"in": "inch"}.get(m[1]) or unit_word(m[1]))
                ),
            ),
        ]
        self.units: list[tuple[re.Pattern[str], Rule]] = [
            # 2x8 m2: "two by" here, so that the unit rule still sees "8 m2"
            (
                re.compile(
                    rf"(?<![\w.])(\d+)\s?[x×]\s?(?=\d+(?:\.\d+)?\s?(?:{_UNIT_ALT})(?![\w/]))"
                ),
                lambda m: f"{nums.cardinal(m[1], self.lang)} by ",
            ),
            # 40°26'46"N: degrees, minutes and seconds of arc
            (
                re.compile(
                    r"(?<![\w.,])(\d{1,3})°\s?(\d{1,2})['′]\s?(?:(\d{1,2}(?:\.\d+)?)[\"″]\s?)?"
                    r"([NSEW])?(?![\w])"
                ),
                self._arc,
            ),
            # 5'10", 5′10″, 5 ft 10 in, 6'2
            (
                re.compile(
                    r"(?<![\w.,'])(\d{1,2})\s?(?:['′]|(?i:ft\.?|feet|foot))\s?(\d{1,2}(?:\.\d+)?)"
                    r"\s?(?:[\"″]|''|(?i:in)(?![\w])|(?i:inch(?:es)?)\b|(?=[\s,.;!?)]|$))"
                ),
                self._feet_inches,
            ),
            (
                re.compile(NUM_CORE + r"\s?′"),
                lambda m: self.read_unit(m[1], m[2], "foot", before_noun=_before_noun(m)),
            ),
            (
                re.compile(NUM_CORE + r"\s?″"),
                lambda m: self.read_unit(m[1], m[2], "inch", before_noun=_before_noun(m)),
            ),
            (re.compile(NUM_CORE + r"\"(?=\s|$|[,.;!?)])"), self._inches),
            # 4 1/2 lbs, 3/4 mile
            (
                re.compile(
                    r"(?<![\w./])(?:(\d+)\s)?(\d{1,2})/(\d{1,2})\s?(" + _UNIT_ALT + r")(?![\w/])"
                ),
                self._fraction_unit,
            ),
            # 100 million kg
            (
                re.compile(
                    NUM_CORE + rf"\s(thousand|million|billion|trillion)\s?({_UNIT_ALT})(?![\w/])"
                ),
                lambda m: f"{amount(m[1], m[2], self.lang)} {m[3]} {plural(unit_word(m[4]))}",
            ),
            # 12/kg: a price or a count per unit
            (re.compile(NUM + rf"\s?/\s?({_UNIT_ALT})(?![\w/])"), self._per_unit),
            # 12kg/kg, 3 cc/s, 5 m/s²
            (
                re.compile(
                    NUM_CORE + rf"\s?({_UNIT_ALT})(?:\s?/\s?({PER_ALT}))?(?![\w/²³'’]|\.\w)"
                ),
                self._unit,
            ),
        ]

    # --- readers --------------------------------------------------------------------------------
    def read_unit(
        self, whole: str, frac: str | None, unit: str, per: str = "", before_noun: bool = False
    ) -> str:
        """ "12", None, "kilogram", "kilogram" -> "twelve kilograms per kilogram"; before_noun
        keeps the singular ("a 27-inch monitor", "a five kilogram bag")."""
        one = is_one(whole, frac) or before_noun
        said = f"{amount(whole, frac, self.lang)} {unit if one else plural(unit)}"
        return f"{said} per {per}" if per else said

    # --- rules ----------------------------------------------------------------------------------
    def _say(self, n: int) -> str:
        return nums.cardinal(str(n), self.lang)

    def _arc(self, m: re.Match[str]) -> str:
        said = self.read_unit(m[1], None, "degree") + " " + self.read_unit(m[2], None, "minute")
        if m[3]:
            whole, _, frac = m[3].partition(".")
            said += " " + self.read_unit(whole, frac or None, "second")
        compass = {"N": "North", "S": "South", "E": "East", "W": "West"}
        return said + (f" {compass[m[4]]}" if m[4] else "")

    def _feet_inches(self, m: re.Match[str]) -> str:
        if m[0].rstrip()[-1].isdigit() and "'" not in m[0] and "′" not in m[0]:
            return m[0]  # "5 ft 10" without inches is read by the unit rule
        whole, _, frac = m[2].partition(".")
        feet = self.read_unit(m[1], None, "foot")
        return f"{feet} {self.read_unit(whole, frac or None, 'inch')}"

    def _inches(self, m: re.Match[str]) -> str:
        # 27" monitor: an inch mark only when its quote is unpaired in the sentence
        if m.string.count('"') % 2 == 0:
            return m[0]
        return self.read_unit(m[1], m[2], "inch", before_noun=_before_noun(m))

    def _fraction_unit(self, m: re.Match[str]) -> str:
        whole, num, den = m[1], int(m[2]), int(m[3])
        unit = unit_word(m[4])
        if not 0 < num < den:
            return m[0]
        frac = nums.fraction(num, den, self.lang)
        if whole:
            return f"{nums.cardinal(whole, self.lang)} and {frac} {plural(unit)}"
        if num == 1:
            article = "an" if unit[0] in "aeiou" else "a"
            return f"{frac} of {article} {unit}"
        return f"{frac} of a {unit}"

    def _per_unit(self, m: re.Match[str]) -> str:
        return f"{amount(m[1], m[2], self.lang)} per {unit_word(m[3])}"

    def _unit(self, m: re.Match[str]) -> str:
        per = per_word(m[4]) if m[4] else ""
        return self.read_unit(m[1], m[2], unit_word(m[3]), per, _before_noun(m))

    def _range(self, m: re.Match[str]) -> str:
        a, sep, b = m[1], m[2], m[3]
        after = m.string[m.end() :]
        if re.match(r"\s?=", after):  # 1-2=5 is a sum
            return f"{a} minus {b}"
        kind_a, kind_b = _side_kind(a), _side_kind(b)
        kinds = {kind_a, kind_b}
        spaced = sep.strip() == "—"  # "170 — 45190": a pause the writer spaced, not a range
        if kinds <= {"money", "number"} and "money" in kinds:
            if spaced and kinds != {"money"}:
                return m[0]
            cur_a, cur_b = CURRENCY_SIGN.match(a), CURRENCY_SIGN.match(b)
            return self._money_range(a, b, cur_a, cur_b, after)
        if kinds <= {"time", "number"} and "time" in kinds:
            if spaced and kinds != {"time"}:
                return m[0]
            if kind_a == "number" and not (a.isdigit() and 0 < int(a) <= 24):
                return m[0]
            left = self.read(a).rstrip(".") if kind_a == "time" else nums.cardinal(a, self.lang)
            return f"{left} to {b}"
        if spaced or len(kinds) > 1:
            return m[0]
        if kinds == {"decade"}:  # 1960s-80s
            return f"{self.read(a)} to {chr(39) + b.lower() if len(b) == 3 else b}"
        if kinds == {"ordinal"}:  # 3rd-5th
            return f"{self.read(a)} to {b}"
        words = m.string[: m.start()].split()
        return self._number_range(a, b, after, words[-1].lower() if words else "")

    def _money_range(
        self, a: str, b: str, cur_a: re.Match[str] | None, cur_b: re.Match[str] | None, after: str
    ) -> str:
        scaled = re.match(SCALE_AFTER, after)
        if cur_a and not cur_b:  # $250-300: the currency is said once, at the end
            return f"{nums.number(a[cur_a.end() :].strip(), self.lang)} to {cur_a[0]}{b}"
        if not cur_a or scaled:  # $5-$10 million: the scale belongs to both
            return f"{nums.number(a[cur_a.end() if cur_a else 0 :].strip(), self.lang)} to {b}"
        return f"{self.read(a)} to {b}"

    def _number_range(self, a: str, b: str, after: str, before: str) -> str:
        unit = _UNIT_AFTER.match(after)
        ya, yb = a.replace(",", ""), b.replace(",", "")
        counted = before in ("pages", "page", "pp.", "pp", "lines", "line", "nos.", "numbers")
        if (
            not unit
            and not counted
            and "." not in ya + yb
            and len(ya) == 4
            and 1000 <= int(ya) < 2100
        ):
            if len(yb) == 4 and 1000 <= int(yb) < 2100:  # 1990-1995
                return f"{nums.year(int(ya), self.lang)} to {nums.year(int(yb), self.lang)}"
            if len(yb) == 2 and int(yb) > int(ya[2:]):  # 1960-80, 2008-09
                century = int(ya[:2]) * 100
                if int(yb) < 10 or 2000 <= int(ya) < 2010:
                    end = nums.year(century + int(yb), self.lang)
                else:
                    end = nums.cardinal(yb, self.lang)
                return f"{nums.year(int(ya), self.lang)} to {end}"
        left = nums.number(ya, self.lang)
        if not unit and len(yb) == 4:  # not "to 1240" read as a year by the year rule
            return f"{left} to {nums.number(yb, self.lang)}"
        return f"{left} to {b}"
