"""Readers for SSML's <say-as>: a token of a known kind in words, in English (en-us, en-gb), Spanish,
French, Italian and Brazilian Portuguese. The same readers the normalizers use (issue 26), called
by the SSML front end (issue 25) for the interpret-as it names:

    characters, spell-out  read_characters("AB12", lang)    "eigh B one two" (eigh: the letter A)
    cardinal, number       read_cardinal("1,234", lang)     "one thousand two hundred thirty-four"
    ordinal                read_ordinal("3", lang)          "third"; "2ª" (es) "segunda"
    digits                 read_digits("0123", lang)        "zero one two three"
    fraction               read_fraction("2 1/2", lang)     "two and one half"
    unit                   read_unit("12kg/kg", lang)       "twelve kilograms per kilogram"
    date                   read_date_text("12/25/2020", lang, "mdy")
                           read_date(2020, 12, 25, lang, "mdy")  "December twenty-fifth, ..."
                           parse_date("25.12.2020", "dmy") -> (2020, 12, 25)
    time                   read_time("14:30", lang), "2:30pm", "10:00:00", "14h30", "5pm EST"
    telephone              read_telephone("+1 555-0199", lang)
    currency               read_currency("$20.50", lang), "20,50 €", "USD 20", "EUR 5"

Each returns the spoken words (text for espeak) or raises SayAsError (a ValueError) naming what it
could not read; callers fall back to the plain reading of the text. `lang` is one of LANGS.

read(kind, text, lang, fmt) dispatches on SSML's interpret-as (READERS holds the kinds) for any
language: it returns None when the text is not of that kind, raises ValueError for a date format
SSML does not define and KeyError for an unknown kind; Japanese, Mandarin and Hindi get the
written form their own readers know ("2024年3月5日", "第3").
Date formats (fmt) are SSML's: mdy dmy ymd md dm ym my y m d; the letters say which parts the
text holds and in which order. English reads "January fifth" when the month comes first in fmt
and "the fifth of January" when the day does (en-gb always so); the others have one order.
"""

from __future__ import annotations

import re

from kokoro_cli.text import numbers as nums
from kokoro_cli.text.normalize import normalizer
from kokoro_cli.text.readings_en import LETTER
from kokoro_cli.text.readings_en import MONTHS as EN_MONTHS
from kokoro_cli.text.readings_romance import MONTHS as ROMANCE_MONTHS
from kokoro_cli.text.readings_romance import read_clock
from kokoro_cli.text.readings_romance import read_date as romance_date
from kokoro_cli.text.readings_romance import read_ordinal as romance_ordinal
from kokoro_cli.text.say_as_words import (
    CHAR_NAMES,
    CODE_NAMES,
    CODES,
    PLUS,
    ROMANCE_FRACTIONS,
    ROMANCE_SIGNS,
)

LANGS = ("en-us", "en-gb", "es", "fr-fr", "it", "pt-br")
DATE_FORMATS = ("mdy", "dmy", "ymd", "md", "dm", "ym", "my", "y", "m", "d")


class SayAsError(ValueError):
    """The text is not of the kind say-as named (or the language has no reader)."""


def _check(lang: str) -> None:
    if lang not in LANGS:
        raise SayAsError(f"say-as readers speak {', '.join(LANGS)}, not {lang!r}")


def _english(lang: str) -> bool:
    _check(lang)
    return lang.startswith("en")


def _no_digits_left(said: str, text: str, kind: str) -> str:
    if re.search(r"\d", said):
        raise SayAsError(f"cannot read {text!r} as {kind}")
    return re.sub(r"\s+", " ", said).strip()


# --- characters and digits ------------------------------------------------------------------


def read_characters(text: str, lang: str) -> str:
    """Each character on its own: letters by name, digits as digit words, symbols by name."""
    names = CHAR_NAMES["en" if _english(lang) else lang]
    said = []
    for ch in text:
        if ch.isdigit() and ch.isascii():
            said.append(nums.digits(ch, lang))
        elif ch.isalpha():
            up = ch.upper()
            said.append(LETTER.get(up, up) if lang.startswith("en") else up)
        elif ch in names:
            said.append(names[ch])
        elif not ch.isspace():
            said.append(ch)
    if not said:
        raise SayAsError(f"no characters to read in {text!r}")
    return " ".join(said)


