"""English phone numbers, street addresses and other numbers that name rather than count (issue 26).

A careful reader says "123-123-5678" and "111-11-1111" digit by digit, a house number or route in
pairs ("1211 E Arques Ave": twelve eleven East Arques Avenue; "Hwy 101": Highway one oh one), a
ZIP code and a card's last digits one by one, and a state's name for its code after a city
("Santa Clara, CA 95051"). Codes that are also words (OK, IN, ME, OR) count as states only with
a ZIP code after them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text import numbers as nums
from kokoro_cli.text.rules import DIGIT, RuleList, gated

Rule = Callable[[re.Match[str]], str]

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "D C", "FL": "Florida",
    "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana",
    "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine",
    "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico",
}  # fmt: skip
# Codes that are also words or titles: a state only when a ZIP code follows.
_AMBIGUOUS_STATES = {"AL", "CO", "DE", "HI", "ID", "IN", "LA", "MA", "MD", "ME", "MI", "MO",
                     "MS", "MT", "NE", "OH", "OK", "OR", "PA", "SC", "UT", "DC"}  # fmt: skip
STREET = {
    "st": "Street", "street": "Street", "ave": "Avenue", "av": "Avenue", "avenue": "Avenue",
    "rd": "Road", "road": "Road", "blvd": "Boulevard", "boulevard": "Boulevard", "dr": "Drive",
    "drive": "Drive", "ln": "Lane", "lane": "Lane", "ct": "Court", "court": "Court",
    "pl": "Place", "place": "Place", "pkwy": "Parkway", "parkway": "Parkway",
    "expy": "Expressway", "expressway": "Expressway", "hwy": "Highway", "highway": "Highway",
    "fwy": "Freeway", "freeway": "Freeway", "way": "Way", "ter": "Terrace", "terrace": "Terrace",
    "cir": "Circle", "circle": "Circle", "sq": "Square", "square": "Square", "trl": "Trail",
    "trail": "Trail", "plz": "Plaza", "plaza": "Plaza", "tpke": "Turnpike",
    "turnpike": "Turnpike", "cres": "Crescent", "crescent": "Crescent", "aly": "Alley",
}  # fmt: skip
_MONTH_WORDS = set(
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Street types whose abbreviation means nothing else: expanded after any capitalized name.
_PLAIN_STREETS = ("Ave", "Blvd", "Expy", "Hwy", "Pkwy", "Fwy", "Tpke")
COMPASS = {"N": "North", "S": "South", "E": "East", "W": "West", "NE": "Northeast",
           "NW": "Northwest", "SE": "Southeast", "SW": "Southwest"}  # fmt: skip
# Words after which a number names something: read digit by digit ("card ending in 8876").
_ID_CUES = (
    r"(?i:ending in|ends in|ending with|end in|pin|otp|zip(?: ?code)?|post ?code|postal code"
    r"|ssn|passcode|account|acct|card|serial|confirmation|tracking|routing|id)"
)
# These name a number only with "number", "no." or "#" after them ("order 5000 units" counts).
_ID_WEAK_CUES = r"(?i:policy|member|booking|invoice|order|ticket|customer|reference|ref|code)"
_ID_FILLER = r"(?:\s+(?i:number|no\.|num|#|code|is|was|are)|\s*[:#])*"
_ID_NAMING = r"(?:\s+(?i:number|no\.|num)|\s*#)(?:\s+(?i:is|was)|\s*:)?"


def _digits(text: str, lang: str) -> str:
    return nums.digits(text, lang)


class Contacts:
    """Phone, address and identifier rules for one English variant."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        street = "|".join(sorted(STREET, key=len, reverse=True))
        codes = "|".join(STATES)
        self.rules: RuleList = [*gated(DIGIT, self._numbered(lang, codes, street))]
        self.rules[-2:-2] = [
            (
                re.compile(
                    rf"([A-Z][a-z]+(?:\s[A-Z][a-z]+)*,\s)({codes})\b(?=\s*(?:$|[,;:!?)]|\.))"
                ),
                self._state,
                (", ",),
            ),
            (
                re.compile(rf"\b([A-Z][\w'’-]*\s)({'|'.join(_PLAIN_STREETS)})\b(\.?)"),
                lambda m: m[1] + STREET[m[2].lower()] + self._stop(m, m[3]),
                _PLAIN_STREETS,
            ),
        ]

    def _numbered(self, lang: str, codes: str, street: str) -> list[tuple[re.Pattern[str], Rule]]:
        """The rules that need a digit in the sentence, in order."""
        return [
            # +1 (123) 123-5678, 1-800-555-1234, 123.123.5678, 123-123-5678-1111
            (
                re.compile(
                    r"(?<![\w+.-])(?:(\+)?(1)[-. ]?)?(?:\((\d{3})\)[-. ]?|(\d{3})[-. ])(\d{3})"
                    r"[-. ](\d{4})(?:-(\d{1,4}))?(?![\w-]|\.\d)"
                ),
                self._phone,
            ),
            # 1-800-GO-U-HAUL: a toll-free number spelled in words
            (
                re.compile(
                    r"(?<![\w-])(?:(1)-)?(8[0-8]{2})-((?:[A-Z\d]+-)*[A-Z][A-Z\d-]*)(?![\w-])"
                ),
                lambda m: ", ".join(
                    [
                        *([nums.digits(m[1], lang)] if m[1] else []),
                        nums.cardinal(m[2], lang),
                        m[3].replace("-", " "),
                    ]
                ),  # fmt: skip
            ),
            # 111-11-1111: a Social Security number
            (
                re.compile(r"(?<![\w.-])(\d{3})-(\d{2})-(\d{4})(?![\w-]|\.\d)"),
                lambda m: ", ".join(_digits(g, lang) for g in m.groups()),
            ),
            # 4111 1111 1111 1111: a card number
            (
                re.compile(r"(?<![\w.-])(\d{4})([ -])(\d{4})\2(\d{4})\2(\d{4})(?![\w-]|\.\d)"),
                lambda m: ", ".join(_digits(m[k], lang) for k in (1, 3, 4, 5)),
            ),
            (
                re.compile(rf"\b{_ID_CUES}{_ID_FILLER}\s*(\d{{4,}}|\d+(?=\s*$))\b(?![.,]\d)"),
                self._identifier,
            ),
            (
                re.compile(rf"\b{_ID_WEAK_CUES}{_ID_NAMING}\s*(\d{{4,}})\b(?![.,]\d)"),
                self._identifier,
            ),
            # Santa Clara, CA 95051; Boston, MA 02108-1234; Austin, Texas 78701
            (
                re.compile(
                    rf"\b({codes}|{'|'.join(STATES.values())})(,?\s+)(\d{{5}})(?:-(\d{{4}}))?\b"
                    r"(?![.,-]\d)"
                ),
                self._zip,
            ),
            # 1211 E Arques Ave, 708 N 1st St, 2788 San Tomas Expy
            (
                re.compile(
                    r"(?<![\w.,$#])(\d{1,5})\s+(?:(NE|NW|SE|SW|N|S|E|W)\.?\s+)?"
                    r"((?:(?:[A-Z][\w'’-]*|\d+(?:st|nd|rd|th))\s+){1,3}?)"
                    rf"((?i:{street}))(?![\w'’-])(\.?)"
                ),
                self._address,
            ),
            # Hwy 101, Route 66, I-95, US-101
            (
                re.compile(r"\b(?i:(hwy|highway|route|rte|interstate)\.?\s?)(\d{1,3})\b(?![.,]\d)"),
                lambda m: (
                    f"{STREET.get(m[1].lower(), m[1].capitalize()).replace('Rte', 'Route')}"
                    f" {nums.pairs(m[2], lang)}"
                ),
            ),
            (
                re.compile(r"\b(I|US|SR)-(\d{1,3})\b(?![.,-]\d)"),
                lambda m: f"{m[1]} {nums.pairs(m[2], lang)}",
            ),
        ]

    # --- readers --------------------------------------------------------------------------------
    def read_phone(self, groups: list[str], plus: bool = False) -> str:
        """Each group digit by digit, a pause between them: "plus one, one two three, ..."."""
        said = ", ".join(_digits(g, self.lang) for g in groups if g)
        return f"plus {said}" if plus else said

    # --- rules ----------------------------------------------------------------------------------
    def _phone(self, m: re.Match[str]) -> str:
        plus, country, *groups = m.groups()
        return self.read_phone([country or "", *[g or "" for g in groups]], bool(plus))

    def _identifier(self, m: re.Match[str]) -> str:
        head = m[0][: m.start(1) - m.start()].replace("#", " number ")
        return f"{head.rstrip()} {_digits(m[1], self.lang)}"

    def _zip(self, m: re.Match[str]) -> str:
        state = m[1]
        if len(state) == 2 and m.start() > 0 and m.string[m.start() - 1 : m.start()] == "(":
            return m[0]
        said = STATES.get(state, state)
        code = _digits(m[3], self.lang) + (f", {_digits(m[4], self.lang)}" if m[4] else "")
        return f"{said}, {code}"

    def _state(self, m: re.Match[str]) -> str:
        if m[2] in _AMBIGUOUS_STATES:
            return m[0]
        return m[1] + STATES[m[2]]

    def _address(self, m: re.Match[str]) -> str:
        number, compass, name, kind, dot = m.groups()
        if kind.lower() in ("st", "dr") and kind.isupper() and not name.strip()[0].isdigit():
            return m[0]  # "1990 for the Ata ST": all capitals, likely not an address
        if any(w.lower().rstrip(".") in _MONTH_WORDS for w in name.split()):
            return m[0]  # "On 25 December Dr Smith": a date and a doctor
        if kind.lower() in ("st", "dr") and not dot and re.match(r" [A-Z]", m.string[m.end() :]):
            return m[0]  # "12 Main Dr Smith", "5 Elm St Louis": a title before a name
        said = nums.pairs(number, self.lang)
        if compass:
            said += f" {COMPASS[compass]}"
        return f"{said} {name}{STREET[kind.lower()]}{self._stop(m, dot)}"

    @staticmethod
    def _stop(m: re.Match[str], dot: str) -> str:
        # "1428 Elm St. It was...": the abbreviation's dot ends the sentence too
        after = m.string[m.end() :]
        return "." if dot and (not after.strip() or re.match(r"\s+[A-Z]", after)) else ""
