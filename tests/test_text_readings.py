"""Issues 12 and 26's readings: written forms and how they must be spoken, compared as phonemes.

Each written form and its expected spoken words go through the whole front-end; their phonemes
must agree (stress and punctuation aside: a comma's pause is not a reading). Comparing phonemes,
not normalized text, also catches a right text that espeak would still misread. Issue 12's rows
are below; issue 26's, by class of token, are in tests/readings_table.py.
"""

from __future__ import annotations

import re

import pytest

from kokoro_cli.text import phonemize
from tests.readings_table import EN_TABLES, ROMANCE

EN = {
    # versions, dotted numbers, addresses
    "Install version 3.11.7 of Python today.": "Install version three point eleven point seven"
    " of Python today.",
    "v1.9 is out": "version one point nine is out",
    "upgrade to V2.0.1": "upgrade to version two point zero point one",
    "see section 3.2.1": "see section three point two point one",
    "steps 1.2.3.4.5 and on": "steps one point two point three point four point five and on",
    "ping 192.168.0.1 now": "ping one nine two dot one six eight dot zero dot one now",
    "host 10.0.0.254 is up": "host one zero dot zero dot zero dot two five four is up",
    "Python 3.08.1": "Python three point zero eight point one",
    "born 24.12.1999 in Rome": "born the twenty-fourth of December nineteen ninety-nine in Rome",
    # alphanumerics
    "room 4B": "room four B",
    "221B Baker St.": "two hundred twenty-one B Baker Street.",
    "vitamin B12": "vitamin B twelve",
    "an MP3 file": "an MP three file",
    "in Q3": "in Q three",
    "COVID-19 cases": "COVID nineteen cases",
    "A4 paper": "eigh four paper",
    "H2O and CO2": "H two O and CO two",
    "a 3D printer": "a three D printer",
    "my x86 laptop": "my X eighty-six laptop",
    # Roman numerals in context, and "I" the pronoun
    "World War II": "World War two",
    "after World War I ended": "after World War one ended",
    "Chapter IV": "Chapter four",
    "Part III begins": "Part three begins",
    "Act V, Scene II": "Act five, Scene two",
    "Volume XII": "Volume twelve",
    "Henry VIII": "Henry the Eighth",
    "Louis XIV was king": "Louis the Fourteenth was king",
    "Elizabeth II.": "Elizabeth the Second.",
    "Pope John Paul II": "Pope John Paul the Second",
    "Super Bowl LVIII": "Super Bowl fifty-eight",
    "Rocky II": "Rocky two",
    "Then I went home.": "Then I went home.",
    "John I think so.": "John I think so.",
    "Appendix C": "Appendix C",
    # phone numbers, ratios, scores, times with seconds
    "call 555-0199": "call five five five zero one nine nine",
    "call (212) 555-0142": "call two one two five five five zero one four two",
    "call 1-800-555-1234": "call one eight zero zero five five five one two three four",
    "dial +44 20 7946 0958": "dial plus four four two zero seven nine four six zero nine five eight",
    "a 2:1 ratio": "a two to one ratio",
    "in 16:9 format": "in sixteen to nine format",
    "A 3:1 split": "A three to one split",
    "read Genesis 1:1 aloud": "read Genesis one one aloud",
    "version 1.2.3.4": "version one point two point three point four",
    "DNS 8.8.8.8": "DNS eight dot eight dot eight dot eight",
    "Malcolm X spoke": "Malcolm X spoke",
    "it took 3:05:42": "it took three hours five minutes and forty-two seconds",
    "at 10:30:15 PM": "at ten thirty and fifteen seconds PM",
    "lap time 1:23.5": "lap time one minute twenty-three point five seconds",
    "the score was 3-2": "the score was three to two",
    "at 10:30 a.m. today": "at ten thirty AM today",
    # units and ranges
    "100 km/h": "one hundred kilometers per hour",
    "60 mph": "sixty miles per hour",
    "16 GB of RAM": "sixteen gigabytes of RAM",
    "512 MB": "five hundred twelve megabytes",
    "64 KB": "sixty-four kilobytes",
    "5 kg": "five kilograms",
    "1 lb": "one pound",
    "12 lbs": "twelve pounds",
    "20 °C": "twenty degrees Celsius",
    "-40°F": "minus forty degrees Fahrenheit",
    "50 m²": "fifty square meters",
    "3 m³": "three cubic meters",
    "4–6 hours": "four to six hours",
    "ages 40-45": "ages forty to forty-five",
    "from 1990–1995": "from nineteen ninety to nineteen ninety-five",
    "a 6.8-7.0x speedup": "a six point eight to seven point zero times speedup",
    "grew 3-4.5%": "grew three to four point five percent",
    "1.5–2 hours": "one point five to two hours",
    "10x faster": "ten times faster",
    "1.7x faster": "one point seven times faster",
    "a 1920x1080 screen": "a nineteen twenty by ten eighty screen",
    # money, percent, fractions, ordinals, dates
    "$1,250.50": "one thousand two hundred fifty dollars and fifty cents",
    "$4B budget": "four billion dollars budget",
    "50%": "fifty percent",
    "3/4 cup": "three quarters cup",
    "7½ inches": "seven and one half inches",
    "2 3/4 miles": "two and three quarters miles",
    "the 21st": "the twenty-first",
    "on 2024-01-03": "on January third twenty twenty-four",
    "± 5": "plus or minus five",
    "§ 4": "section four",
}
OTHER = {
    "es": {
        "cuesta 5 €": "cuesta cinco euros",
        "el 25 %": "el veinticinco por ciento",
        "a 100 km/h": "a cien kilómetros por hora",
        "la versión 3.11.7 hoy": "la versión tres punto once punto siete hoy",
        "la IP 192.168.0.1": "la IP uno nueve dos punto uno seis ocho punto cero punto uno",
        "una proporción 2:1": "una proporción dos a uno",
        "duró 3:05:42": "duró tres horas cinco minutos y cuarenta y dos segundos",
        "llama al 555-0199": "llama al cinco cinco cinco cero uno nueve nueve",
        "a las 10:05": "a las diez y cinco",
        "a la 1:00": "a la una en punto",
    },
    "fr-fr": {
        "la version v1.9": "la version version un point neuf",
        "un rapport 2:1": "un rapport deux contre un",
        "il a duré 1:00:05": "il a duré une heure et cinq secondes",
        "rendez-vous à 10:05": "rendez-vous à dix heures cinq",
    },
    "it": {
        "la versione 3.2.1": "la versione tre punto due punto uno",
        "durata 0:05:00": "durata cinque minuti",
        "alle 9:30": "alle nove e trenta",
    },
    "pt-br": {
        "versão 2.0.1 hoje": "versão dois ponto zero ponto um hoje",
        "ligue 555-0199": "ligue cinco cinco cinco zero um nove nove",
        "às 10:05": "às dez e cinco",
    },
}
OTHER_CASES = [(lang, w) for lang, table in OTHER.items() for w in table]
CLASS_CASES = [(kind, w) for kind, table in EN_TABLES.items() for w in table]
_IGNORED = re.compile(r"[ˈˌ\s,.;:!?—…\"“”()-]+")