def read_digits(text: str, lang: str) -> str:
    """Every digit as a word; groups the writer separated get a pause between them."""
    _check(lang)
    groups = re.findall(r"\d+", text)
    if not groups:
        raise SayAsError(f"no digits in {text!r}")
    return ", ".join(nums.digits(g, lang) for g in groups)


# --- numbers --------------------------------------------------------------------------------
def _split_number(text: str, lang: str) -> tuple[str, str, str]:
    """(sign, whole, fraction) of "1,234.5" (English) or "1.234,5" (the others); either mark
    as the decimal point when it is the only one and not followed by three digits."""
    t = re.sub(r"[\s\u00a0\u202f']", "", text.strip())
    m = re.fullmatch(r"([-−+]?)(\d[\d.,]*|[.,]\d+)", t)
    if not m:
        raise SayAsError(f"cannot read {text!r} as a number")
    sign, body = m[1], m[2]
    point = "." if _english(lang) else ","
    marks = [c for c in body if c in ".,"]
    if marks and len(set(marks)) == 2:
        point = body[max(body.rfind("."), body.rfind(","))]
    elif len(marks) == 1 and not re.search(r"[.,]\d{3}$", body):
        point = marks[0]
    whole, _, frac = body.partition(point) if point in body else (body, "", "")
    whole = re.sub(r"[.,]", "", whole)
    if not whole and not frac:
        raise SayAsError(f"cannot read {text!r} as a number")
    return sign, whole, frac


def read_cardinal(text: str, lang: str) -> str:
    """A number: "1,234" (en), "1.234,5" (es), "-7", ".5"."""
    sign, whole, frac = _split_number(text, lang)
    said = nums.decimal(whole, frac, lang) if frac else nums.cardinal(whole, lang)
    if sign in "-−" and sign:
        minus = {"es": "menos", "fr-fr": "moins", "it": "meno", "pt-br": "menos"}
        said = f"{minus.get(lang, 'minus')} {said}"
    return said


def read_ordinal(text: str, lang: str, feminine: bool = False) -> str:
    """ "3", "3rd", "3º" -> "third"/"tercero"; "2ª", "1re" or feminine=True: "segunda"."""
    _check(lang)
    m = re.fullmatch(r"\s*(\d[\d,.]*)\s*\.?\s*([^\W\d]*|[ºª°])\s*", text)
    if not m:
        raise SayAsError(f"cannot read {text!r} as an ordinal")
    n = int(re.sub(r"[,.]", "", m[1]))
    feminine = feminine or m[2].lower() in ("ª", "a", "ra", "re", "ère", "nde")
    if _english(lang):
        return nums.ordinal(n, lang)
    return romance_ordinal(n, lang, feminine)


def read_fraction(text: str, lang: str) -> str:
    """ "3/4" -> "three quarters", "2 1/2" -> "two and one half", "5/8" (fr) "cinq huitièmes"."""
    _check(lang)
    plain = re.sub(r"\s+", " ", text.replace("⁄", "/")).strip()
    plain = re.sub(r"(\d)\s*([½¼¾])", r"\1 \2", plain)
    plain = plain.replace("½", "1/2").replace("¼", "1/4").replace("¾", "3/4")
    m = re.fullmatch(r"(?:(\d+)(?:\s+|\s*\+\s*))?(\d+)\s*/\s*(\d+)", plain)
    if not m or int(m[3]) == 0:
        raise SayAsError(f"cannot read {text!r} as a fraction")
    whole, num, den = m[1], int(m[2]), int(m[3])
    if _english(lang):
        said = nums.fraction(num, den, lang)
        and_ = "and"
    else:
        named, and_, over = ROMANCE_FRACTIONS[lang]
        if den in named:
            one, many = named[den]
            said = f"{nums.cardinal(str(num), lang)} {one if num == 1 else many}"
            if lang in ("es", "it", "pt-br") and num == 1:
                said = f"{'um' if lang == 'pt-br' else 'un'} {one}"
        elif den <= 10:
            ordinal = nums.ordinal(den, lang)
            plural = re.sub(r"o$", "i", ordinal) if lang == "it" else ordinal + "s"
            said = f"{nums.cardinal(str(num), lang)} {ordinal if num == 1 else plural}"
        else:
            said = f"{nums.cardinal(str(num), lang)} {over} {nums.cardinal(str(den), lang)}"
        if whole and den == 2 and num == 1:  # dos y medio, deux et demi
            said = named[2][0]
    return f"{nums.cardinal(whole, lang)} {and_} {said}" if whole else said


