"""English text normalization: say numbers, money, times, dates, units and abbreviations in words.

Rules run in a fixed order on one sentence at a time; each rewrites only what it fully recognizes
and leaves the rest to the next rule (and finally to espeak, which reads leftovers sensibly).
The readers of each class live in their own modules (web_en, contacts_en, dates_en,
quantities_en, readings_en); this one orders them and keeps the plain numbers and abbreviations.
"""

from __future__ import annotations

import re

from kokoro_cli.text import numbers as nums
from kokoro_cli.text.contacts_en import Contacts
from kokoro_cli.text.dates_en import Dates
from kokoro_cli.text.money_en import NUM, NUM_CORE, SCALES, Money, amount
from kokoro_cli.text.quantities_en import Quantities
from kokoro_cli.text.readings_en import LETTER, MONTHS, Readings
from kokoro_cli.text.rules import DIGIT, RuleList, apply, gated
from kokoro_cli.text.web_en import Web

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


class English:
    """Normalizer for one English variant ("en-us" or "en-gb")."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        L = re.escape
        read = Readings(lang)
        web, contacts, dates = Web(lang), Contacts(lang), Dates(lang)
        self.quantities = quantities = Quantities(lang, self)
        self.dates = dates
        D = DIGIT
        self.rules: RuleList = [
            *web.rules,  # URLs, e-mail addresses, paths, file names: before their dots are read
            *gated(D, read.early),  # dotted dates, IP addresses, versions
            *contacts.rules,  # phones, ZIP codes, addresses: before their dashes become ranges
            *gated(D, read.phones),
            *gated(D, dates.rules),
            *gated(D, quantities.ranges),  # 9am-5pm, $250-300: each end read by the rules below
            *gated(D, Money(lang).rules),
            *gated(D, dates.times),
            *gated(D, read.ratios),
            (re.compile(r"\b[Nn]o\.(?=\s*\d)"), lambda m: "number", D),
            (re.compile(r"(?<!\w)#(?=\d)"), lambda m: "number ", D),
            # 401(k), 403(b), 501(c)(3): "four oh one K"
            (
                re.compile(r"(?<![\w.])(\d{3})\(([a-zA-Z])\)(?:\((\d{1,2})\))?"),
                lambda m: f"{nums.pairs(m[1], lang)} {m[2].upper()}" + (f" {m[3]}" if m[3] else ""),
                D,
            ),
            (re.compile(r"(?<![\w'])(?:(\d{2})|')(\d)0'?[sS]\b"), self._decade, D),
            # the 80s, mid-80s, in her 30s (a bare "30s" elsewhere may be thirty seconds)
            (
                re.compile(
                    r"(?i:(?<=\bmid-)|(?<=\bmid )|(?<=\bthe )|(?<=\bearly )|(?<=\blate )"
                    r"|(?<=\bher )|(?<=\bhis )|(?<=\btheir )|(?<=\bmy )|(?<=\byour )|(?<=\bour ))"
                    r"(\d)0[sS]\b"
                ),
                lambda m: nums.plural_decade(nums.cardinal(m[1] + "0", lang)),
                D,
            ),
            # C#, F#, A♭, E♮: musical notes (and C#, F# the languages)
            (
                re.compile(r"\b([A-G])(?:(#|♯)|(♭)|(♮)|b(?=\s(?:major|minor|flat)\b))(?![\w#])"),
                self._note,
                ("#", "♯", "♭", "♮", " major", " minor", " flat"),
            ),
            (
                re.compile(r"(?<![\w.,/])(\d{1,3}(?:,\d{3})+|\d+)((?i:st|nd|rd|th))\b"),
                self._ordinal,
                D,
            ),
            (re.compile(r"(?:(?<=[\s(\[“\"'`])|^)[-−](?=\d)"), lambda m: "minus ", D),
            (re.compile(NUM + r"\s?%"), lambda m: f"{amount(m[1], m[2], lang)} percent", D),
            *gated(D, quantities.units),
            *gated(("²", "³"), quantities.powers),
            (re.compile(NUM_CORE + r"(M|bn)\b"), self._scaled, D),  # 4B is "four B" (read.late)
            (  # 1/4th, 1/3RD: a fraction, before "4th" is read as an alphanumeric
                re.compile(r"(?<![\w./])(\d+)/(\d+)(?i:st|nd|rd|th)\b(?![\w/])"),
                self._fraction,
                D,
            ),
            *gated(D, read.late),
            *gated(None, read.romans),
            (re.compile(r"(?<![\w./])(\d+)/(\d+)(?![\w/])"), self._fraction, D),
            (re.compile(r"(?<![\w.])(\d{4})(?!\w|[.,]\d)"), self._year, D),
            (re.compile(NUM), lambda m: amount(m[1], m[2], lang), D),
            (
                re.compile(r"(?<![\w.,])\.(\d+)(?![\w.]|,\d)"),
                lambda m: nums.decimal("", m[1], lang),
                D,
            ),
            (re.compile(r"\b(" + "|".join(TITLES) + r")\."), self._title, (".",)),
            (re.compile(r"\b(St|Dr)\."), self._saint_or_street, ("St.", "Dr.")),
            (
                re.compile(r"(?<![\w.])(?:" + "|".join(L(a) for a in ABBREVIATIONS) + r")(?![\w])"),
                self._abbreviation,
                (".", "vs"),
            ),
            (re.compile(r"(?<![\w.])((?:[A-Za-z]\.){2,})"), self._dotted_acronym, (".",)),
            (re.compile(r"\s*&\s*"), lambda m: " and ", ("&",)),
            *gated(("/",), web.slashes),
            (re.compile(r"[@+=×%°~±÷≈≠≤≥∞§¶‰√]"), self._symbol, None),
        ]

    def __call__(self, text: str) -> str:
        return apply(self.rules, text)

    # --- rules -------------------------------------------------------------------------------
    def _say_number(self, n: int) -> str:
        return nums.cardinal(str(n), self.lang)

    def _decade(self, m: re.Match[str]) -> str:
        if m[1] is None:  # '90s
            return nums.plural_decade(nums.cardinal(m[2] + "0", self.lang))
        return nums.plural_decade(nums.year(int(m[1] + m[2] + "0"), self.lang))

    def _note(self, m: re.Match[str]) -> str:
        letter = LETTER.get(m[1], m[1])
        return f"{letter} {'sharp' if m[2] else 'natural' if m[4] else 'flat'}"

    def _ordinal(self, m: re.Match[str]) -> str:
        return nums.ordinal(int(m[1].replace(",", "")), self.lang)

    def _scaled(self, m: re.Match[str]) -> str:
        return f"{amount(m[1], m[2], self.lang)} {SCALES[m[3]]}"

    def _fraction(self, m: re.Match[str]) -> str:
        num, den = int(m[1]), int(m[2])
        if m[0] == "24/7":
            return "twenty-four seven"
        if den == 0 or len(m[1]) > 6 or len(m[2]) > 3:
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
