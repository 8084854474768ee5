"""English dates and times as a careful reader says them (issue 26).

Month names in any case and abbreviated ("jan. 15", "SEPT. 25", "Jan-15-2020", "15 january"),
numeric dates (2016/07/03, 15-01-2020, 11/17/05), quarters (2Q22), eras (340 AD), clock times
with seconds, am/pm and time zones ("1:59 p.m. e.s.t"). "may" and "march" are verbs too: in lower
case they name a month only when a year, a day's ending or a date word ("on may 5") says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text import numbers as nums
from kokoro_cli.text.readings_en import MONTHS

Rule = Callable[[re.Match[str]], str]

MONTH_RE = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_SUFFIX = r"(?i:st|nd|rd|th)"
_YEAR_AFTER = r"(?:(?:,\s*|\s+|-)(\d{4})(?![\w]|[.,]\d))?"
# Words before "may 5" or "march 3" that make them dates, not verbs.
DATE_CUES = {"on", "in", "of", "since", "until", "till", "by", "from", "before", "after", "early",
             "late", "mid", "this", "next", "last", "every", "through", "due", "dated", "born",
             "between", "and", "to", "or", "the", "each", "around", "about", "for", "starting",
             "ending", "til"}  # fmt: skip
_VERB_MONTHS = {"may", "march", "mar"}
# Time zones said letter by letter after a time ("EST", "e.s.t", "UTC+2").
ZONES = set(
    "EST EDT CST CDT MST MDT PST PDT AKST AKDT HST HDT GMT UTC BST IST CET CEST EET EEST WET WEST"
    " JST KST AEST AEDT ACST AWST NZST NZDT SGT HKT MSK ET CT MT PT Z".split()
)
# "p.m.", "PM", "pm", "p.m.est" (a zone right after the dot)
_AMPM = r"(?:\s?(?P<half>[aApP])\.?\s?[mM](?:\.(?=[A-Za-z]{2,4}\b)|\.?(?![\w])))"
_ZONE = (
    r"(?:\s?(?P<zone>(?:[A-Za-z]\.?){1,4}(?![\w])"
    r"(?:\s?(?P<sign>[+-])(?P<off>\d{1,2})(?::?(?P<offm>\d{2}))?(?![\w]))?))"
)


def month_number(name: str) -> int:
    """ "Sept." -> 9, "jan" -> 1."""
    key = name.rstrip(".").lower()[:3]
    return next(k for k, m in enumerate(MONTHS, 1) if m.lower().startswith(key))


def short_year(text: str, lang: str) -> str:
    """A two-digit year: "05" -> "oh five", "98" -> "ninety-eight", "00" -> "two thousand"."""
    if text == "00":
        return nums.cardinal("2000", lang)
    if text[0] == "0":
        return f"oh {nums.cardinal(text[1], lang)}"
    return nums.cardinal(text, lang)


def _word_before(m: re.Match[str]) -> str:
    before = m.string[: m.start()].split()
    return before[-1].lower().strip(",.(") if before else ""


class Dates:
    """Date and time rules and readers for one English variant."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.rules: list[tuple[re.Pattern[str], Rule]] = [
            # 2024-01-03, 2024-01-03T10:30
            (
                re.compile(
                    r"(?<![\w./])(?<!\d-)(\d{4})-(\d{1,2})-(\d{1,2})(?:T(\d{2}:\d{2}(?::\d{2})?))?\b"
                    r"(?![-.]\d)"
                ),
                self._iso,
            ),
            (re.compile(r"(?<![\w./-])(\d{4})/(\d{1,2})/(\d{1,2})(?![\w/]|[.,]\d)"), self._ymd),
            # 01/03/2024, 15-01-2020, 11/17/05: month first in the US unless the first is over 12
            (
                re.compile(r"(?<![\w./-])(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-]|[.,]\d)"),
                self._numeric,
            ),
            (
                re.compile(
                    rf"(?<![\w'])({MONTH_RE})\.?(?:\s+|-)(\d{{1,2}}){_SUFFIX}?(?![\w:/]|[.,]\d)"
                    + _YEAR_AFTER
                ),
                self._month_day,
            ),
            (
                re.compile(
                    rf"(?<![\w.,/-])(\d{{1,2}})({_SUFFIX})?(?:\s+|-)(?:of\s+)?({MONTH_RE})\b\.?"
                    + _YEAR_AFTER
                ),
                self._day_month,
            ),
            # 2Q22, 3Q2021: the second quarter of 2022
            (re.compile(r"(?<![\w.])([1-4])[Qq](\d{4}|\d{2})\b"), self._quarter),
            # 340 AD, 44 BC, AD 1066, 500 B.C.E.
            (
                re.compile(
                    r"(?<![\w.,])(\d{1,4})\s?(BCE|BC|AD|CE|B\.C\.(?:E\.)?|A\.D\.?|C\.E\.)"
                    r"(?![\w])"
                ),
                self._era,
            ),  # fmt: skip
            (re.compile(r"\b(AD|A\.D\.)\s?(\d{1,4})(?![\w]|[.,]\d)"), self._era_before),
        ]
        self.times: list[tuple[re.Pattern[str], Rule]] = [
            (
                re.compile(
                    r"(?<![\w:.])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:]|\.\d)(?:"
                    + _AMPM
                    + ")?"
                    + _ZONE
                    + "?"
                ),
                self._clock,
            ),
            (  # 1.59 p.m.: a dot between hour and minutes, only with am/pm
                re.compile(r"(?<![\w:.])(\d{1,2})\.(\d{2})()" + _AMPM + _ZONE + "?"),
                self._clock,
            ),
            (re.compile(r"(?<![\w:.,])(\d{1,2})" + _AMPM + _ZONE + "?"), self._hour),
        ]

    # --- readers --------------------------------------------------------------------------------
    def read_date(
        self, year: int | None, month: int | None, day: int | None, day_first: bool = False
    ) -> str:
        """The date's given parts: "January fifth, twenty twenty", or with day_first "the fifth
        of January, twenty twenty"; "January twenty twenty", "the fifth", "twenty twenty"."""
        said = ""
        if month and day:
            nth = nums.ordinal(day, self.lang)
            said = (
                f"the {nth} of {MONTHS[month - 1]}" if day_first else f"{MONTHS[month - 1]} {nth}"
            )
        elif month:
            said = MONTHS[month - 1]
        elif day:
            said = f"the {nums.ordinal(day, self.lang)}"
        if year is None:
            return said
        words = nums.year(year, self.lang)
        return f"{said}, {words}" if said and day else f"{said} {words}".strip()

    def read_time(
        self,
        hour: int,
        minute: int,
        second: int | None = None,
        half: str = "",
        zone: str = "",
    ) -> str:
        """Ten thirty PM, ten o'clock, three oh five, ten thirty and fifteen seconds PM EST."""
        say = self._say
        if minute == 0:
            said = say(hour) + ("" if half else " o'clock")
        elif minute < 10:
            said = f"{say(hour)} oh {say(minute)}"
        else:
            said = f"{say(hour)} {say(minute)}"
        if second:
            said += f" and {say(second)} second{'' if second == 1 else 's'}"
        if half:
            said += f" {half.upper()}M"
        return f"{said} {zone}" if zone else said

    def duration(self, hours: int, minutes: int, seconds: int) -> str:
        """3:05:42 -> three hours, five minutes and forty-two seconds."""
        parts = [(hours, "hour"), (minutes, "minute"), (seconds, "second")]
        said = [f"{self._say(n)} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
        if not said:
            return "zero seconds"
        return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"

    # --- rules ----------------------------------------------------------------------------------
    def _say(self, n: int) -> str:
        return nums.cardinal(str(n), self.lang)

    def _valid(self, month: int, day: int) -> bool:
        return 1 <= month <= 12 and 1 <= day <= 31

    def _iso(self, m: re.Match[str]) -> str:
        if not self._valid(int(m[2]), int(m[3])):
            return m[0]
        said = self.read_date(int(m[1]), int(m[2]), int(m[3]))
        if m[4]:
            hour, minute, *sec = (int(p) for p in m[4].split(":"))
            if hour > 23 or minute > 59:
                return m[0]
            said += " at " + self.read_time(hour, minute, sec[0] if sec else None)
        return said

    def _ymd(self, m: re.Match[str]) -> str:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        return self.read_date(year, month, day) if self._valid(month, day) else m[0]

    def _numeric(self, m: re.Match[str]) -> str:
        a, b = int(m[1]), int(m[3])
        day_first = self.lang != "en-us" or a > 12
        month, day = (b, a) if day_first else (a, b)
        if not self._valid(month, day) or (m[2] == "-" and len(m[4]) == 2):
            return m[0]  # 11-17-05 is more likely a part number than a date
        said = self.read_date(None, month, day, day_first=a > 12)
        year = nums.year(int(m[4]), self.lang) if len(m[4]) == 4 else short_year(m[4], self.lang)
        return f"{said}, {year}"

    def _month_day(self, m: re.Match[str]) -> str:
        name, day, year = m[1], int(m[2]), m[3]
        if not 1 <= day <= 31:
            return m[0]
        lower = name.islower()
        if lower and name.rstrip(".") in _VERB_MONTHS and not year:
            if _word_before(m) not in DATE_CUES:  # "you may 5 times", "they march 20 miles"
                return m[0]
        said = self.read_date(None, month_number(name), day)
        return f"{said}, {nums.year(int(year), self.lang)}" if year else said

    def _day_month(self, m: re.Match[str]) -> str:
        day, suffix, name, year = int(m[1]), m[2], m[3], m[4]
        if not 1 <= day <= 31:
            return m[0]
        after = m.string[m.end() :]
        if name.islower() and name in _VERB_MONTHS and not (year or suffix):
            if not re.match(r"\s*(?:$|[^\w\s])", after):  # "5 may be", but "on 17 may."
                return m[0]
        said = self.read_date(None, month_number(name), day, day_first=True)
        if _word_before(m) == "the":  # "on the 26th May": the "the" is written already
            said = said.removeprefix("the ")
        return f"{said}, {nums.year(int(year), self.lang)}" if year else said

    def _quarter(self, m: re.Match[str]) -> str:
        year = int(m[2]) if len(m[2]) == 4 else 2000 + int(m[2])
        said = f"{nums.ordinal(int(m[1]), self.lang)} quarter of {nums.year(year, self.lang)}"
        return said if _word_before(m) == "the" else f"the {said}"

    def _era(self, m: re.Match[str]) -> str:
        letters = " ".join(ch for ch in m[2] if ch.isalpha())
        end = "." if m[2].endswith(".") and not m.string[m.end() :].strip() else ""
        return f"{nums.year(int(m[1]), self.lang)} {letters}{end}"

    def _era_before(self, m: re.Match[str]) -> str:
        return f"A D {nums.year(int(m[2]), self.lang)}"

    def _zone(self, m: re.Match[str]) -> tuple[str, str]:
        """(spoken zone, text to give back): "e.s.t" is a zone; "on" after "5pm" is not."""
        if not m["zone"]:
            return "", ""
        name = m["zone"].split(m["sign"])[0] if m["sign"] else m["zone"]
        letters = name.replace(".", "").strip().upper()
        plain_lower = name.islower() and "." not in name and len(letters) < 3  # "et", "pt"
        if letters not in ZONES or plain_lower or (letters == "Z" and name != "Z"):
            start = m.start("zone") - (m.string[m.start("zone") - 1] == " ")
            return "", m.string[start : m.end()]
        said = " ".join(letters)
        if m["sign"]:
            said += f" {'plus' if m['sign'] == '+' else 'minus'} {self._say(int(m['off']))}"
            said += f" {self._say(int(m['offm']))}" if m["offm"] and int(m["offm"]) else ""
        return said, ""

    def _clock(self, m: re.Match[str]) -> str:
        hour, minute = int(m[1]), int(m[2])
        second = int(m[3]) if m[3] else None
        half = m["half"] or ""
        if (
            hour > 24
            or minute > 59
            or (second is not None and second > 59)
            or (half and not 1 <= hour <= 12)
        ):
            return m[0]
        zone, back = self._zone(m)
        if second is not None and not half and not zone:
            cue = _word_before(m)
            if cue not in ("at", "by", "until", "till", "from", "since", "before", "after"):
                return self.duration(hour, minute, second) + back
        said = self.read_time(hour, minute, second, half, zone)
        return said + self._stop(m, half, back) + back

    def _hour(self, m: re.Match[str]) -> str:
        hour = int(m[1])
        if not 1 <= hour <= 12:
            return m[0]
        zone, back = self._zone(m)
        said = f"{self._say(hour)} {m['half'].upper()}M" + (f" {zone}" if zone else "")
        return said + self._stop(m, m["half"], back) + back

    @staticmethod
    def _stop(m: re.Match[str], half: str, back: str) -> str:
        # "at 9 p.m." ends the sentence: the abbreviation's dot doubles as the full stop.
        at_end = m[0].endswith(".") and m.end() == len(m.string)
        return "." if half and at_end and not back else ""
