"""Random tricky tokens for the nothing-dropped property test: what manuals, articles and books hold.

Each kind is a function of a random.Random; KINDS lists them (well over 100).
"""

from __future__ import annotations

import random
from collections.abc import Callable

Kind = Callable[[random.Random], str]


def _n(r: random.Random, lo: int = 0, hi: int = 99) -> str:
    return str(r.randint(lo, hi))


def _pick(*options: str) -> Kind:
    return lambda r: r.choice(options)


def _fmt(template: str, **ranges: tuple[int, int]) -> Kind:
    """template with {name} filled by a random integer in ranges[name]."""
    return lambda r: template.format(**{k: r.randint(*v) for k, v in ranges.items()})


MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
ROMAN = "I II III IV V VI VII VIII IX X XI XII XIV XIX XX XL L C MMXXIV".split()

KINDS: dict[str, Kind] = {
    # dotted numbers, versions, addresses
    "dotted3": _fmt("{a}.{b}.{c}", a=(0, 20), b=(0, 20), c=(0, 99)),
    "dotted4": _fmt("{a}.{b}.{c}.{d}", a=(0, 9), b=(0, 9), c=(0, 9), d=(0, 9)),
    "dotted5": _fmt("{a}.{b}.{c}.{d}.{e}", a=(1, 9), b=(1, 9), c=(1, 9), d=(1, 9), e=(1, 9)),
    "version_v": _fmt("v{a}.{b}", a=(0, 12), b=(0, 30)),
    "version_v3": _fmt("v{a}.{b}.{c}", a=(0, 12), b=(0, 30), c=(0, 30)),
    "version_cap": _fmt("V{a}.{b}", a=(0, 9), b=(0, 9)),
    "version_pre": _fmt("{a}.{b}.{c}-rc{d}", a=(0, 9), b=(0, 9), c=(0, 9), d=(1, 5)),
    "version_beta": _fmt("{a}.{b}b{c}", a=(0, 9), b=(0, 9), c=(1, 5)),
    "ipv4": _fmt("{a}.{b}.{c}.{d}", a=(1, 255), b=(0, 255), c=(0, 255), d=(0, 255)),
    "ip_port": _fmt(
        "{a}.{b}.{c}.{d}:{p}", a=(1, 255), b=(0, 255), c=(0, 9), d=(1, 9), p=(1, 65535)
    ),
    "ipv6": _pick("::1", "fe80::1", "2001:db8::ff00:42"),
    "section": _fmt("§{a}.{b}", a=(1, 30), b=(1, 9)),
    "decimal": _fmt("{a}.{b}", a=(0, 999), b=(0, 99)),
    "lead_decimal": _fmt(".{a}", a=(1, 99)),
    "grouped": _fmt("{a},{b:03d}", a=(1, 999), b=(0, 999)),
    "grouped2": _fmt("{a},{b:03d},{c:03d}", a=(1, 999), b=(0, 999), c=(0, 999)),
    "eu_number": _fmt("{a}.{b:03d},{c}", a=(1, 999), b=(0, 999), c=(0, 99)),
    "big": _fmt("{a}", a=(10**9, 10**15)),
    "huge": _fmt("{a}{b}", a=(10**15, 10**16), b=(0, 99999)),
    "negative": _fmt("-{a}", a=(1, 999)),
    "sci": _fmt("{a}e{b}", a=(1, 9), b=(-9, 9)),
    "leading_zero": _fmt("{a:04d}", a=(0, 999)),
    # times and dates
    "time": _fmt("{h}:{m:02d}", h=(0, 23), m=(0, 59)),
    "time_sec": _fmt("{h}:{m:02d}:{s:02d}", h=(0, 23), m=(0, 59), s=(0, 59)),
    "time_ms": _fmt("{m:02d}:{s:02d}.{ms:03d}", m=(0, 59), s=(0, 59), ms=(0, 999)),
    "time_am": _fmt("{h}:{m:02d} am", h=(1, 12), m=(0, 59)),
    "time_pm_dots": _fmt("{h}:{m:02d} p.m.", h=(1, 12), m=(0, 59)),
    "hour_pm": _fmt("{h}pm", h=(1, 12)),
    "iso_date": _fmt("{y}-{m:02d}-{d:02d}", y=(1900, 2099), m=(1, 12), d=(1, 28)),
    "iso_datetime": _fmt(
        "{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}",
        y=(1990, 2030),
        m=(1, 12),
        d=(1, 28),
        h=(0, 23),
        mi=(0, 59),
    ),  # fmt: skip
    "slash_date": _fmt("{m}/{d}/{y}", m=(1, 12), d=(1, 28), y=(1950, 2030)),
    "dot_date": _fmt("{d}.{m}.{y}", d=(1, 28), m=(1, 12), y=(1950, 2030)),
    "short_year_date": _fmt("{m}/{d}/{y:02d}", m=(1, 12), d=(1, 28), y=(0, 99)),
    "month_day": lambda r: f"{r.choice(MONTHS)} {r.randint(1, 28)}",
    "month_day_year": lambda r: f"{r.choice(MONTHS)}. {r.randint(1, 28)}, {r.randint(1800, 2030)}",
    "day_month": lambda r: f"{r.randint(1, 28)} {r.choice(MONTHS)} {r.randint(1800, 2030)}",
    "year": _fmt("{y}", y=(1000, 2099)),
    "decade": _pick("1990s", "'80s", "the 60s", "2020s"),
    "year_range": _fmt("{a}–{b}", a=(1900, 1999), b=(2000, 2030)),
    "duration": _fmt("{h}h{m:02d}m", h=(1, 9), m=(0, 59)),
    # money, percentages, units
    "dollars": _fmt("${a}.{c:02d}", a=(0, 9999), c=(0, 99)),
    "pounds": _fmt("£{a}", a=(1, 9999)),
    "euros_after": _fmt("{a},{c:02d} €", a=(1, 999), c=(0, 99)),
    "euro_before": _fmt("€{a}", a=(1, 999)),
    "yen": _fmt("¥{a}", a=(1, 99999)),
    "rupees": _fmt("₹{a}", a=(1, 99999)),
    "money_scale": lambda r: f"${r.randint(1, 99)}{r.choice(['M', 'B', 'k', ' million', 'bn'])}",
    "currency_code": lambda r: f"{r.randint(1, 999)} {r.choice(['USD', 'EUR', 'GBP', 'JPY'])}",
    "bitcoin": _fmt("₿{a}.{b}", a=(0, 9), b=(1, 999)),
    "percent": _fmt("{a}%", a=(0, 100)),
    "percent_dec": _fmt("{a}.{b}%", a=(0, 99), b=(0, 9)),
    "per_mille": _fmt("{a}‰", a=(0, 99)),
    "kmh": _fmt("{a} km/h", a=(1, 300)),
    "mph": _fmt("{a}mph", a=(1, 200)),
    "data": lambda r: f"{r.randint(1, 999)}{r.choice(['GB', 'MB', 'KB', 'TB', 'GiB', 'Mbps'])}",
    "mass": lambda r: f"{r.randint(1, 999)} {r.choice(['kg', 'lb', 'lbs', 'g', 'mg', 'oz'])}",
    "temp": lambda r: f"{r.randint(-40, 120)}°{r.choice('CF')}",
    "degrees": _fmt("{a}°", a=(0, 360)),
    "area": lambda r: f"{r.randint(1, 999)} {r.choice(['m²', 'km²', 'ft²', 'm³', 'cm³'])}",
    "length": lambda r: f"{r.randint(1, 999)}{r.choice(['cm', 'mm', 'km', 'm', 'ft', 'in', 'µm'])}",
    "freq": lambda r: f"{r.randint(1, 999)} {r.choice(['Hz', 'kHz', 'MHz', 'GHz'])}",
    "power": lambda r: f"{r.randint(1, 999)}{r.choice(['W', 'kW', 'kWh', 'V', 'mA', 'mAh'])}",
    "range_dash": _fmt("{a}–{b}", a=(1, 9), b=(10, 20)),
    "range_hyphen": _fmt("{a}-{b}", a=(1, 50), b=(51, 99)),
    "range_units": _fmt("{a}–{b} hours", a=(1, 5), b=(6, 9)),
    "range_decimal": _fmt("{a}.{b}-{c}.{d}x", a=(1, 9), b=(0, 9), c=(10, 20), d=(0, 9)),
    "range_to_percent": _fmt("{a}-{b}.{c}%", a=(1, 9), b=(10, 20), c=(0, 9)),
    "times": _fmt("{a}x", a=(2, 16)),
    "dims": _fmt("{a}x{b}", a=(1, 4000), b=(1, 4000)),
    "dims_times": _fmt("{a}×{b}", a=(1, 99), b=(1, 99)),
    # fractions, ordinals, ratios, scores, phone numbers
    "fraction": _fmt("{a}/{b}", a=(1, 9), b=(2, 16)),
    "vulgar": _pick("½", "¼", "¾", "⅓", "⅔", "⅛"),
    "mixed_fraction": lambda r: f"{r.randint(1, 9)} {r.choice(['½', '¼', '¾'])}",
    "ordinal": lambda r: (
        f"{(n := r.randint(1, 199))}{['th', 'st', 'nd', 'rd'][n % 10 if n % 10 < 4 and n % 100 not in (11, 12, 13) else 0]}"
    ),  # noqa: E501
    "ordinal_super": _pick("1ᵉʳ", "2ᵉ", "1º", "2ª", "3º"),
    "ratio": _fmt("{a}:{b}", a=(1, 9), b=(1, 9)),
    "score": _fmt("{a}-{b}", a=(0, 9), b=(0, 9)),
    "phone_us": _fmt("({a}) {b}-{c:04d}", a=(200, 999), b=(200, 999), c=(0, 9999)),
    "phone_short": _fmt("{a}-{b:04d}", a=(200, 999), b=(0, 9999)),
    "phone_intl": _fmt("+{a} {b} {c} {d}", a=(1, 99), b=(10, 99), c=(100, 999), d=(1000, 9999)),
    "phone_dots": _fmt("{a}.{b}.{c:04d}", a=(200, 999), b=(200, 999), c=(0, 9999)),
    "hash_number": _fmt("#{a}", a=(1, 999)),
    "number_abbrev": _fmt("No. {a}", a=(1, 99)),
    # web and code
    "url": lambda r: (
        r.choice(["https://", "http://", "www.", ""])
        + r.choice(["example.com", "docs.python.org/3/library", "kokoro.dev/a?b=1&c=2"])
    ),  # fmt: skip
    "email": _pick("jane.doe@example.com", "a_b+tag@mail.co.uk", "x@y.io"),
    "handle": _pick("@kokoro", "@jane_doe", "@x1"),
    "hashtag": _pick("#TTS", "#MondayMotivation", "#2024goals"),
    "path": _pick("/usr/local/bin", "C:\\Users\\me", "~/notes.txt", "./run.sh"),
    "filename": _pick("README.md", "setup.py", "photo_01.JPG", "data.tar.gz"),
    "code": _pick("foo()", "x_y", "a==b", "i++", "&&", "||", "->", "=>", "{key}", "<tag>"),
    "camel": _pick("JavaScript", "iPhone", "macOS", "OpenAI", "GitHub", "PyTorch"),
    "hex": _pick("0xFF", "0x1A2B", "#ff8800", "0b1010"),
    "uuid": _pick("3f2a-9c1e", "a1b2c3d4"),
    # letters and numbers together
    "alnum_tail": lambda r: f"{r.randint(1, 999)}{r.choice('ABCDEFGHJK')}",
    "alnum_head": lambda r: f"{r.choice('ABCDEFGHJKQ')}{r.randint(1, 99)}",
    "model_name": _pick(
        "MP3",
        "A4",
        "B12",
        "Q3",
        "COVID-19",
        "F-16",
        "R2-D2",
        "4K",
        "5G",
        "H2O",
        "CO2",
        "PS5",
        "3D",
        "4x4",
        "U2",
        "M1",
        "iOS17",
        "Win11",
    ),  # fmt: skip
    "acronym": _pick("NASA", "FBI", "U.S.", "e.g.", "i.e.", "etc.", "U.K.", "Ph.D.", "a.m."),
    "roman_context": lambda r: (
        f"{r.choice(['Chapter', 'Part', 'Book', 'Act', 'World War'])} {r.choice(ROMAN)}"
    ),
    "regnal": lambda r: f"{r.choice(['Henry', 'Louis', 'Elizabeth', 'George'])} {r.choice(ROMAN)}",
    "roman_alone": lambda r: r.choice(ROMAN),
    "title": _pick("Dr.", "Mr.", "Mrs.", "St.", "Prof.", "Jr.", "Sr.", "vs.", "Mt."),
    # punctuation and symbols
    "curly_quotes": _pick("“quoted”", "‘single’", "„low”", "«guillemets»", "‹one›"),
    "dashes": _pick("—", "–", "--", "―", "‒", "-"),
    "ellipsis": _pick("…", "...", ". . ."),
    "brackets": _pick("(", ")", "[", "]", "{", "}", "⟨x⟩"),
    "stops": _pick(".", "!", "?", "?!", "‽", ";", ":", ",", "。", "、"),
    "math": _pick("+", "−", "±", "×", "÷", "=", "≠", "≈", "≤", "≥", "∞", "√", "∑", "π", "∆", "°"),
    "math_expr": _fmt("{a}+{b}={c}", a=(1, 9), b=(1, 9), c=(2, 18)),
    "power_of": _pick("x²", "10³", "2^10", "e^x"),
    "symbols": _pick("&", "@", "#", "*", "†", "‡", "§", "¶", "©", "®", "™", "•", "·", "|", "/"),
    "arrows": _pick("→", "←", "↑", "⇒", "↔"),
    "bullets": _pick("•", "◦", "▪", "–", "*"),
    "apostrophes": _pick("don't", "it's", "’90s", "rock ’n’ roll", "O'Brien"),
    "emoji": _pick("😀", "👍🏽", "🇫🇷", "❤️", "👨‍👩‍👧", "🎉", "☕"),
    "ligatures": _pick("ﬁne", "ﬂow", "æther", "œuvre", "ﬀ"),
    "accented": _pick("café", "naïve", "résumé", "Zoë", "Ångström"),
    "fullwidth": _pick("ＡＢＣ", "１２３", "！"),
    "superscripts": _pick("²", "³", "¹", "ⁿ", "₂"),
    "control": _pick("\u200b", "\u00ad", "\ufeff", "\u2028", "\u00a0"),
    "other_script": _pick("Москва", "東京", "Ελλάδα", "שלום", "مرحبا", "한국"),
    "markup_like": _pick("*bold*", "_it_", "`code`", "<b>", "&amp;", "[1]", "(see §2)"),
    "footnote": _pick("[12]", "¹", "*", "(ibid.)"),
    "repeat_punct": _pick("!!!", "???", "...!", "—!"),
    "spaced_letters": _pick("A B C", "x y z"),
    "initials": _pick("J. R. R.", "J.K.", "T. S."),
    "star_rating": _pick("★★★☆☆", "4/5", "10/10"),
    "chess": _pick("e4", "Nf3", "O-O", "Qxd5+"),
    "iso_codes": _pick("ISO 8601", "UTF-8", "H.264", "IEEE 754", "802.11ac"),
    # issue 26: tokens a careful reader reads in a particular way
    "ordinal_grouped": _fmt("{a},{b:03d}th", a=(1, 99), b=(0, 999)),
    "mixed_unit": lambda r: (
        f"{r.randint(1, 9)} {r.choice(['1/2', '1/4', '3/4'])} "
        + r.choice(["lbs", "kg", "tsp", "mi", "oz"])
    ),
    "fraction_unit": lambda r: f"{r.choice(['1/2', '3/4', '5/16'])} {r.choice(['lb', 'in', 'h'])}",
    "tax_code": _pick("401(k)", "403(b)", "501(c)(3)", "457(b)"),
    "quarter": _fmt("{q}Q{y:02d}", q=(1, 4), y=(0, 99)),
    "range_ampm": lambda r: (
        f"{r.randint(1, 12)}{r.choice(['am', 'pm', ' a.m.', ''])}-"
        f"{r.randint(1, 12)}{r.choice(['am', 'pm', ' p.m.', ' PM'])}"
    ),
    "range_clock": _fmt("{a}:{b:02d}-{c}:{d:02d}", a=(0, 12), b=(0, 59), c=(1, 23), d=(0, 59)),
    "range_money": lambda r: (
        f"${r.randint(1, 999)}-{r.choice(['$', ''])}{r.randint(1, 999)}"
        + r.choice(["", "M", " million", ".50"])
    ),
    "range_decades": _pick("1960s-80s", "1960s-1980s", "mid-80s", "the 90s", "in her 30s"),
    "range_years_short": _fmt("{a}-{b:02d}", a=(1900, 2030), b=(0, 99)),
    "range_with_unit": lambda r: (
        f"{r.randint(1, 2000)}-{r.randint(1, 2000)} " + r.choice(["kg", "km", "%", "lbs", "GB"])
    ),
    "feet_inches": lambda r: r.choice(
        [
            f"{r.randint(4, 7)}'{r.randint(0, 11)}\"",
            f"{r.randint(4, 7)} ft {r.randint(0, 11)} in",
            f"{r.randint(4, 7)}′{r.randint(0, 11)}″",
            f'{r.randint(10, 80)}" screen',
        ]
    ),  # fmt: skip
    "letter_label": _pick("Figure X", "Exhibit X", "Chapter X", "Table II", "Generation X"),
    "given_regnal": _pick("Sam II", "Tom III", "John Smith III", "Rocky II", "Sam I am"),
    "music_note": _pick("C#", "F# minor", "A♭", "B♭", "Eb major", "G♯", "E♮"),
    "month_lower": lambda r: r.choice(
        [
            f"{r.choice(MONTHS).lower()}. {r.randint(1, 28)}",
            f"{r.choice(MONTHS).upper()} {r.randint(1, 28)} {r.randint(1900, 2030)}",
            f"{r.choice(MONTHS)}-{r.randint(1, 28)}-{r.randint(1900, 2030)}",
            f"{r.randint(1, 28)} {r.choice(MONTHS).lower()}",
            "may 5",
            "march 3",
            "sept. 25",
        ]
    ),  # fmt: skip
    "numeric_date": lambda r: r.choice(
        [
            f"{r.randint(1900, 2030)}/{r.randint(1, 12):02d}/{r.randint(1, 28):02d}",
            f"{r.randint(13, 28)}-{r.randint(1, 12):02d}-{r.randint(1900, 2030)}",
            f"{r.randint(1, 12)}/{r.randint(1, 28)}/{r.randint(0, 99):02d}",
        ]
    ),  # fmt: skip
    "era": lambda r: f"{r.randint(1, 2000)} {r.choice(['AD', 'BC', 'BCE', 'A.D.', 'CE'])}",
    "money_edge": _pick(
        "$.01",
        ".1665",
        "$20.5",
        "$20.506",
        "US$76.3 trillion",
        "¥30b",
        "₩460 billion",
        "A$50",
        "₹20.50",
        "50¢",
        "$5mm",
    ),  # fmt: skip
    "money_per": lambda r: (
        f"{r.choice(['$', '£', '€'])}{r.randint(1, 999)}/"
        + r.choice(["mo", "hr", "wk", "yr", "d", "kg", "person", "month"])
    ),
    "unit_compound": _pick(
        "12/kg",
        "12kg/kg",
        "3 cc/s",
        "km³",
        "45º",
        "9.8 m/s²",
        "10 GB/s",
        "12KG",
        "3 mbps",
        "100 million kg",
        "2x8 m2",
        "40°26'46\"N",
    ),  # fmt: skip
    "time_zone": lambda r: (
        f"{r.randint(1, 12)}:{r.randint(0, 59):02d} "
        + r.choice(["p.m. e.s.t", "a.m. PST", "pm EST", "p.m.est", "UTC+2", "GMT", "am CET"])
    ),
    "phone_dashes": lambda r: r.choice(
        [
            f"{r.randint(200, 999)}-{r.randint(200, 999)}-{r.randint(0, 9999):04d}",
            f"{r.randint(100, 999)}-{r.randint(10, 99)}-{r.randint(0, 9999):04d}",
            f"+1 ({r.randint(200, 999)})-{r.randint(200, 999)}-{r.randint(0, 9999):04d}",
            "1-800-GO-U-HAUL",
        ]
    ),  # fmt: skip
    "zip_state": _pick("Santa Clara, CA 95051", "Austin, TX 78701-1234", "City, NY", "Hello, OK"),
    "card_ending": lambda r: (
        f"{r.choice(['card ending in', 'PIN', 'order #', 'zip code'])} {r.randint(0, 99999):04d}"
    ),
    "dotted_digits": _fmt("{a}.{b}.{c}.{d}", a=(256, 999), b=(100, 999), c=(0, 9), d=(10, 99)),
    "alnum_code": lambda r: f"{r.choice(['ab', 't', 'A', 'F', 'xz'])}{r.randint(100, 99999)}",
    "address": lambda r: (
        f"{r.randint(1, 9999)} {r.choice(['N', 'S', 'E', 'W', 'NE'])} "
        + f"{r.choice(['Arques', '1st', 'Elm', 'San Tomas'])} "
        + r.choice(["Ave", "St", "Expy", "Hwy", "Ct", "Blvd", "st"])
    ),
    "route": _pick("Hwy 101", "Route 66", "I-95", "US-101"),
    "url_scheme": _pick(
        "https://developer.example.com/drive-sim",
        "file:///c/code/docs/intro.html",
        "ftp://files.example.org/pub",
        "HTTPS://EXAMPLE.COM/A",
        "example.com/12-sm",
    ),  # fmt: skip
    "slash_words": _pick("upgrade/update", "TCP/IP", "he/she", "words/minute", "24/7", "w/o"),
    "email_path": _pick("user@host/123-sm", "sdf@gmail.com/123-sm", "a@hotmail.de"),
}


def sentence(r: random.Random, canaries: list[str], start: int, n_canaries: int) -> str:
    """n_canaries canary words (cyclically from `start`), a random tricky token between each."""
    parts: list[str] = []
    for k in range(n_canaries):
        parts.append(canaries[(start + k) % len(canaries)])
        if k < n_canaries - 1 or r.random() < 0.5:
            parts.append(KINDS[r.choice(KIND_NAMES)](r))
    end = r.choice([".", ".", "!", "?", "", "…", ";"])
    return " ".join(parts) + end


KIND_NAMES = sorted(KINDS)