def _same(written: str, spoken: str, lang: str) -> tuple[str, str]:
    return _IGNORED.sub("", phonemize(written, lang)), _IGNORED.sub("", phonemize(spoken, lang))


def test_the_table_is_big_enough() -> None:
    assert len(EN) >= 60
    rows = len(EN) + len(OTHER_CASES) + len(CLASS_CASES) + len(ROMANCE)
    assert rows >= 300 + 90 and len(ROMANCE) >= 60, rows  # issue 26: 300 rows beyond issue 12's
    assert len({lang for lang, _, _ in ROMANCE}) == 4


@pytest.mark.parametrize("written", list(EN))
def test_english_readings(written: str) -> None:
    got, want = _same(written, EN[written], "en-us")
    assert got == want, f"{written!r} should be read as {EN[written]!r}"


@pytest.mark.parametrize(("lang", "written"), OTHER_CASES)
def test_other_languages_readings(lang: str, written: str) -> None:
    got, want = _same(written, OTHER[lang][written], lang)
    assert got == want, f"{written!r} should be read as {OTHER[lang][written]!r} in {lang}"


@pytest.mark.parametrize(("kind", "written"), CLASS_CASES)
def test_english_readings_by_class(kind: str, written: str) -> None:
    spoken = EN_TABLES[kind][written]
    got, want = _same(written, spoken, "en-us")
    assert got == want, f"{kind}: {written!r} should be read as {spoken!r}"