def read_unit(text: str, lang: str) -> str:
    """A measure: "12kg", "5 km/h", "3 cc/s", "2,5 kg" (es): the amount and the unit's words."""
    _check(lang)
    if not re.search(r"\d", text):
        raise SayAsError(f"no amount in {text!r}")
    return _no_digits_left(normalizer(lang)(text), text, "a unit")


# --- dates ----------------------------------------------------------------------------------
def _month_from_name(name: str) -> int | None:
    key = name.lower().rstrip(".")
    if len(key) < 3:
        return None
    for names in (EN_MONTHS, *ROMANCE_MONTHS.values()):
        for k, month in enumerate(names, 1):
            if month.lower().startswith(key):
                return k
    return None


def parse_date(text: str, fmt: str) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) of `text` whose parts come in fmt's order ("dmy": "25.12.2020"); a
    month may be a name in any of the languages ("Dec", "diciembre"). Two-digit years are taken
    as 1951-2050."""
    if fmt not in DATE_FORMATS:
        raise SayAsError(f"unknown date format {fmt!r}: use one of {', '.join(DATE_FORMATS)}")
    parts = [p for p in re.split(r"[\s/.,\-]+", text.strip()) if p and p.lower() != "de"]
    if len(parts) != len(fmt):
        raise SayAsError(f"{text!r} does not have the parts of a {fmt} date")
    fields: dict[str, int] = {}
    for key, part in zip(fmt, parts, strict=True):
        part = re.sub(r"(?i)(st|nd|rd|th|º|er)$", "", part) if key == "d" else part
        if key == "m" and not part.isdigit():
            month = _month_from_name(part)
            if month is None:
                raise SayAsError(f"{part!r} is not a month")
            fields["m"] = month
        elif part.isdigit():
            fields[key] = int(part)
        else:
            raise SayAsError(f"{part!r} in {text!r} is not a number")
    if "y" in fields and len(parts[fmt.index("y")]) == 2:
        fields["y"] += 2000 if fields["y"] <= 50 else 1900
    if not 1 <= fields.get("m", 1) <= 12 or not 1 <= fields.get("d", 1) <= 31:
        raise SayAsError(f"{text!r} is not a valid {fmt} date")
    return fields.get("y"), fields.get("m"), fields.get("d")


def read_date(
    year: int | None, month: int | None, day: int | None, lang: str, fmt: str = "mdy"
) -> str:
    """The parts fmt names, in words: (2020, 1, 5, "en-us", "mdy") -> "January fifth, twenty
    twenty"; "dmy" -> "the fifth of January, twenty twenty"; "ym" -> "January twenty twenty";
    (2020, 1, 5, "es") -> "cinco de enero de dos mil veinte"."""
    if fmt not in DATE_FORMATS:
        raise SayAsError(f"unknown date format {fmt!r}: use one of {', '.join(DATE_FORMATS)}")
    year = year if "y" in fmt else None
    month = month if "m" in fmt else None
    day = day if "d" in fmt else None
    if year is None and month is None and day is None:
        raise SayAsError(f"no date parts for format {fmt!r}")
    if month is not None and not 1 <= month <= 12 or day is not None and not 1 <= day <= 31:
        raise SayAsError(f"no such date: month {month}, day {day}")
    if not _english(lang):
        return romance_date(year, month, day, lang)
    day_first = lang == "en-gb" or ("d" in fmt and "m" in fmt and fmt.index("d") < fmt.index("m"))
    return normalizer(lang).dates.read_date(year, month, day, day_first)  # type: ignore[attr-defined]


def read_date_text(text: str, lang: str, fmt: str = "mdy") -> str:
    """parse_date, then read_date: ("12/25/2020", "en-us", "mdy") -> "December twenty-fifth..."."""
    year, month, day = parse_date(text, fmt)
    return read_date(year, month, day, lang, fmt)


# --- times, telephones, currency ------------------------------------------------------------
def read_time(text: str, lang: str) -> str:
    """A clock time: "14:30", "2:30 pm", "10:00:00", "14h30", "5pm EST" (English zones)."""
    _check(lang)
    t = text.strip()
    m = re.fullmatch(r"(\d{1,2})(?:[:h.](\d{2}))?(?::(\d{2}))?\s*(?:h|hrs?)?\s*(.*)", t)
    if not m or not (m[2] or m[4] or "h" in t):
        raise SayAsError(f"cannot read {text!r} as a time")
    hours, minutes, seconds = int(m[1]), int(m[2] or 0), int(m[3] or 0)
    rest = m[4].strip()
    half = re.fullmatch(r"([aApP])\.?\s?[mM]\.?\s*(.*)", rest)
    if hours > 24 or minutes > 59 or seconds > 59 or (half and not 1 <= hours <= 12):
        raise SayAsError(f"{text!r} is no time of day")
    if _english(lang):
        zone = (half[2] if half else rest).strip()
        z = re.fullmatch(r"((?:[A-Za-z]\.?){1,5})\s*(?:([+-])(\d{1,2}))?", zone)
        if zone and not z:
            raise SayAsError(f"cannot read {zone!r} in {text!r} as a time zone")
        zone_said = " ".join(z[1].replace(".", "").upper()) if z else ""
        if z and z[2]:
            sign = "plus" if z[2] == "+" else "minus"
            zone_said += f" {sign} {nums.cardinal(str(int(z[3])), lang)}"
        dates = normalizer(lang).dates  # type: ignore[attr-defined]
        said = dates.read_time(hours, minutes, seconds or None, half[1] if half else "", zone_said)
        return re.sub(r"\s+", " ", said)
    if rest and not half or half and half[2].strip():
        raise SayAsError(f"cannot read {rest!r} in {text!r} in {lang}")
    if half:  # 10:30 pm in a Romance language: the 24-hour clock says it plainly
        hours = hours % 12 + (12 if half[1].lower() == "p" else 0)
    return read_clock(hours, minutes, lang, seconds)


def read_telephone(text: str, lang: str) -> str:
    """Each group of digits as written, with pauses: "+1 555-0199" -> "plus one, five five
    five, zero one nine nine"; French groups of two are said as numbers ("zéro un, vingt-trois")."""
    _check(lang)
    groups = re.findall(r"\d+", text)
    if not groups or re.search(r"[^\d\s().+\-/]", text):
        raise SayAsError(f"cannot read {text!r} as a telephone number")

    def group(g: str) -> str:
        if lang == "fr-fr" and len(g) % 2 == 0:
            return " ".join(
                nums.digits(p, lang) if p[0] == "0" and p != "00" else nums.cardinal(p, lang)
                for p in (g[k : k + 2] for k in range(0, len(g), 2))
            )
        return nums.digits(g, lang)

    said = ", ".join(group(g) for g in groups)
    if text.strip().startswith("+"):
        said = f"{PLUS.get(lang, 'plus')} {said}"
    return said


