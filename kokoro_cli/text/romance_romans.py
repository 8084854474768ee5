"""Roman numerals in Spanish, French and Brazilian Portuguese, as a careful reader says them.

espeak-ng reads them with the wrong words: French says "Louis quatorze romain" for Louis XIV,
Spanish and Portuguese say "Felipe dos" for Felipe II and read a lone V as the letter ("Carlos
uve"). What readers say:
- a ruler or pope: French counts ("Louis quatorze", but "Napoléon premier"); Spanish and
  Portuguese use the ordinal up to ten and count after it ("Felipe segundo", "Carlos quinto",
  "Alfonso trece", "Isabel segunda", "Dom João sexto", "Bento dezesseis");
- a chapter, volume, act or part: the number ("capítulo cuatro", "tome deux");
- French, anywhere else: a numeral of two letters or more is a number ("le XV de France").
Italian is left to espeak, which already says "Luigi quattordicesimo", "capitolo quarto".
A lone I, V or X is a numeral only after a ruler's name or a counted word ("Malcolm X" and
"la vitamine C" keep their letters).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text.numbers import ROMAN, cardinal, ordinal, roman

Rule = Callable[[re.Match[str]], str]

# Names that take a regnal number, by language (kings, queens, popes, emperors, pharaohs).
_RULERS = {
    "fr-fr": "Louis Henri Charles François Philippe Napoléon Jean Pie Benoît Grégoire Léon"
    " Clément Innocent Urbain Boniface Paul Jean-Paul Sixte Alexandre Nicolas Pierre Frédéric"
    " Ferdinand Alphonse Édouard Guillaume Richard Georges Jacques Victor-Emmanuel Rodolphe"
    " Othon Constantin Léopold Albert Baudouin Ramsès Ptolémée Aménophis Thoutmôsis Darius"
    " Xerxès Cyrus Antiochos Rainier Hugues Robert Raoul Lothaire Carloman Pépin Childéric"
    " Clotaire Dagobert Sigismond Casimir Gustave Christian Haakon Olaf Harald Humbert Victor"
    " Jules Martin Étienne Eugène Adrien Honorius Célestin Félix Marcel Calixte Théodose"
    " Justinien Basile Michel Manuel Andronic Frédéric-Guillaume Sanche Pedro Juan Carlos"
    " Felipe Alfonso Enrique Fernando",
    "es": "Felipe Carlos Fernando Alfonso Enrique Juan Pedro Jaime Sancho Ramiro García Luis"
    " Francisco Pablo Pío Benedicto Gregorio Clemente Inocencio León Urbano Bonifacio Sixto"
    " Jorge Guillermo Eduardo Ricardo Napoleón Amadeo Manuel José Miguel Martín Alejandro"
    " Nicolás Federico Gustavo Cristián Ramsés Tutmosis Ptolomeo Darío Jerjes Ciro Constantino"
    " Justiniano Teodosio Basilio Rodolfo Otón Leopoldo Alberto Balduino Haakon Olaf Harald"
    " Humberto Víctor Enrique Luis Juan Pedro Ordoño Bermudo Fruela Vermudo Felipe",
    "pt-br": "Pedro João José Manuel Afonso Sebastião Dinis Duarte Henrique Filipe Fernando"
    " Sancho Carlos Luís Miguel Francisco Bento Pio Gregório Leão Clemente Inocêncio Urbano"
    " Bonifácio Paulo Sisto Jorge Guilherme Eduardo Ricardo Napoleão Alexandre Nicolau"
    " Frederico Gustavo Constantino Justiniano Teodósio Ramsés Ptolomeu Dario Xerxes Ciro"
    " Rodolfo Oto Leopoldo Alberto Balduíno Humberto Vítor Felipe Juan Alfonso Enrique Luiz",
}
_QUEENS = {
    "fr-fr": "Élisabeth Elizabeth Catherine Marie Anne Victoria Christine Marguerite Jeanne"
    " Isabelle Béatrix Juliana Wilhelmine Marie-Thérèse",
    "es": "Isabel María Juana Leonor Urraca Berenguela Catalina Ana Blanca Carlota Victoria"
    " Cristina Sancha Constanza Beatriz Teresa Margarita",
    "pt-br": "Maria Isabel Leopoldina Amélia Teresa Beatriz Mafalda Catarina Ana Elizabeth"
    " Elisabete Carlota Vitória Leonor Joana Urraca Sancha",
}
# Words after which a numeral is a plain number ("capítulo IV", "tome II", "Acte III").
_COUNTED = {
    "fr-fr": "chapitre tome livre partie acte scène volume article titre section chant annexe"
    " épisode saison leçon fascicule série",
    "es": "capítulo tomo libro parte acto escena volumen artículo título sección canto anexo"
    " episodio temporada lección fascículo serie",
    "pt-br": "capítulo tomo livro parte ato cena volume artigo título seção secção canto anexo"
    " episódio temporada lição fascículo série",
}
LANGS = tuple(_RULERS)
_NUMERAL = r"([IVXLCDM]+)(?![\w'’-])"
_MAX_RULER, _MAX_COUNTED = 40, 200  # Louis XVIII, Jean XXIII; a book's chapter CXX


def roman_rules(lang: str) -> list[tuple[re.Pattern[str], Rule]]:
    """The rules for `lang` (one of LANGS), in the order to apply them."""
    rulers = set(_RULERS[lang].split())
    queens = set(_QUEENS[lang].split())
    counted = set(_COUNTED[lang].split())

    def after_name(m: re.Match[str]) -> str:
        name, numeral = m[1], m[2]
        if name not in rulers | queens or not ROMAN.fullmatch(numeral):
            return m[0]
        n = roman(numeral)
        if not 1 <= n <= _MAX_RULER:
            return m[0]
        feminine = name in queens
        if lang == "fr-fr":
            said = ordinal(1, lang, feminine) if n == 1 else cardinal(str(n), lang)
        else:
            said = ordinal(n, lang, feminine) if n <= 10 else cardinal(str(n), lang)
        return f"{name} {said}"

    def after_counted(m: re.Match[str]) -> str:
        word, numeral = m[1], m[2]
        if word.lower() not in counted or not ROMAN.fullmatch(numeral):
            return m[0]
        n = roman(numeral)
        return f"{word} {cardinal(str(n), lang)}" if 1 <= n <= _MAX_COUNTED else m[0]

    rules: list[tuple[re.Pattern[str], Rule]] = [
        (re.compile(rf"\b([A-ZÀ-Þ][\w-]*)\s+{_NUMERAL}"), after_name),
        (re.compile(rf"(?<![\w'’-])(\w+)\s+{_NUMERAL}"), after_counted),
    ]
    if lang == "fr-fr":  # espeak adds "romain" to every numeral of I, V and X it finds
        rules.append(
            (
                re.compile(r"(?<![\w'’-])([IVX]{2,})(?![\w'’-])"),
                lambda m: cardinal(str(roman(m[1])), lang) if ROMAN.fullmatch(m[1]) else m[0],
            )
        )
    return rules
