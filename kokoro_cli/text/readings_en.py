"""English readings of the tokens manuals and articles are full of (issue 12).

Versions and dotted numbers, IP addresses, dotted dates, times with seconds, ratios, short phone
numbers, alphanumerics (4B, MP3, H2O) and Roman numerals in context. espeak misreads every one
of them ("room 4B" -> "four billion", "World War II" -> "World War Roman two"), so each is written
out before espeak sees it. normalize_en places these rules among its own (see EARLY and LATE).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text import numbers as nums

Rule = Callable[[re.Match[str]], str]

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip

# Letter names for letters standing alone; espeak reads a lone "A" as the article.
LETTER = {"A": "eigh"}
_ROMAN = nums.ROMAN
_roman = nums.roman
# After these, a lone X is the letter: "Figure X", "Exhibit X" (but "Chapter X" is ten).
LETTER_LABELS = {"Figure", "Fig.", "Exhibit", "Plate", "Form", "Schedule", "Table"}
# Given names take a regnal number like kings do: "Sam II" is "Sam the Second" (issue 26); a
# numeral after any other capitalized word counts ("Rocky II").
GIVEN_NAMES = set(
    "Aaron Adam Alan Alex Alfred Alice Amanda Amy Andrew Andy Angela Ann Anna Anthony Arthur"
    " Barbara Ben Benjamin Betty Billy Bob Bobby Brian Bruce Carl Carol Caroline Charlie Chris"
    " Christopher Dan Daniel Dave Dennis Donald Dorothy Douglas Ed Eddie Edgar Emily Emma Eric"
    " Frank Fred Gary Gerald Grace Greg Hank Harry Helen Howard Hugh Jack Jacob Jake Jane Jason"
    " Jeff Jennifer Jerry Jessica Jim Jimmy Joe Johnny Jonathan Joshua Julia Julian Karen Kate"
    " Ken Kenneth Kevin Larry Laura Linda Lisa Lucas Luke Margaret Martin Matt Matthew Max Mike"
    " Nancy Nathan Nick Oliver Oscar Patrick Phil Ralph Richie Rob Robbie Roger Ron Ronald Roy"
    " Russell Ryan Sam Samuel Sandra Sarah Scott Sean Simon Steve Steven Susan Thomas Tim"
    " Timothy Tom Tommy Tony Walter Wayne".split()
)
# Words after which a Roman numeral is a plain number ("Chapter IV", "World War II").
COUNTED = ("Chapter Part Book Volume Vol. Act Scene Section Appendix Phase Episode Season Level"
           " Stage Article Psalm Canto Movement Symphony War Type Class Grade Category Division"
           " Round Game Bowl Apollo Gemini Mark Form Schedule Table Figure Exhibit Plate Track"
           " Vatican").split()  # fmt: skip
# Names that take regnal numbers ("Henry VIII" -> "Henry the Eighth").
REGNAL = ("Henry Edward Elizabeth George William Charles James Richard Mary Anne John Louis"
          " Philip Frederick Peter Catherine Nicholas Alexander Ivan Napoleon Ferdinand Carlos"
          " Juan Alfonso Pius Leo Benedict Gregory Paul Innocent Clement Urban Boniface Pope"
          " Ramesses Ptolemy Rama Olaf Harald Haakon Christian Gustav Gustavus Victor Umberto"
          " Wilhelm Friedrich Ludwig Otto Rudolf Franz Joseph Leopold Stephen David"
          " Robert Constantine Justinian Theodosius Basil Michael Andronikos Manuel Sancho"
          " Pedro Afonso Manoel João Sebastian Mohammed Mehmed Murad Selim Suleiman Abbas"
          " Tutankhamun Amenhotep Thutmose Darius Xerxes Artaxerxes Cyrus Antiochus Seleucus"
          " Casimir Sigismund Wladyslaw Boleslaw Stanislaw Matthias Albert Baudouin Leopold"
          " Willem Beatrix Juliana Wilhelmina Margrethe Harold Canute Edmund Ethelred Aethelred"
          ).split()  # fmt: skip


_NAMES = {*REGNAL, *GIVEN_NAMES}
_HASH = re.compile(r"(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,}")
_COUNTED = {*COUNTED, *(w.upper() for w in COUNTED)}

# Capitalized words before a ratio that are not the name of a book ("A 2:1 split").
_NOT_BOOKS = {"A", "An", "The", "At", "In", "On", "By", "Of", "With", "For", "To", "Ratio", "Odds"}


def _numeral(text: str) -> bool:
    """A Roman numeral; alone, C, D, L and M are letters ("Appendix C", "vitamin D")."""
    return bool(_ROMAN.fullmatch(text)) and (len(text) > 1 or text in "IVX")


def _digits(text: str, lang: str) -> str:
    return nums.digits(text, lang)


def _part(text: str, lang: str) -> str:
    """One dot-separated part: a number, or digit by digit when it has a leading zero."""
    return nums.cardinal(text, lang) if text == "0" or text[0] != "0" else _digits(text, lang)


class Readings:
    """The rules for one English variant; `early` and `late` are (pattern, rule) lists."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        roman = r"([IVXLCDM]+)(?![\w'’-])"
        self.early: list[tuple[re.Pattern[str], Rule]] = [
            # d.m.yyyy dates, British and European style (both variants read them so)
            (
                re.compile(r"(?<![\w.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\w]|\.\d)"),
                self._dotted_date,
            ),
            (re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)"), self._ip),
            (
                re.compile(r"(?<![\w:.,])(\d{1,2}):(\d{2})\.(\d+)(?![\w:]|[.,]\d)"),
                self._minutes_seconds,
            ),
            (
                re.compile(r"(?<![\w.])[vV](\d+(?:\.\d+)*)(?![\w]|\.\d)"),
                lambda m: f"version {self._dotted(m[1])}",
            ),
            # 3.11.7, 1.2.3.4.5, "3.2.1": two dots or more (one dot is a decimal)
            (
                re.compile(r"(?<![\w.])(?!\d{3}\.\d{3}\.\d{4}\b)\d+(?:\.\d+){2,}(?![\w]|\.\d)"),
                lambda m: self._dotted(m[0]),
            ),
        ]
        self.phones: list[tuple[re.Pattern[str], Rule]] = [
            # 555-0199: a local phone number, digit by digit
            (
                re.compile(r"(?<![\w.,/–-])(\d{3})-(\d{4})(?![\w/–-]|[.,]\d)"),
                self._local_phone,
            ),
            # +44 20 7946 0958: plus, then each group digit by digit
            (
                re.compile(r"(?<![\w+])\+(\d{1,3})((?:[ .-]\d{2,4}){2,5})(?![\w]|[.,]\d)"),
                self._international,
            ),
        ]
        self.ratios: list[tuple[re.Pattern[str], Rule]] = [
            (re.compile(r"(?<![\w:.,])(\d+):(\d+)(?![\w:]|[.,]\d)"), self._ratio),
        ]
        self.late: list[tuple[re.Pattern[str], Rule]] = [
            (
                re.compile(r"(?<![\w.])(\d+)\s?x\s?(\d+)(?![\w]|[.,]\d)"),
                lambda m: f"{self._size(m[1])} by {self._size(m[2])}",
            ),
            (re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)x(?![\w])"), lambda m: f"{m[1]} times"),
            (re.compile(r"(?<![\w./])(\d+) (\d{1,2})/(\d{1,2})(?![\w/]|[.,]\d)"), self._mixed),
            (  # letters and digits in one token, but not hex (0xFF: left to espeak)
                re.compile(r"(?<![\w])(?!0[xX])(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z\d]+(?![\w])"),
                self._alnum,
            ),
        ]
        # Roman numerals after a word; the word decides (one generic pattern each, then a set
        # lookup: an alternation of hundreds of names would be slow on every sentence)
        self.romans: list[tuple[re.Pattern[str], Rule]] = [
            # "John Smith III", "Davis Love III": a given name, a surname, a generation
            (
                re.compile(r"\b([A-Z][a-z]+)\s([A-Z][a-z]+)\s(II|III|IV)(?![\w'’-])"),
                lambda m: self._regnal(m, f"{m[1]} {m[2]}", m[3]) if m[1] in _NAMES else m[0],
            ),
            (
                re.compile(rf"\b([A-Z][a-z]+)\s+{roman}"),
                lambda m: self._regnal(m, m[1], m[2]) if m[1] in _NAMES else m[0],
            ),
            (re.compile(rf"(?<![\w.])([A-Z][A-Za-z]*\.?)\s+{roman}"), self._count),
            # "Rocky II", "Final Fantasy VII": I/V/X numerals of two letters or more after a name
            (re.compile(r"\b([A-Z][a-z]+) ([IVX]{2,})(?![\w'’-])"), self._after_name),
        ]

    # --- rules ---------------------------------------------------------------------------------
    def _dotted(self, text: str) -> str:
        return " point ".join(_part(p, self.lang) for p in text.split("."))

    def _dotted_date(self, m: re.Match[str]) -> str:
        day, month = int(m[1]), int(m[2])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return self._dotted(m[0])
        said = f"the {nums.ordinal(day, self.lang)} of {MONTHS[month - 1]}"
        return f"{said}, {nums.year(int(m[3]), self.lang)}"

    def _ratio(self, m: re.Match[str]) -> str:
        """2:1 -> "two to one"; after a name it is a verse: "Genesis 1:1" -> "one one"."""
        before = m.string[: m.start()].split()
        verse = bool(before) and before[-1][:1].isupper() and before[-1] not in _NOT_BOOKS
        joint = " " if verse else " to "
        return nums.cardinal(m[1], self.lang) + joint + nums.cardinal(m[2], self.lang)

    def _ip(self, m: re.Match[str]) -> str:
        parts = m[0].split(".")
        before = m.string[: m.start()].split()
        # 1.2.3.4 is a version unless it follows "IP" or "address"; 10.0.0.1 an address
        named = bool(before) and before[-1].strip(":").lower() in ("ip", "address", "dns")
        if not (named or any(len(p) > 1 for p in parts)):
            return self._dotted(m[0])
        if any(int(p) > 255 for p in parts) and not any(len(p) == 3 for p in parts):
            return self._dotted(m[0])  # 987.987.0.40 is still an address, digit by digit
        return " dot ".join(_digits(p, self.lang) for p in parts)

    def _size(self, n: str) -> str:
        """Screen sizes are said in pairs of digits: 1920 -> "nineteen twenty"."""
        return nums.year(int(n), self.lang) if len(n) == 4 else nums.cardinal(n, self.lang)

    def _mixed(self, m: re.Match[str]) -> str:
        """7 1/2 -> "seven and one half" (a proper fraction after a whole number)."""
        num, den = int(m[2]), int(m[3])
        if not 0 < num < den:
            return m[0]
        return f"{nums.cardinal(m[1], self.lang)} and {nums.fraction(num, den, self.lang)}"

    def _local_phone(self, m: re.Match[str]) -> str:
        if m[1].endswith("0") and m[2].endswith("0"):  # "200-1000 words" is a range
            return m[0]
        return f"{_digits(m[1], self.lang)}, {_digits(m[2], self.lang)}"

    def _international(self, m: re.Match[str]) -> str:
        groups = re.split(r"[ .-]", m[2].strip(" .-"))
        return "plus " + ", ".join(_digits(g, self.lang) for g in [m[1], *groups])

    def _minutes_seconds(self, m: re.Match[str]) -> str:
        minutes = nums.cardinal(str(int(m[1])), self.lang)
        seconds = nums.decimal(m[2].lstrip("0") or "0", m[3], self.lang)
        unit = "minute" if m[1].lstrip("0") == "1" else "minutes"
        return f"{minutes} {unit} {seconds} seconds"

    def _alnum(self, m: re.Match[str]) -> str:
        """4B -> "4 B", MP3 -> "MP 3", a1b2 -> "eigh 1 B 2": numbers then read as numbers.

        After letters, a model number of three digits goes in pairs (A380: "three eighty") and a
        code of four or more digit by digit ("ab9453"), unless round ("t2000", "RTX 4000")."""
        if _HASH.fullmatch(m[0]):  # a commit or checksum: character by character
            return " ".join(
                _digits(ch, self.lang) if ch.isdigit() else LETTER.get(ch.upper(), ch.upper())
                for ch in m[0]
            )
        parts = re.findall(r"[A-Za-z]+|\d+", m[0])
        said = []
        for k, p in enumerate(parts):
            if p.isalpha():
                said.append(LETTER.get(p.upper(), p.upper()) if len(p) == 1 else p)
            elif k == 0 or p[0] == "0" or len(p) < 3:
                said.append(p)
            elif len(p) == 3:
                said.append(nums.pairs(p, self.lang))
            else:
                round_ = len(p) == 4 and p.endswith("00")
                said.append(p if round_ else _digits(p, self.lang))
        return " ".join(said)

    def _count(self, m: re.Match[str]) -> str:
        if m[1] not in _COUNTED or not _numeral(m[2]):
            return m[0]
        if m[2] == "X" and m[1].capitalize() in LETTER_LABELS:
            return m[0]
        return f"{m[1]} {nums.cardinal(str(_roman(m[2])), self.lang)}"

    def _regnal(self, m: re.Match[str], name: str, numeral: str) -> str:
        after = m.string[m.end() :]
        # "Henry I" ends a phrase or says "of"; in "John I think" the I is the pronoun.
        pronoun = numeral == "I" and not re.match(r"\s*(?:$|[^\w\s]|of\b)", after)
        if not _numeral(numeral) or pronoun:
            return m[0]
        return f"{name} the {nums.ordinal(_roman(numeral), self.lang).capitalize()}"

    def _after_name(self, m: re.Match[str]) -> str:
        if not _ROMAN.fullmatch(m[2]):
            return m[0]
        return f"{m[1]} {nums.cardinal(str(_roman(m[2])), self.lang)}"
