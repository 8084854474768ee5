"""How long a chapter takes to speak, for `kokoro book --plan`, without the model.

Speech time is counted from what the model spends time on: letters (digits weigh more: "1912"
is "nineteen twelve"), and the pauses after sentence breaks and clauses. The seconds per letter
of each language were measured by bench/plan_rates.py on the real model with each language's
default voice (bench/README.md, "kokoro book --plan estimates"); the chapter's title, its pause
and the pauses between paragraphs and chapters are added as render() makes them. Other voices
of a language are taken to speak at its default voice's pace unless VOICE_PACE says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Seconds per letter (any letter or CJK character) at speed 1, per language, by each language's
# default voice (model.voices.LANG_VOICES): bench/plan_rates.py's fit, 2026-12-06.
LETTER_SECONDS = {
    "en-us": 0.0679, "en-gb": 0.0611, "es": 0.0650, "fr-fr": 0.0587, "hi": 0.1443,
    "it": 0.0630, "ja": 0.1684, "pt-br": 0.0651, "zh": 0.2066,
}  # fmt: skip
# How many letters a digit counts for: numbers are read as words ("154", "one hundred fifty-four"
# is about 6 letters a digit, "1912" 3.5); in Japanese and Chinese as characters (百五十四).
DIGIT_LETTERS = {"ja": 1.5, "zh": 1.5}
DIGIT_LETTERS_DEFAULT = 4.0
SENTENCE_SECONDS = 0.45  # a sentence break (pauses.SENTENCE_PAUSE); both pauses set, not fitted
CLAUSE_SECONDS = 0.15  # after a comma, semicolon or colon (the model's own: 0.15-0.2 s)
# Voices that speak faster (< 1) or slower (> 1) than their language's default voice, on the
# same text (bench/plan_rates.py --only-voices); not measured yet, so none.
VOICE_PACE: dict[str, float] = {}

SAMPLE_CHARS = 200_000  # of a chapter counted; the rest is scaled by its words
_NOT_LETTER = re.compile(r"[\W\d_]+")
_NOT_DIGIT = re.compile(r"\D+")
_SENTENCE = re.compile(r"[.!?…।]+(?=[\s\"'”’»)」』]|$)|[。！？]+")  # CJK stops need no space
_CLAUSE = re.compile(r"[,;:、，；：—]")
_TRAILING = " \t\n\"'”’»)」』"  # closing quotes after the last full stop end the text too


@dataclass
class Counts:
    """What a text's speaking time depends on."""

    letters: int = 0
    digits: int = 0
    sentences: int = 0
    clauses: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.letters += other.letters
        self.digits += other.digits
        self.sentences += other.sentences
        self.clauses += other.clauses
        return self


def count(text: str) -> Counts:
    """Letters, digits, sentence breaks and clause marks of `text`.

    Breaks: sentence ends with more text after them. The pause after a paragraph's last
    sentence is the paragraph's pause, counted apart (chapter_seconds)."""
    text = text.strip()
    sentences = sum(1 for m in _SENTENCE.finditer(text) if text[m.end() :].strip(_TRAILING))
    return Counts(
        len(_NOT_LETTER.sub("", text)),  # deleting the rest runs in C: 1/3 of findall's time
        len(_NOT_DIGIT.sub("", text)),
        sentences,
        len(_CLAUSE.findall(text)),
    )


def pace(voice: str) -> float:
    """How much longer than its language's default voice `voice` takes (a blend: its first)."""
    first = re.split(r"[,+:]", voice, maxsplit=1)[0].strip()
    return VOICE_PACE.get(first, 1.0)


def speech_seconds(counts: Counts, lang: str, voice: str, speed: float = 1.0,
                   pause_sentence: float | None = None) -> float:  # fmt: skip
    """Seconds of speech (with the pauses inside it) for `counts` in `lang` by `voice`."""
    per_letter = LETTER_SECONDS.get(lang, LETTER_SECONDS["en-us"]) * pace(voice)
    letters = counts.letters + DIGIT_LETTERS.get(lang, DIGIT_LETTERS_DEFAULT) * counts.digits
    spoken = letters * per_letter + counts.clauses * CLAUSE_SECONDS
    if pause_sentence is None:
        return (spoken + counts.sentences * SENTENCE_SECONDS) / speed
    return spoken / speed + counts.sentences * pause_sentence


def chapter_seconds(
    title: str,
    paragraphs: Iterable[str],
    config: Any,
    *,
    title_pause: float,
    last: bool = True,
    words: int | None = None,
) -> float:
    """The rendered length of a chapter as jobs.book.render() makes it: the spoken `title`,
    `title_pause`, the paragraphs with config.pause_paragraph between them, and
    config.pause_chapter after it unless it is the `last` chapter rendered.

    With the chapter's `words` known, only its first SAMPLE_CHARS are counted and the rest is
    scaled by words: --plan over a 200 MB text file does not read it all again."""
    lang, voice = config.lang or "en-us", config.voice
    speed, pause_sentence = config.speed, config.pause_sentence
    total = speech_seconds(count(title), lang, voice, speed, pause_sentence) + title_pause
    counts, n, seen_chars, seen_words = Counts(), 0, 0, 0
    for paragraph in paragraphs:
        counts += count(paragraph)
        n += 1
        seen_chars += len(paragraph)
        seen_words += len(paragraph.split())
        if words and seen_chars >= SAMPLE_CHARS and seen_words:
            scale = words / seen_words
            counts = Counts(*(round(v * scale) for v in vars(counts).values()))
            n = round(n * scale)
            break
    total += speech_seconds(counts, lang, voice, speed, pause_sentence)
    total += max(n - 1, 0) * config.pause_paragraph
    if not last:
        total += config.pause_chapter
    return total
