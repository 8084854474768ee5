"""Dates, ordinals, clock times, ranges and units in Spanish, French, Italian and Brazilian
Portuguese, as a careful reader of each says them (issue 26).

"15/01/2020" is "quince de enero de dos mil veinte", "le 1er mai" "premier mai", "2ª" "segunda",
"14h30" "quatorze heures trente", "10-20 km" "diez a veinte kilómetros", "10:30 p. m." "diez y
treinta de la noche". normalize_romance runs these rules before its numbers, money and units.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text import romance_romans
from kokoro_cli.text.numbers import ROMAN, cardinal, decimal, ordinal, roman

Rule = Callable[[re.Match[str]], str]

MONTHS = {
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre"
    " diciembre".split(),
    "fr-fr": "janvier février mars avril mai juin juillet août septembre octobre novembre"
    " décembre".split(),
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre"
    " dicembre".split(),
    "pt-br": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro"
    " dezembro".split(),
}
# The word between day, month and year ("15 de enero de 2020"; "15 janvier 2020").
_DATE_JOIN = {"es": " de ", "fr-fr": " ", "it": " ", "pt-br": " de "}
TO = {"es": "a", "fr-fr": "à", "it": "a", "pt-br": "a"}
# Words after which "15/04" is a day and month: articles and days of the week.
_DAY_WORDS = {
    "es": "el|del|al|lunes|martes|miércoles|jueves|viernes|sábado|domingo|desde|hasta",
    "fr-fr": "le|du|au|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|dès",
    "it": "il|del|al|dal|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica",
    "pt-br": "dia|o|do|no|ao|até|desde|segunda|terça|quarta|quinta|sexta|sábado|domingo",
}
# Units: (singular, plural, feminine), per language; the symbol is the key.
UNITS: dict[str, dict[str, tuple[str, str, bool]]] = {
    "es": {
        "km": ("kilómetro", "kilómetros", False), "m": ("metro", "metros", False),
        "cm": ("centímetro", "centímetros", False), "mm": ("milímetro", "milímetros", False),
        "kg": ("kilogramo", "kilogramos", False), "g": ("gramo", "gramos", False),
        "mg": ("miligramo", "miligramos", False), "l": ("litro", "litros", False),
        "ml": ("mililitro", "mililitros", False),
        "km/h": ("kilómetro por hora", "kilómetros por hora", False),
        "m²": ("metro cuadrado", "metros cuadrados", False),
        "km²": ("kilómetro cuadrado", "kilómetros cuadrados", False),
        "m³": ("metro cúbico", "metros cúbicos", False),
        "°C": ("grado Celsius", "grados Celsius", False), "°": ("grado", "grados", False),
        "h": ("hora", "horas", True), "min": ("minuto", "minutos", False),
        "s": ("segundo", "segundos", False), "ms": ("milisegundo", "milisegundos", False),
        "GB": ("gigabyte", "gigabytes", False), "MB": ("megabyte", "megabytes", False),
        "TB": ("terabyte", "terabytes", False), "W": ("vatio", "vatios", False),
        "kW": ("kilovatio", "kilovatios", False), "kWh": ("kilovatio hora", "kilovatios hora", False),
        "V": ("voltio", "voltios", False), "Hz": ("hercio", "hercios", False),
        "t": ("tonelada", "toneladas", True),
    },
    "fr-fr": {
        "km": ("kilomètre", "kilomètres", False), "m": ("mètre", "mètres", False),
        "cm": ("centimètre", "centimètres", False), "mm": ("millimètre", "millimètres", False),
        "kg": ("kilogramme", "kilogrammes", False), "g": ("gramme", "grammes", False),
        "mg": ("milligramme", "milligrammes", False), "l": ("litre", "litres", False),
        "ml": ("millilitre", "millilitres", False),
        "km/h": ("kilomètre par heure", "kilomètres par heure", False),
        "m²": ("mètre carré", "mètres carrés", False),
        "km²": ("kilomètre carré", "kilomètres carrés", False),
        "m³": ("mètre cube", "mètres cubes", False),
        "°C": ("degré Celsius", "degrés Celsius", False), "°": ("degré", "degrés", False),
        "h": ("heure", "heures", True), "min": ("minute", "minutes", True),
        "s": ("seconde", "secondes", True), "ms": ("milliseconde", "millisecondes", True),
        "Go": ("gigaoctet", "gigaoctets", False), "Mo": ("mégaoctet", "mégaoctets", False),
        "To": ("téraoctet", "téraoctets", False), "GB": ("gigaoctet", "gigaoctets", False),
        "W": ("watt", "watts", False), "kW": ("kilowatt", "kilowatts", False),
        "kWh": ("kilowattheure", "kilowattheures", False), "V": ("volt", "volts", False),
        "Hz": ("hertz", "hertz", False), "t": ("tonne", "tonnes", True),
    },
    "it": {
        "km": ("chilometro", "chilometri", False), "m": ("metro", "metri", False),
        "cm": ("centimetro", "centimetri", False), "mm": ("millimetro", "millimetri", False),
        "kg": ("chilogrammo", "chilogrammi", False), "g": ("grammo", "grammi", False),
        "mg": ("milligrammo", "milligrammi", False), "l": ("litro", "litri", False),
        "ml": ("millilitro", "millilitri", False),
        "km/h": ("chilometro orario", "chilometri orari", False),
        "m²": ("metro quadrato", "metri quadrati", False),
        "km²": ("chilometro quadrato", "chilometri quadrati", False),
        "m³": ("metro cubo", "metri cubi", False),
        "°C": ("grado Celsius", "gradi Celsius", False), "°": ("grado", "gradi", False),
        "h": ("ora", "ore", True), "min": ("minuto", "minuti", False),
        "s": ("secondo", "secondi", False), "ms": ("millisecondo", "millisecondi", False),
        "GB": ("gigabyte", "gigabyte", False), "MB": ("megabyte", "megabyte", False),
        "TB": ("terabyte", "terabyte", False), "W": ("watt", "watt", False),
        "kW": ("kilowatt", "kilowatt", False), "kWh": ("kilowattora", "kilowattora", False),
        "V": ("volt", "volt", False), "Hz": ("hertz", "hertz", False),
        "t": ("tonnellata", "tonnellate", True),
    },
    "pt-br": {
        "km": ("quilômetro", "quilômetros", False), "m": ("metro", "metros", False),
        "cm": ("centímetro", "centímetros", False), "mm": ("milímetro", "milímetros", False),
        "kg": ("quilograma", "quilogramas", False), "g": ("grama", "gramas", False),
        "mg": ("miligrama", "miligramas", False), "l": ("litro", "litros", False),
        "ml": ("mililitro", "mililitros", False),
        "km/h": ("quilômetro por hora", "quilômetros por hora", False),
        "m²": ("metro quadrado", "metros quadrados", False),
        "km²": ("quilômetro quadrado", "quilômetros quadrados", False),
        "m³": ("metro cúbico", "metros cúbicos", False),
        "°C": ("grau Celsius", "graus Celsius", False), "°": ("grau", "graus", False),
        "h": ("hora", "horas", True), "min": ("minuto", "minutos", False),
        "s": ("segundo", "segundos", False), "ms": ("milissegundo", "milissegundos", False),
        "GB": ("gigabyte", "gigabytes", False), "MB": ("megabyte", "megabytes", False),
        "TB": ("terabyte", "terabytes", False), "W": ("watt", "watts", False),
        "kW": ("quilowatt", "quilowatts", False),
        "kWh": ("quilowatt-hora", "quilowatts-hora", False), "V": ("volt", "volts", False),
        "Hz": ("hertz", "hertz", False), "t": ("tonelada", "toneladas", True),
    },
}  # fmt: skip
_UNIT_SPELLINGS = {"L": "l", "mL": "ml", "KG": "kg", "Kg": "kg", "KM": "km", "kb": "kB",
                   "kmh": "km/h", "km/hr": "km/h"}  # fmt: skip
# Common nouns that are counted, by gender (singular and plural), where the number agrees:
# "1 hora" is "una hora", "21 años" "veintiún años", "200 personas" "doscientas personas",
# "2 horas" "duas horas". A list, not a guess from the ending: "21 llegaron" stays veintiuno.
_COUNT_NOUNS = {
    "es": (
        "hora horas vez veces persona personas semana semanas página páginas línea líneas"
        " palabra palabras casa casas noche noches mujer mujeres niña niñas cosa cosas vida"
        " vidas parte partes clase clases ciudad ciudades calle calles puerta puertas botella"
        " botellas taza tazas mesa mesas carta cartas foto fotos pregunta preguntas respuesta"
        " respuestas razón razones opción opciones canción canciones edición ediciones versión"
        " versiones estrella estrellas isla islas libra libras tonelada toneladas caloría calorías"
        " manzana manzanas hoja hojas víctima víctimas empresa empresas escuela escuelas",
        "año años día días mes meses minuto minutos segundo segundos libro libros hombre hombres"
        " niño niños punto puntos siglo siglos grado grados paso pasos caso casos ejemplo"
        " ejemplos capítulo capítulos kilo kilos voto votos país países perro perros gato gatos"
        " coche coches dólar dólares peso pesos kilómetro kilómetros metro metros jugador"
        " jugadores equipo equipos habitante habitantes millar millares asiento asientos",
    ),
    "pt-br": (
        "hora horas vez vezes pessoa pessoas semana semanas página páginas linha linhas palavra"
        " palavras casa casas noite noites mulher mulheres menina meninas coisa coisas vida vidas"
        " parte partes aula aulas cidade cidades rua ruas porta portas garrafa garrafas mesa"
        " mesas cadeira cadeiras carta cartas foto fotos pergunta perguntas resposta respostas"
        " razão razões opção opções canção canções edição edições versão versões estrela"
        " estrelas ilha ilhas libra libras tonelada toneladas caloria calorias maçã maçãs folha"
        " folhas vítima vítimas empresa empresas escola escolas",
        "ano anos dia dias mês meses minuto minutos segundo segundos livro livros homem homens"
        " menino meninos ponto pontos século séculos grau graus passo passos caso casos exemplo"
        " exemplos capítulo capítulos quilo quilos voto votos país países cachorro cachorros gato"
        " gatos carro carros dólar dólares quilômetro quilômetros metro metros jogador jogadores"
        " habitante habitantes",
    ),
}
# "un", "una", "une", "um", "uma": one before a masculine or feminine noun.
_ONE = {"es": ("un", "una"), "fr-fr": ("un", "une"), "it": ("un", "una"), "pt-br": ("um", "uma")}
# French ordinal endings: 1er, 1re, 1ère, 2e, 2ème, 2nd, 2nde.
_FR_ORDINAL = r"(er|re|ère|e|ème|nde?)"


def one(lang: str, feminine: bool = False) -> str:
    """ "one" before a noun: "un"/"una" in Spanish, "une" in French, "um"/"uma" in Portuguese."""
    return _ONE[lang][feminine]


def count(n: str, lang: str, feminine: bool = False) -> str:
    """A whole number before a noun: 21 -> "veintiún" (es), "vingt et une" (fr, feminine);
    hundreds agree too: "doscientas personas", "duzentas horas"."""
    words = cardinal(n, lang)
    if lang == "es" and words.endswith("uno"):  # veintiún kilómetros, treinta y una horas
        head = words[:-3]
        words = head + ("una" if feminine else "ún" if head and head[-1] != " " else "un")
    if lang == "it" and words == "uno":
        return "una" if feminine else "un"
    if lang == "es" and feminine:
        words = re.sub(r"ientos\b", "ientas", words)
    if lang == "pt-br" and feminine:
        words = re.sub(r"\bdois$", "duas", re.sub(r"\bum$", "uma", words))
        words = re.sub(r"entos\b", "entas", words)  # duzentas, quinhentas
    if lang == "fr-fr" and feminine:
        return re.sub(r"\bun$", "une", words)
    return words


def read_ordinal(n: int, lang: str, feminine: bool = False, before_noun: bool = False) -> str:
    """3 -> "tercero"; feminine "tercera"; Spanish before a noun "tercer" (el tercer día)."""
    words = ordinal(n, lang, feminine)
    if lang == "es" and before_noun and not feminine:
        words = re.sub(r"(primer|tercer)o\b", r"\1", words)
    return words


def french_ordinal(n: int, ending: str) -> str:
    """1er -> "premier", 1re -> "première", 2e -> "deuxième", 2nd -> "second"; "" if it is no
    ordinal ending for that number ("2er")."""
    if n == 1:
        return "premier" if ending == "er" else "première" if ending in ("re", "ère") else ""
    if ending in ("er", "re", "ère"):
        return ""
    if ending.startswith("nd"):
        return "" if n != 2 else "second" if ending == "nd" else "seconde"
    return ordinal(n, "fr-fr")


def read_date(year: int | None, month: int | None, day: int | None, lang: str) -> str:
    """ "quince de enero de dos mil veinte", "1er" days as ordinals where the language does."""
    join = _DATE_JOIN[lang]
    parts = []
    if day:
        first = {"es": "primero", "fr-fr": "premier", "it": "primo", "pt-br": "primeiro"}
        parts.append(first[lang] if day == 1 else cardinal(str(day), lang))
    if month:
        parts.append(MONTHS[lang][month - 1])
    if year is not None:
        parts.append(cardinal(str(year), lang))
    if len(parts) == 2 and day and year is not None and not month:
        return " ".join(parts)
    return join.join(parts)


# Clock times H:MM: the hour "one" (feminine: la una, une heure), the word between hours and
# minutes, and what a full hour ends with ("las diez en punto").
_CLOCK = {
    "es": ("una", "y", "en punto"),
    "fr-fr": ("une", "", ""),
    "it": ("una", "e", "in punto"),
    "pt-br": ("uma", "e", "em ponto"),
}
_SECONDS = {"es": ("y", "segundo", "segundos"), "fr-fr": ("et", "seconde", "secondes"),
            "it": ("e", "secondo", "secondi"), "pt-br": ("e", "segundo", "segundos")}  # fmt: skip


def read_clock(hours: int, minutes: int, lang: str, seconds: int = 0) -> str:
    """10:05 -> "diez y cinco", "dix heures cinq"; 1:00 -> "la una en punto" without "la"."""
    one_, joiner, sharp = _CLOCK[lang]
    said = one_ if hours == 1 else cardinal(str(hours), lang)
    if lang == "fr-fr":  # 10:05 is "dix heures cinq", 1:00 "une heure"
        said += " heure" if hours == 1 else " heures"
    if not minutes and not seconds:
        return f"{said} {sharp}".strip()
    if minutes:
        said = f"{said} {joiner} {cardinal(str(minutes), lang)}".replace("  ", " ")
    if seconds:
        word, one_s, many = _SECONDS[lang]
        amount = (
            f"{one(lang, lang == 'fr-fr')} {one_s}"
            if seconds == 1
            else (f"{cardinal(str(seconds), lang)} {many}")
        )
        said += f" {word} {amount}"
    return said


def read_unit(whole: str, frac: str | None, symbol: str, lang: str) -> str:
    """An amount (digits, no grouping) and its unit: "1", None, "h" -> "una hora"; "2", "5",
    "kg" -> "dos coma cinco kilogramos"."""
    singular, plural, feminine = UNITS[lang][_UNIT_SPELLINGS.get(symbol, symbol)]
    if frac:
        return f"{decimal(whole, frac, lang)} {plural}"
    if whole == "1":
        return f"{one(lang, feminine)} {singular}"
    return f"{count(whole, lang, feminine)} {plural}"


def unit_symbols(lang: str) -> list[str]:
    return sorted({*UNITS[lang], *_UNIT_SPELLINGS}, key=len, reverse=True)


class RomanceReadings:
    """Rules for dates, ordinals, clock times with h, am/pm and ranges in one language."""

    def __init__(self, lang: str, read: Callable[[str], str]) -> None:
        """`read` is the whole normalizer: a range reads its first end with it."""
        self.lang = lang
        self.read = read
        month_names = "|".join(MONTHS[lang])
        self.rules: list[tuple[re.Pattern[str], Rule]] = [
            (re.compile(r"(?<![\w./-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w-]|[.,]\d)"), self._iso),
            # 15/01/2020, 15-01-2020, 15.01.2020, 15/01/20: day first in all four
            (
                re.compile(
                    r"(?<![\w./-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-]|[.,]\d)"
                ),
                self._numeric,
            ),
            # el lunes 15/04, le 3/5: a day and month after a word that names a day
            (
                re.compile(rf"\b((?i:{_DAY_WORDS[lang]}) )(\d{{1,2}})/(\d{{1,2}})(?![\w/]|[.,]\d)"),
                lambda m: m[1] + self._date(None, int(m[3]), int(m[2]), m[0][len(m[1]) :]),
            ),
            # le 1er mai, el 1º de mayo, il 1° maggio: the first of a month
            (
                re.compile(
                    rf"(?<![\w.,])1\s?(?:er|º|°|\.º|o)\s+(?=(?:de\s+)?(?i:{month_names})\b)"
                ),
                lambda m: {
                    "es": "primero ",
                    "fr-fr": "premier ",
                    "it": "primo ",
                    "pt-br": "primeiro ",
                }[lang],  # fmt: skip
            ),
            (re.compile(r"(?<![\w.,])(\d{1,4})\.?\s?([ºª])(?![\w])"), self._ordinal_sign),
        ]
        # 21 años, 1 hora, 200 personas: the number agrees with the noun it counts
        self.counted: list[tuple[re.Pattern[str], Rule]] = []
        if lang in _COUNT_NOUNS:
            feminine = set(_COUNT_NOUNS[lang][0].split())
            words = {*feminine, *_COUNT_NOUNS[lang][1].split()}
            nouns = "|".join(sorted(words, key=len, reverse=True))  # "horas" before "hora"
            self.counted.append(
                (
                    re.compile(
                        rf"(?<![\w.,])(\d{{1,3}}(?:[.\u202f ]\d{{3}})+|\d+)(?![\w]|[.,]\d)"
                        rf"(?=\s+((?i:{nouns}))\b)"
                    ),
                    lambda m: count(re.sub(r"\D", "", m[1]), lang, m[2].lower() in feminine),
                )
            )
        self.centuries: list[tuple[re.Pattern[str], Rule]] = []  # no digit needed: XXIe siècle
        if lang == "fr-fr":
            self.rules.append(
                (re.compile(rf"(?<![\w.,])(\d{{1,4}}){_FR_ORDINAL}\b"), self._french_ordinal)
            )
            # XXIe siècle, François Ier, la Ve République ("Le", "Ce" are words, not numerals)
            self.centuries.append(
                (
                    re.compile(rf"\b([IVXLC]{{2,}}|[IVX]){_FR_ORDINAL}\b(?![’'-])"),
                    self._french_century,
                )
            )
        if lang in romance_romans.LANGS:  # Louis XIV, Felipe II, capítulo IV
            self.centuries += romance_romans.roman_rules(lang)
        if lang == "it":  # il 3° posto: Italian writes ordinals with a degree sign too
            self.rules.append(
                (
                    re.compile(r"(?<![\w.,])(\d{1,3})°(?=\s+[a-zàèéìòù])(?!\s+(?:di|a|in|e)\b)"),
                    lambda m: ordinal(int(m[1]), lang),
                )
            )
        if lang == "es":  # 1er, 3er, 1ro, 2do, 3ro, 4to: Latin American abbreviations
            self.rules.append(
                (
                    re.compile(r"(?<![\w.,])(\d{1,3})(er|ro|do|to|vo|mo|no)\b"),
                    lambda m: read_ordinal(int(m[1]), lang, before_noun=m[2] == "er"),
                )
            )
        self.times: list[tuple[re.Pattern[str], Rule]] = [
            # 14h30, 14 h 30, 9h, 10h30min, 10:00 h
            (
                re.compile(
                    r"(?<![\w.,:])(\d{1,2})(?:\s?h\s?(\d{2})?|:(\d{2})\s?h)(?:\s?min)?(?![\w])"
                ),
                self._h_time,
            ),
        ]
        if lang == "es":  # 10:30 a. m., 8 p.m.
            self.times.insert(
                0,
                (
                    re.compile(
                        r"(?<![\w.,:])(\d{1,2})(?::(\d{2}))?\s?([ap])\.\s?m\.(?!\w)",
                    ),
                    self._spanish_half,
                ),
            )
        units = "|".join(re.escape(u) for u in unit_symbols(lang))
        self.ranges: list[tuple[re.Pattern[str], Rule]] = [
            (
                re.compile(
                    r"(?<![\w.,/:–-])((?:(?:R|US)?[$€£]\s?)?\d+(?:[.,]\d+)?)\s?[-–]\s?"
                    r"((?:(?:R|US)?[$€£]\s?)?\d+(?:[.,]\d+)?)(?!\d|[-–/.]\w|[.,:]\d)"
                ),
                self._range,
            ),
        ]
        self.unit_pattern = units

    # --- rules ----------------------------------------------------------------------------------
    def _date(self, year: int | None, month: int, day: int, whole: str) -> str:
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return whole
        return read_date(year, month, day, self.lang)

    def _iso(self, m: re.Match[str]) -> str:
        return self._date(int(m[1]), int(m[2]), int(m[3]), m[0])

    def _numeric(self, m: re.Match[str]) -> str:
        if m[2] in ".-" and len(m[4]) == 2:  # 1.2.20 is a version, 11-17-05 a code
            return m[0]
        year = int(m[4]) if len(m[4]) == 4 else 2000 + int(m[4])
        if len(m[4]) == 2 and int(m[4]) > 50:
            year -= 100
        return self._date(year, int(m[3]), int(m[1]), m[0])

    def _ordinal_sign(self, m: re.Match[str]) -> str:
        before_noun = bool(re.match(r"\s+[^\W\d]", m.string[m.end() :]))
        return read_ordinal(int(m[1]), self.lang, m[2] == "ª", before_noun)

    def _french_ordinal(self, m: re.Match[str]) -> str:
        return french_ordinal(int(m[1]), m[2]) or m[0]

    def _french_century(self, m: re.Match[str]) -> str:
        if not ROMAN.fullmatch(m[1]):
            return m[0]
        return french_ordinal(roman(m[1]), m[2]) or m[0]

    def _h_time(self, m: re.Match[str]) -> str:
        hours, minutes = int(m[1]), int(m[2] or m[3] or 0)
        if hours > 24 or minutes > 59:
            return m[0]
        hour_words = {"es": ("hora", "horas"), "fr-fr": ("heure", "heures"),
                      "it": ("ora", "ore"), "pt-br": ("hora", "horas")}[self.lang]  # fmt: skip
        said = count(str(hours), self.lang, True) if hours != 1 else one(self.lang, True)
        if self.lang == "fr-fr":
            said += f" {hour_words[hours != 1]}"
            return f"{said} {cardinal(str(minutes), self.lang)}" if minutes else said
        if not minutes:
            return f"{said} {hour_words[hours != 1]}"
        joiner = {"es": "y", "it": "e", "pt-br": "e"}[self.lang]
        return f"{said} {joiner} {cardinal(str(minutes), self.lang)}"

    def _spanish_half(self, m: re.Match[str]) -> str:
        hours, minutes = int(m[1]), int(m[2] or 0)
        if not 1 <= hours <= 12 or minutes > 59:
            return m[0]
        said = "una" if hours == 1 else cardinal(str(hours), "es")
        if minutes:
            said += f" y {cardinal(str(minutes), 'es')}"
        if m[3] == "a":
            part = "de la madrugada" if hours < 6 or hours == 12 else "de la mañana"
        else:
            part = "del mediodía" if hours == 12 else "de la tarde" if hours < 8 else "de la noche"
        return f"{said} {part}"

    def _range(self, m: re.Match[str]) -> str:
        a, b = m[1], m[2]
        if re.match(r"\s?=", m.string[m.end() :]):
            return m[0]
        to = TO[self.lang]
        sign = re.match(r"(?:R|US)?[$€£]", a)
        if sign and b[0].isdigit():  # €10-20: the currency is said once, at the end
            return f"{self.read(a[sign.end() :].strip())} {to} {sign[0]}{b}"
        return f"{self.read(a)} {to} {b}"