@pytest.mark.parametrize(("lang", "written", "spoken"), ROMANCE)
def test_romance_readings_by_class(lang: str, written: str, spoken: str) -> None:
    got, want = _same(written, spoken, lang)
    assert got == want, f"{written!r} should be read as {spoken!r} in {lang}"


def test_british_readings_match_too() -> None:
    for written in ("World War II", "room 4B", "v1.9 is out", "call 555-0199", "a 2:1 ratio"):
        got, want = _same(written, EN[written], "en-gb")
        assert got == want, written


# --- Roman numerals in Spanish, French and Portuguese (espeak: "Louis quatorze romain") --------

ROMANS = [
    ("fr-fr", "Louis XIV régna.", "Louis quatorze régna."),
    ("fr-fr", "Napoléon I mourut.", "Napoléon premier mourut."),
    ("fr-fr", "Élisabeth I régna.", "Élisabeth première régna."),
    ("fr-fr", "Le pape Jean XXIII.", "Le pape Jean vingt-trois."),
    ("fr-fr", "Charles X, roi.", "Charles dix, roi."),
    ("fr-fr", "Le chapitre IV commence.", "Le chapitre quatre commence."),
    ("fr-fr", "CHAPITRE II", "CHAPITRE deux"),
    ("fr-fr", "Le XV de France gagne.", "Le quinze de France gagne."),
    ("fr-fr", "Malcolm X parle.", "Malcolm X parle."),  # a name, and a letter
    ("fr-fr", "la vitamine C", "la vitamine C"),
    ("fr-fr", "Le XIXe siècle.", "Le dix-neuvième siècle."),
    ("es", "Felipe II reinó.", "Felipe segundo reinó."),
    ("es", "Isabel II habló.", "Isabel segunda habló."),
    ("es", "Carlos V fue rey.", "Carlos quinto fue rey."),
    ("es", "Alfonso XIII reinó.", "Alfonso trece reinó."),
    ("es", "Juan Pablo II viajó.", "Juan Pablo segundo viajó."),
    ("es", "El capítulo V empieza.", "El capítulo cinco empieza."),
    ("pt-br", "Dom João VI chegou.", "Dom João sexto chegou."),
    ("pt-br", "Dom Pedro II reinou.", "Dom Pedro segundo reinou."),
    ("pt-br", "Maria I reinou.", "Maria primeira reinou."),
    ("pt-br", "Papa Bento XVI renunciou.", "Papa Bento dezesseis renunciou."),
    ("it", "Luigi XIV regnò.", "Luigi XIV regnò."),  # espeak says "quattordicesimo" itself
]


@pytest.mark.parametrize(("lang", "text", "said"), ROMANS)
def test_roman_numerals_are_read_as_readers_of_each_language_read_them(
    lang: str, text: str, said: str
) -> None:
    from kokoro_cli.text.normalize import normalize

    assert normalize(text, lang) == said
    assert "ʁomˈɛ̃" not in phonemize(text, lang)  # espeak's "romain" is never said


# --- a number agrees with the noun it counts (Spanish, Portuguese) ----------------------------

AGREEMENT = [
    ("es", "Tengo 21 años y 1 hora.", "Tengo veintiún años y una hora."),
    ("es", "Son 200 personas y 31 días.", "Son doscientas personas y treinta y un días."),
    ("es", "Son 1.200 personas.", "Son mil doscientas personas."),
    ("es", "Hace 101 años.", "Hace ciento un años."),
    ("es", "Cuesta £200.", "Cuesta doscientas libras."),
    ("es", "Llegaron 21 ayer.", "Llegaron veintiuno ayer."),  # no noun: the number alone
    ("es", "En 2021 llegaron.", "En dos mil veintiuno llegaron."),
    ("pt-br", "São 2 horas e 22 pessoas.", "São duas horas e vinte e duas pessoas."),
    ("pt-br", "Há 1 semana e 200 páginas.", "Há uma semana e duzentas páginas."),
    ("pt-br", "Tenho 21 anos.", "Tenho vinte e um anos."),
]


@pytest.mark.parametrize(("lang", "text", "said"), AGREEMENT)
def test_a_number_agrees_with_the_noun_it_counts(lang: str, text: str, said: str) -> None:
    from kokoro_cli.text.normalize import normalize

    assert normalize(text, lang) == said
