"""Issue 12's invariant: every word of the input is spoken, in order, whatever surrounds it.

Plain canary words are placed between random tricky tokens (tests/tricky_tokens.py, 100+ kinds)
and the whole front-end (markup, sentence splitting, normalization, espeak, mapping) must keep
every canary's phonemes, in order. Sentences go through text.chunks() a paragraph at a time, so
espeak and the sentence splitter are driven as in real use, in big batches.

Why the check is exact: canaries are long words whose phonemes appear nowhere else, and they
cycle through a list, so the text's canaries in order form a known sequence; a lost canary
makes that sequence shorter, and the in-order search runs out before its end.
"""

from __future__ import annotations

import random
import re

import pytest

from kokoro_cli.text import chunks
from kokoro_cli.text.g2p import g2p_many
from tests.tricky_tokens import KINDS, sentence

CANARIES = {
    "en": "elephant umbrella tomato butterfly pineapple kangaroo dinosaur volcano telescope"
    " chocolate harmonica avocado strawberry giraffe penguin lantern blanket mushroom pumpkin"
    " lighthouse windmill caterpillar accordion cinnamon porcupine marmalade trombone hedgehog"
    " salamander tangerine",
    "es": "mariposa ventana elefante tortuga manzana biblioteca zanahoria murciélago calabaza"
    " girasol pelícano relámpago aguacate sandía frambuesa",
    "fr-fr": "papillon fenêtre éléphant tortue bibliothèque citrouille tournesol parapluie"
    " grenouille champignon écureuil framboise hérisson moustique chaussette",
    "it": "farfalla finestra elefante tartaruga biblioteca girasole ombrello ranocchio"
    " scoiattolo lampone zanzara calzino pomodoro melanzana pipistrello",
    "pt-br": "borboleta janela elefante tartaruga biblioteca abóbora girassol cogumelo esquilo"
    " framboesa ouriço travesseiro abacaxi morcego beterraba",
    "hi": "किताब दरवाज़ा तितली हाथी कछुआ पुस्तकालय सूरजमुखी छतरी मेंढक गिलहरी मच्छर तकिया अनानास"
    " खिड़की बिल्ली",
}
SENTENCES = {"en-us": 5_000, "en-gb": 5_000, "es": 1_000, "fr-fr": 1_000, "hi": 1_000,
             "it": 1_000, "pt-br": 1_000}  # fmt: skip
CANARIES_PER_SENTENCE = 4
PARAGRAPH = 50  # sentences per chunks() call: big espeak batches, like a real document
_STRESS = re.compile(r"[ˈˌː\s]")  # stress, length and spacing vary with the neighbours
# Spanish softens b, d, g after a vowel (ventana alone, βentana after "la"); same word.
_ALLOPHONES = str.maketrans({"β": "b", "ð": "d", "ɣ": "ɡ"})


def _fold(phonemes: str) -> str:
    return _STRESS.sub("", phonemes).translate(_ALLOPHONES)


def _cores(words: list[str], lang: str) -> list[str]:
    # The last sound is left out: Portuguese reduces a final vowel before the next word's.
    return [_fold(p)[:-1] for p in g2p_many(words, lang)]


def _phonemes(text: str, lang: str) -> str:
    return _fold(" ".join(c.phonemes for c in chunks(text, lang, fast_start=False)))


def _in_order(found: str, wanted: list[str]) -> bool:
    pos = 0
    for w in wanted:
        pos = found.find(w, pos)
        if pos < 0:
            return False
        pos += len(w)
    return True


def _check(lang: str, count: int, seed: int) -> list[str]:
    """Sentences whose canaries did not all come out, in order (empty when none)."""
    words = CANARIES["en" if lang.startswith("en") else lang].split()
    sounds = _cores(words, lang)
    rng = random.Random(seed)
    misses: list[str] = []
    for start in range(0, count, PARAGRAPH):
        sents, wanted = [], []
        for k in range(start, min(count, start + PARAGRAPH)):
            first = k * CANARIES_PER_SENTENCE
            sents.append(sentence(rng, words, first, CANARIES_PER_SENTENCE))
            wanted += [sounds[(first + j) % len(words)] for j in range(CANARIES_PER_SENTENCE)]
        if _in_order(_phonemes(" ".join(sents), lang), wanted):
            continue
        for k, s in enumerate(sents):  # find the culprits, for the failure message
            first = (start + k) * CANARIES_PER_SENTENCE
            own = [sounds[(first + j) % len(words)] for j in range(CANARIES_PER_SENTENCE)]
            if not _in_order(_phonemes(s, lang), own):
                misses.append(s)
        if not misses:
            misses.append(f"(paragraph from sentence {start}: lost only when read together)")
    return misses


def test_there_are_over_a_hundred_kinds_of_tricky_tokens() -> None:
    assert len(KINDS) >= 100


def test_canaries_are_distinct_and_found_alone() -> None:
    for lang in SENTENCES:
        words = CANARIES["en" if lang.startswith("en") else lang].split()
        sounds = _cores(words, lang)
        assert all(len(s) >= 4 for s in sounds), (lang, sounds)
        for i, s in enumerate(sounds):  # none hides inside another, or the check is not exact
            assert not any(s in t for j, t in enumerate(sounds) if j != i), (lang, s)


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_no_word_is_dropped_between_tricky_tokens(lang: str) -> None:
    misses = _check(lang, SENTENCES[lang], seed=sorted(SENTENCES).index(lang))
    assert not misses, f"{len(misses)} sentences lost canaries in {lang}, e.g. {misses[:5]}"
