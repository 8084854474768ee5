"""SSML <say-as>: a token read as its author says it is: letters, a number, a date, a phone number.

Each reading returns words (or, in Japanese and Mandarin, the written form their readers know),
built from the same readers plain text goes through (numbers.py, the English and Romance
normalizers), so a say-as and the plain reading of the same token agree. None means the content
is not what interpret-as says it is; the caller then reads it as plain text, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text import numbers as nums
from kokoro_cli.text.normalize import normalizer
from kokoro_cli.text.readings_en import LETTER, MONTHS

DATE_FORMATS = ("mdy", "dmy", "ymd", "md", "dm", "ym", "my", "y", "m", "d")
_ROMANCE = ("es", "fr-fr", "it", "pt-br")
_CJK = ("ja", "zh")
_SYMBOLS = {".": "dot", ",": "comma", "-": "dash", "_": "underscore", "/": "slash",
            "\\": "backslash", "@": "at", "#": "hash", "&": "and", "+": "plus", "=": "equals",
            ":": "colon", ";": "semicolon", "!": "exclamation mark", "?": "question mark",
            "'": "apostrophe", '"': "quote", "(": "open paren", ")": "close paren", "*": "star",
            "%": "percent", "$": "dollar", "€": "euro", "£": "pound", "~": "tilde"}  # fmt: skip
_MONTHS = {
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "fr-fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre"
    " dicembre",
    "pt-br": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro"
    " dezembro",
}
_FIRST = {"fr-fr": "premier", "it": "primo", "pt-br": "primeiro"}  # "the first" of a month
_OF = {"es": "de", "fr-fr": "", "it": "", "pt-br": "de"}
_PLUS = {"es": "más", "fr-fr": "plus", "it": "più", "pt-br": "mais", "en-us": "plus",
         "en-gb": "plus"}  # fmt: skip
# Fractions: (one, many) for halves, thirds, quarters; other denominators say "n over d".
_FRACTIONS = {
    "es": ({2: ("medio", "medios"), 3: ("tercio", "tercios"), 4: ("cuarto", "cuartos")}, "sobre"),
    "fr-fr": ({2: ("demi", "demis"), 3: ("tiers", "tiers"), 4: ("quart", "quarts")}, "sur"),
    "it": ({2: ("mezzo", "mezzi"), 3: ("terzo", "terzi"), 4: ("quarto", "quarti")}, "su"),
    "pt-br": ({2: ("meio", "meios"), 3: ("terço", "terços"), 4: ("quarto", "quartos")}, "sobre"),
}
_CURRENCY_CODES = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "BRL": "R$"}
_NUMBER_EN = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
_NUMBER_EU = re.compile(r"([+-]?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?")
_ORDINAL = re.compile(r"(\d+)\s*(?:st|nd|rd|th|º|ª|°|er|re|e|o|a|\.)?", re.IGNORECASE)
_FRACTION = re.compile(r"(?:(\d+)[\s+-]+)?(\d+)\s*/\s*(\d+)")
_CLOCK = re.compile(r"(\d{1,2})(?::|h|\.)(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)


def read(kind: str, text: str, lang: str, fmt: str | None = None) -> str | None:
    """`text` as `kind` (an interpret-as value) says it is, or None if it is not one."""
    reader = READERS.get(kind.strip().lower())
    if reader is None:
        raise KeyError(kind)
    text = " ".join(text.split())
    return reader(text, lang, (fmt or "").strip().lower()) if text else ""


def _characters(text: str, lang: str, fmt: str) -> str:
    """Letter by letter, digits as digits; symbols by name in English ("R2-D2")."""
    if lang in _CJK:
        return " ".join(ch for ch in text if not ch.isspace())
    english = lang.startswith("en")
    said = []
    for ch in text:
        if ch.isspace():
            continue
        if ch.isdigit() and lang != "hi":
            said.append(nums.digits(ch, lang))
        elif ch.isalpha():
            said.append(LETTER.get(ch.upper(), ch.upper()) if english else ch.upper())
        else:
            said.append(_SYMBOLS.get(ch, ch) if english else ch)
    return " ".join(said)


def _number(text: str, lang: str) -> tuple[str, str, str | None] | None:
    """(sign, whole, fraction digits) of a number as `lang` writes it."""
    m = (_NUMBER_EU if lang in _ROMANCE else _NUMBER_EN).fullmatch(text)
    if not m:
        return None
    return m[1], re.sub(r"[.,]", "", m[2]), m[3]


def _cardinal(text: str, lang: str, fmt: str) -> str | None:
    if lang not in nums.NUM2WORDS_LANG:
        return text if re.fullmatch(r"[+-]?[\d.,]+", text) else None  # its own reader says it
    found = _number(text, lang)
    if found is None:
        return None
    sign, whole, frac = found
    minus = {
        "-": {"es": "menos", "fr-fr": "moins", "it": "meno", "pt-br": "menos"}.get(lang, "minus")
    }
    said = nums.decimal(whole, frac, lang) if frac else nums.cardinal(whole, lang)
    return f"{minus.get(sign, '')} {said}".strip()


def _ordinal(text: str, lang: str, fmt: str) -> str | None:
    m = _ORDINAL.fullmatch(text)
    if not m:
        return None
    if lang not in nums.NUM2WORDS_LANG:
        return {"ja": f"第{m[1]}", "zh": f"第{m[1]}"}.get(lang, m[1])
    return nums.ordinal(int(m[1]), lang)


def _digits(text: str, lang: str, fmt: str) -> str | None:
    if not re.fullmatch(r"[\d\s]+", text):
        return None
    if lang not in nums.NUM2WORDS_LANG:
        return " ".join(ch for ch in text if ch.isdigit())
    return nums.digits(text, lang)


def _fraction(text: str, lang: str, fmt: str) -> str | None:
    m = _FRACTION.fullmatch(text)
    if not m or int(m[3]) == 0 or lang not in nums.NUM2WORDS_LANG:
        return None if not m or int(m[3]) == 0 else text
    num, den = int(m[2]), int(m[3])
    if lang.startswith("en"):
        said = nums.fraction(num, den, lang)
        joint = "and"
    else:
        names, over = _FRACTIONS[lang]
        count = nums.cardinal(str(num), lang)
        if den in names:
            said = f"{count} {names[den][0] if num == 1 else names[den][1]}"
        else:
            said = f"{count} {over} {nums.cardinal(str(den), lang)}"
        joint = {"es": "y", "fr-fr": "et", "it": "e", "pt-br": "e"}[lang]
    return f"{nums.cardinal(m[1], lang)} {joint} {said}" if m[1] else said


def _plain(text: str, lang: str, fmt: str) -> str | None:
    """unit, currency, time: what the plain-text normalizer makes of it (so they agree)."""
    return normalizer(lang)(text)


def _currency(text: str, lang: str, fmt: str) -> str | None:
    m = re.fullmatch(r"([A-Z]{3})\s?([\d.,]+)|([\d.,]+)\s?([A-Z]{3})", text)
    if m:
        code, amount = (m[1], m[2]) if m[1] else (m[4], m[3])
        if code in _CURRENCY_CODES:
            symbol = _CURRENCY_CODES[code]
            text = f"{symbol}{amount}" if lang.startswith("en") else f"{amount} {symbol}"
    return normalizer(lang)(text)


def _time(text: str, lang: str, fmt: str) -> str | None:
    m = _CLOCK.fullmatch(text)
    if not m or int(m[1]) > 24 or int(m[2]) > 59:
        return None
    if lang in _CJK:
        hour = "時" if lang == "ja" else "点"
        return f"{int(m[1])}{hour}{int(m[2])}分"
    clock = f"{m[1]}:{m[2]}" + (f":{m[3]}" if m[3] else "")
    half = (m[4] or "").replace(".", "").upper()
    return normalizer(lang)(f"{clock} {half}".strip())


def _telephone(text: str, lang: str, fmt: str) -> str | None:
    groups = re.findall(r"\d+", text)
    if not groups or re.search(r"[^\d\s()+./-]", text):
        return None
    if lang not in nums.NUM2WORDS_LANG:
        return ", ".join(" ".join(g) for g in groups)
    said = ", ".join(nums.digits(g, lang) for g in groups)
    return f"{_PLUS[lang]} {said}" if text.lstrip().startswith("+") else said


def _month(field: str, lang: str) -> int | None:
    if field.isdigit():
        return int(field) if 1 <= int(field) <= 12 else None
    names = [m.lower() for m in MONTHS]
    if lang in _MONTHS:
        names = _MONTHS[lang].split()
    key = field.lower().rstrip(".")
    found = [i for i, name in enumerate(names) if len(key) >= 3 and name.startswith(key)]
    return found[0] + 1 if found else None


def _date(text: str, lang: str, fmt: str) -> str | None:
    """A date in the order `fmt` gives (mdy, dmy, ymd, md, dm, ym, my, y, m, d)."""
    fmt = fmt or "mdy"
    if fmt not in DATE_FORMATS:
        raise ValueError(
            f"format '{fmt}' is not a date format; use one of {', '.join(DATE_FORMATS)}"
        )
    fields = [f for f in re.split(r"[-/.,\s]+", text) if f]
    if len(fields) != len(fmt):
        return None
    parts = dict(zip(fmt, fields, strict=True))
    day = int(parts["d"]) if parts.get("d", "1").isdigit() else None
    month = _month(parts["m"], lang) if "m" in parts else 1
    year = parts.get("y")
    if day is None or not 1 <= day <= 31 or month is None or (year and not year.isdigit()):
        return None
    if lang in _CJK:
        written = (f"{year}年" if year else "") + (f"{month}月" if "m" in parts else "")
        return written + (f"{day}日" if "d" in parts else "")
    if lang.startswith("en"):
        return _english_date(fmt, day, month, year, lang)
    if lang not in _MONTHS:
        return None
    said = []
    if "d" in parts:
        said.append(_FIRST[lang] if day == 1 and lang in _FIRST else nums.cardinal(str(day), lang))
    if "m" in parts:
        said += [_OF[lang] if "d" in parts else "", _MONTHS[lang].split()[month - 1]]
    if year:
        said += [_OF[lang] if "m" in parts else "", nums.cardinal(year, lang)]
    return " ".join(s for s in said if s)


def _english_date(fmt: str, day: int, month: int, year: str | None, lang: str) -> str:
    name, nth = MONTHS[month - 1], nums.ordinal(day, lang)
    said_year = nums.year(int(year), lang) if year else ""
    if fmt in ("y",):
        return said_year
    if fmt == "m":
        return name
    if fmt == "d":
        return f"the {nth}"
    if fmt in ("ym", "my"):
        return f"{name} {said_year}"
    said = f"the {nth} of {name}" if fmt.startswith("d") else f"{name} {nth}"
    return f"{said}, {said_year}" if year else said


READERS: dict[str, Callable[[str, str, str], str | None]] = {
    "characters": _characters,
    "spell-out": _characters,
    "verbatim": _characters,
    "cardinal": _cardinal,
    "number": _cardinal,
    "ordinal": _ordinal,
    "digits": _digits,
    "fraction": _fraction,
    "unit": _plain,
    "date": _date,
    "time": _time,
    "telephone": _telephone,
    "currency": _currency,
}