def read_currency(text: str, lang: str) -> str:
    """An amount of money: "$20.50", "20,50 €", "USD 20", "20 EUR", "£5", "¥30b"."""
    _check(lang)
    t = text.strip()
    m = re.fullmatch(r"([A-Z]{3})\s*(.+)|(.+?)\s*([A-Z]{3})", t)
    if m:
        code, amount = m[1] or m[4], (m[2] or m[3]).strip()
        if code in CODE_NAMES and _english(lang):
            one, many = CODE_NAMES[code]
            sign_, whole, frac = _split_number(amount, lang)
            said = nums.decimal(whole, frac, lang) if frac else nums.cardinal(whole, lang)
            return f"{said} {one if said == 'one' else many}"
        if code not in CODES:
            raise SayAsError(f"unknown currency code {code!r}")
        sign = CODES[code]
    else:
        m = re.fullmatch(
            r"((?:US|R|A|C|NZ|HK|S|Mex)?\$|[€£¥₹₩₽₺₪₱฿₴₦₫₿])\s*(.+)|(.+?)\s*([€£$¥])", t
        )
        if not m:
            raise SayAsError(f"cannot read {text!r} as an amount of money")
        sign, amount = (m[1], m[2]) if m[1] else (m[4], m[3])
    scale = re.search(r"\s*(?:[kKmMbB]|bn|thousand|million|billion|trillion)$", amount)
    core = amount[: scale.start()] if scale else amount
    sign_, whole, frac = _split_number(core, lang)
    if sign_ in "-−" and sign_:
        raise SayAsError(f"cannot read a negative amount {text!r}")
    if _english(lang):
        written = f"{sign}{whole}{'.' + frac if frac else ''}{scale[0] if scale else ''}"
    else:
        if sign not in ROMANCE_SIGNS:
            raise SayAsError(f"no {lang} name for the currency of {text!r}")
        written = f"{sign}{whole}{',' + frac if frac else ''}"
        if scale:
            raise SayAsError(f"write the scale of {text!r} in words for {lang}")
    return _no_digits_left(normalizer(lang)(written), text, "money")


