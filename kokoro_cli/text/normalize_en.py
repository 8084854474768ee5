"""English text normalization: say numbers, money, times, dates, units and abbreviations in words.

Rules run in a fixed order on one sentence at a time; each rewrites only what it fully recognizes
and leaves the rest to the next rule (and finally to espeak, which reads leftovers sensibly).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text import numbers as nums
from kokoro_cli.text.readings_en import LETTER, MONTHS, Readings

Rule = Callable[[re.Match[str]], str]

_MONTH_RE = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
NUM_CORE = r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
NUM = NUM_CORE + r"(?!\w|\.\d)"  # 1,250.50 or 3.14 or 42
_END = r"(?=\s*$)"

CURRENCY = {"$": ("dollar", "cent", "cents"), "£": ("pound", "penny", "pence"),
            "€": ("euro", "cent", "cents"), "¥": ("yen", "sen", "sen")}  # fmt: skip
SCALES = {"k": "thousand", "K": "thousand", "m": "million", "M": "million", "bn": "billion",
          "B": "billion", "thousand": "thousand", "million": "million", "billion": "billion",
          "trillion": "trillion"}  # fmt: skip
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
}  # fmt: skip
_PLURAL_IRREGULAR = {"foot": "feet", "hertz": "hertz", "kilohertz": "kilohertz",
                     "megahertz": "megahertz", "gigahertz": "gigahertz"}  # fmt: skip
TITLES = {"Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Prof": "Professor",
          "Gen": "General", "Capt": "Captain", "Lt": "Lieutenant", "Sgt": "Sergeant",
          "Rev": "Reverend", "Gov": "Governor", "Sen": "Senator", "Rep": "Representative",
          "Pres": "President", "Mt": "Mount", "Ft": "Fort"}  # fmt: skip
ABBREVIATIONS = {"etc.": "et cetera", "vs.": "versus", "vs": "versus", "e.g.": "for example",
                 "i.e.": "that is", "approx.": "approximately", "Jr.": "Junior", "Sr.": "Senior",
                 "Ave.": "Avenue", "Blvd.": "Boulevard", "Rd.": "Road", "Inc.": "Incorporated",
                 "Ltd.": "Limited", "Corp.": "Corporation", "Dept.": "Department",
                 "Univ.": "University", "pp.": "pages", "a.m.": "AM", "p.m.": "PM"}  # fmt: skip
YEAR_CUES = {"in", "since", "by", "from", "until", "till", "of", "year", "early", "late", "mid",
             "circa", "around", "before", "after", "during", "between", "and", "to", "spring",
             "summer", "autumn", "fall", "winter", "through"}  # fmt: skip
YEAR_CUES |= {m.lower() for m in MONTHS}


def _month(name: str) -> str:
    return next(m for m in MONTHS if m.startswith(name.rstrip(".")[:3]))


def _plural(unit: str) -> str:
    head, _, rest = unit.partition(" ")
    if head in ("square", "cubic"):
        return f"{head} {_plural(rest)}"
    head = _PLURAL_IRREGULAR.get(head, head + "s")
    return f"{head} {rest}".strip()


def _amount(whole: str, frac: str | None, lang: str) -> str:
    return nums.number(whole + ("." + frac if frac else ""), lang)


def _is_one(whole: str, frac: str | None) -> bool:
    return whole == "1" and not frac


class English:
    """Normalizer for one English variant ("en-us" or "en-gb")."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        L = re.escape
        read = Readings(lang)
        self.rules: list[tuple[re.Pattern[str], Rule]] = [
            (re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)]"), self._url),
            (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), self._email),
            *read.early,
            # 6.8-7.0x, 3-4.5%: a range with a decimal end is "6.8 to 7.0x"; the later rules then
            # read each number with its unit (whole-number ranges keep their own rule, _range)
            (
                re.compile(r"(?<![\w.,/–-])(\d+\.\d+|\d+)\s?[-–]\s?(?=(\d+\.\d+|\d+)(?!\.?\d))"),
                lambda m: f"{m[1]} to " if "." in m[1] + m[2] else m[0],
            ),
            (re.compile(r"(\d{4})-(\d{2})-(\d{2})\b"), self._iso_date),
            (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), self._slash_date),
            (
                re.compile(rf"\b{_MONTH_RE}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?"),
                self._month_day,
            ),
            (
                re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_RE}(?:,?\s+(\d{{4}})\b)?"),
                self._day_month,
            ),
            (
                re.compile(
                    r"([$£€¥])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?!\d)(?:\s?(thousand|"
                    r"million|billion|trillion|bn|k|K|m|M|B)\b)?"
                ),
                self._money,
            ),
            (
                re.compile(
                    r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?(?![\w])|"
                    r"\s*([AP])\.?M\.?(?![\w]))?"
                ),
                self._clock,
            ),
            (
                re.compile(r"\b(\d{1,2})\s*(?:([ap])\.m\.|([ap])m\b|([AP])\.?M\.?(?![\w]))"),
                self._hour,
            ),
            *read.ratios,
            (re.compile(r"\b[Nn]o\.(?=\s*\d)"), lambda m: "number"),
            (re.compile(r"(?<!\w)#(?=\d)"), lambda m: "number "),
            (re.compile(r"(?<![\w'])(?:(\d{2})|')(\d)0'?s\b"), self._decade),
            (re.compile(r"\b(\d+)(?:st|nd|rd|th)\b"), self._ordinal),
            (re.compile(r"(?:(?<=[\s(\[“\"'`])|^)[-−](?=\d)"), lambda m: "minus "),
            (re.compile(NUM + r"\s?%"), lambda m: f"{_amount(m[1], m[2], lang)} percent"),
            (
                re.compile(
                    NUM
                    + r"\s?("
                    + "|".join(L(u) for u in sorted(UNITS, key=len)[::-1])
                    + r")(?![\w/])"
                ),
                self._unit,
            ),
            (
                re.compile(r"(?<![\w-])(?:(1)[-. ])?(\d{3})[-. ](\d{3})[-. ](\d{4})(?![\w-])"),
                self._phone,
            ),
            (
                re.compile(r"\((\d{3})\)\s?(\d{3})[-. ](\d{4})(?![\w-])"),
                lambda m: self._phone_groups(m.groups()),
            ),
            *read.phones,
            (re.compile(NUM_CORE + r"(M|bn)\b"), self._scaled),  # 4B is "four B" (read.late)
            *read.late,
            (re.compile(r"(?<![\w.,/–-])(\d+)\s?[-–]\s?(\d+)(?!\w|[.,/–-]\d|[/–-])"), self._range),
            (re.compile(r"(?<![\w./])(\d+)/(\d+)(?![\w/])"), self._fraction),
            (re.compile(r"(?<![\w.])(\d{4})(?!\w|[.,]\d)"), self._year),
            (re.compile(NUM), lambda m: _amount(m[1], m[2], lang)),
            (re.compile(r"\b(" + "|".join(TITLES) + r")\."), self._title),
            (re.compile(r"\b(St|Dr)\."), self._saint_or_street),
            (
                re.compile(r"(?<![\w.])(?:" + "|".join(L(a) for a in ABBREVIATIONS) + r")(?![\w])"),
                self._abbreviation,
            ),
            (re.compile(r"(?<![\w.])((?:[A-Za-z]\.){2,})"), self._dotted_acronym),
            (re.compile(r"\s*&\s*"), lambda m: " and "),
            (re.compile(r"(?<=\w)/(?=\w)"), lambda m: " "),
            (re.compile(r"[@+=×%°~±÷≈≠≤≥∞§¶‰√]"), self._symbol),
        ]

    def __call__(self, text: str) -> str:
        for pattern, rule in self.rules:
            text = pattern.sub(rule, text)
        return text

    # --- rules -------------------------------------------------------------------------------
    def _say_number(self, n: int) -> str:
        return nums.cardinal(str(n), self.lang)

    def _url(self, m: re.Match[str]) -> str:
        url = re.sub(r"^https?://", "", m[0])
        return self._spell_address(url)

    def _email(self, m: re.Match[str]) -> str:
        user, _, host = m[0].partition("@")
        return f"{self._spell_address(user)} at {self._spell_address(host)}"

    def _spell_address(self, text: str) -> str:
        words = {".": " dot ", "/": " slash ", "-": " dash ", "_": " underscore ", ":": " colon ",
                 "?": " question mark ", "=": " equals ", "&": " and ", "+": " plus ",
                 "#": " hash ", "~": " tilde ", "%": " percent ", "@": " at "}  # fmt: skip
        text = re.sub(r"^www\.", "W W W dot ", text)
        return re.sub(r"\s+", " ", "".join(words.get(ch, ch) for ch in text)).strip()

    def _date(self, month: int, day: int, year: str | None) -> str:
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return f"{self._say_number(month)} {self._say_number(day)}"
        said = f"{MONTHS[month - 1]} {nums.ordinal(day, self.lang)}"
        return f"{said}, {nums.year(int(year), self.lang)}" if year else said

    def _iso_date(self, m: re.Match[str]) -> str:
        if not (1 <= int(m[2]) <= 12 and 1 <= int(m[3]) <= 31):
            return m[0]
        return self._date(int(m[2]), int(m[3]), m[1])

    def _slash_date(self, m: re.Match[str]) -> str:
        # Americans write month/day, the British day/month.
        a, b = int(m[1]), int(m[2])
        month, day = (a, b) if self.lang == "en-us" else (b, a)
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return m[0]
        return self._date(month, day, m[3])

    def _month_day(self, m: re.Match[str]) -> str:
        if m[1] == "May" and not m[3] and int(m[2]) > 31:
            return m[0]
        return self._date(MONTHS.index(_month(m[1])) + 1, int(m[2]), m[3])

    def _day_month(self, m: re.Match[str]) -> str:
        said = f"the {nums.ordinal(int(m[1]), self.lang)} of {_month(m[2])}"
        return f"{said}, {nums.year(int(m[3]), self.lang)}" if m[3] else said

    def _money(self, m: re.Match[str]) -> str:
        unit, sub_one, sub_many = CURRENCY[m[1]]
        whole, frac, scale = m[2], m[3], m[4]
        if scale:  # "$1.5 million" -> "one point five million dollars"
            return f"{_amount(whole, frac, self.lang)} {SCALES[scale]} {unit}s"
        units = "" if unit == "yen" else "s"
        said = f"{nums.cardinal(whole, self.lang)} {unit}{'' if whole == '1' else units}"
        if frac and len(frac) == 2 and int(frac):
            cents = f"{self._say_number(int(frac))} {sub_one if frac == '01' else sub_many}"
            return cents if whole == "0" else f"{said} and {cents}"
        if frac and int(frac):  # unusual precision: say it as a decimal amount
            return f"{_amount(whole, frac, self.lang)} {unit}{units}"
        return said

    def _clock(self, m: re.Match[str]) -> str:
        hour, minute = int(m[1]), int(m[2])
        if hour > 24 or minute > 59:
            return m[0]
        if m[3] and not (m[4] or m[5]):  # 3:05:42 without am/pm is a duration or a timestamp
            return self._duration(hour, minute, int(m[3]))
        if minute == 0:
            said = self._say_number(hour) + ("" if m[4] or m[5] else " o'clock")
        elif minute < 10:
            said = f"{self._say_number(hour)} oh {self._say_number(minute)}"
        else:
            said = f"{self._say_number(hour)} {self._say_number(minute)}"
        if m[3] and int(m[3]):
            said += f" and {self._say_number(int(m[3]))} seconds"
        half = (m[4] or m[5] or "").upper()
        end = "." if half and m[0].endswith(".") and m.end() == len(m.string) else ""
        return f"{said} {half}M{end}" if half else said

    def _duration(self, hours: int, minutes: int, seconds: int) -> str:
        parts = [(hours, "hour"), (minutes, "minute"), (seconds, "second")]
        said = [f"{self._say_number(n)} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
        if not said:
            return "zero seconds"
        return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"

    def _hour(self, m: re.Match[str]) -> str:
        half = (m[2] or m[3] or m[4]).upper()
        end = "." if m[0].endswith(".") and m.end() == len(m.string) else ""
        return f"{self._say_number(int(m[1]))} {half}M{end}"

    def _decade(self, m: re.Match[str]) -> str:
        if m[1] is None:  # '90s
            return nums.plural_decade(nums.cardinal(m[2] + "0", self.lang))
        return nums.plural_decade(nums.year(int(m[1] + m[2] + "0"), self.lang))

    def _ordinal(self, m: re.Match[str]) -> str:
        return nums.ordinal(int(m[1]), self.lang)

    def _unit(self, m: re.Match[str]) -> str:
        unit = UNITS[m[3]]
        return f"{_amount(m[1], m[2], self.lang)} {unit if _is_one(m[1], m[2]) else _plural(unit)}"

    def _range(self, m: re.Match[str]) -> str:
        a, b = m[1], m[2]
        if len(a) == 4 and len(b) == 4 and 1000 <= int(a) < 2100 and 1000 <= int(b) < 2100:
            return f"{nums.year(int(a), self.lang)} to {nums.year(int(b), self.lang)}"
        return f"{nums.cardinal(a, self.lang)} to {nums.cardinal(b, self.lang)}"

    def _phone(self, m: re.Match[str]) -> str:
        return self._phone_groups(m.groups())

    def _phone_groups(self, groups: tuple[str | None, ...]) -> str:
        # Phone numbers are read digit by digit, with a pause between the groups.
        return ", ".join(nums.digits(g, self.lang) for g in groups if g)

    def _scaled(self, m: re.Match[str]) -> str:
        return f"{_amount(m[1], m[2], self.lang)} {SCALES[m[3]]}"

    def _fraction(self, m: re.Match[str]) -> str:
        num, den = int(m[1]), int(m[2])
        if den == 0 or len(m[1]) > 6 or len(m[2]) > 6:
            return f"{nums.cardinal(m[1], self.lang)} slash {nums.cardinal(m[2], self.lang)}"
        return nums.fraction(num, den, self.lang)

    def _year(self, m: re.Match[str]) -> str:
        n = int(m[1])
        before = m.string[: m.start()].split()
        cue = before[-1].lower().strip(",.") if before else ""
        after = m.string[m.end() :].lstrip()
        # "2024 items" counts things; "the 2018 World Cup", "in 2024", "2021." name a year.
        counted = after[:1].islower()
        if (
            1100 <= n < 2000
            and n % 100 != 0
            or 1000 <= n < 2100
            and (cue in YEAR_CUES or (n >= 2000 and not counted))
        ):
            return nums.year(n, self.lang)
        return nums.cardinal(m[1], self.lang)

    def _title(self, m: re.Match[str]) -> str:
        return TITLES[m[1]] + ("." if not m.string[m.end() :].strip() else "")

    def _saint_or_street(self, m: re.Match[str]) -> str:
        """St. is Saint before a name and Street after one; Dr. likewise Doctor or Drive."""
        title, place = ("Saint", "Street") if m[1] == "St" else ("Doctor", "Drive")
        before = m.string[: m.start()].split()
        after = m.string[m.end() :].strip()
        # A capitalized word that is not the sentence's first, or a number, names the street.
        named = (
            len(before) >= 2
            and before[-1][:1].isupper()
            or bool(before)
            and (before[-1][:1].isdigit())
        )
        if named and not (m[1] == "Dr" and after[:1].isupper()):
            return place + ("." if not after else "")
        if after[:1].isupper() or m[1] == "Dr":
            return title
        return place + ("." if not after else "")

    def _abbreviation(self, m: re.Match[str]) -> str:
        said = ABBREVIATIONS[m[0]]
        # The abbreviation's dot doubles as the sentence's full stop: keep one.
        at_end = m[0].endswith(".") and not m.string[m.end() :].strip()
        return said + ("." if at_end else "")

    def _dotted_acronym(self, m: re.Match[str]) -> str:
        letters = [ch.upper() for ch in m[1] if ch.isalpha()]
        said = " ".join(LETTER.get(ch, ch) for ch in letters)
        return said + ("." if not m.string[m.end() :].strip() else "")

    def _symbol(self, m: re.Match[str]) -> str:
        words = {"@": "at", "+": "plus", "=": "equals", "×": "times", "%": "percent",
                 "°": "degrees", "~": "about", "±": "plus or minus", "÷": "divided by",
                 "≈": "approximately", "≠": "is not equal to", "≤": "at most", "≥": "at least",
                 "∞": "infinity", "§": "section", "¶": "paragraph", "‰": "per mille",
                 "√": "square root of"}  # fmt: skip
        return f" {words[m[0]]} "