# --- dispatch on interpret-as ---------------------------------------------------------------
_CJK = ("ja", "zh")


def _other_language(kind: str, text: str, lang: str, fmt: str) -> str | None:
    """Japanese, Mandarin, Hindi: the written form their front ends read (they have own readers
    for numbers); None when the text is not of the kind."""
    digits_only = re.fullmatch(r"[+-]?[\d.,\s]+", text)
    if kind in ("characters", "spell-out", "verbatim"):
        return " ".join(ch for ch in text if not ch.isspace())
    if kind in ("cardinal", "number", "digits"):
        return (
            (" ".join(ch for ch in text if ch.isdigit()) if kind == "digits" else text)
            if (digits_only)
            else None
        )
    if kind == "ordinal":
        m = re.fullmatch(r"(\d+)\D{0,3}", text)
        return (f"第{m[1]}" if lang in _CJK else m[1]) if m else None
    if kind == "date" and lang in _CJK:
        try:
            year, month, day = parse_date(text, fmt or "mdy")
        except SayAsError:
            return None
        return (
            (f"{year}年" if year else "")
            + (f"{month}月" if month else "")
            + (f"{day}日" if day else "")
        )
    if kind == "time" and lang in _CJK:
        m = re.fullmatch(r"(\d{1,2})[:h.](\d{2})", text)
        if not m or int(m[1]) > 24 or int(m[2]) > 59:
            return None
        return f"{int(m[1])}{'時' if lang == 'ja' else '点'}{int(m[2])}分"
    if kind == "telephone":
        groups = re.findall(r"\d+", text)
        return ", ".join(" ".join(g) for g in groups) if groups else None
    return normalizer(lang)(text) if kind in ("unit", "currency", "fraction") else None


READERS = {
    "characters": lambda t, lang, fmt: read_characters(t, lang),
    "spell-out": lambda t, lang, fmt: read_characters(t, lang),
    "verbatim": lambda t, lang, fmt: read_characters(t, lang),
    "cardinal": lambda t, lang, fmt: read_cardinal(t, lang),
    "number": lambda t, lang, fmt: read_cardinal(t, lang),
    "ordinal": lambda t, lang, fmt: read_ordinal(t, lang),
    "digits": lambda t, lang, fmt: read_digits(t, lang),
    "fraction": lambda t, lang, fmt: read_fraction(t, lang),
    "unit": lambda t, lang, fmt: read_unit(t, lang),
    "date": lambda t, lang, fmt: read_date_text(t, lang, fmt or "mdy"),
    "time": lambda t, lang, fmt: read_time(t, lang),
    "telephone": lambda t, lang, fmt: read_telephone(t, lang),
    "currency": lambda t, lang, fmt: read_currency(t, lang),
}


def read(kind: str, text: str, lang: str, fmt: str | None = None) -> str | None:
    """`text` read as interpret-as `kind` says it is; None if it is not one (see the module doc)."""
    kind = kind.strip().lower()
    if kind not in READERS:
        raise KeyError(kind)
    fmt = (fmt or "").strip().lower()
    if kind == "date" and fmt and fmt not in DATE_FORMATS:
        raise ValueError(
            f"format '{fmt}' is not a date format; use one of {', '.join(DATE_FORMATS)}"
        )
    text = " ".join(text.split())
    if not text:
        return ""
    if lang not in LANGS:
        return _other_language(kind, text, lang, fmt)
    try:
        return READERS[kind](text, lang, fmt)
    except SayAsError:
        return None
