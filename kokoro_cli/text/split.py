"""Sentence and clause splitting, and packing of phonemized pieces into model-sized chunks.

A run of text is cut into blocks (pysbd is quadratic in its input, so it never sees more than
BLOCK_CHARS at once), blocks into sentences (pysbd: robust to abbreviations, decimals, initials,
quotes and ellipses), and each block's sentences are phonemized in one espeak call. A sentence
whose phonemes exceed the limit is cut at clause punctuation, then between words. Only a single
"word" whose phonemes alone exceed MAX_TOKENS (say a 5,000-letter string) is cut inside, at a
token boundary of its phonemes: the model cannot take it whole, and dropping it would lose text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from kokoro_cli.text import cjk

BLOCK_CHARS = 2_000  # pysbd input size bound; several sentences, far below its slow regime
# Chunks are packed up to CHUNK_TOKENS (~20 s of speech), not the model's hard MAX_TOKENS: the
# decoder's activations grow with chunk length, and at 510 tokens they alone pass 500 MB.
CHUNK_TOKENS = 320
WORD_GROUP_TOKENS = 250  # aim of a word-boundary cut, leaving slack under CHUNK_TOKENS
# The first chunk ends early so playback starts after a short synthesis (~2.5 s of speech); the
# limit then doubles chunk by chunk, so each chunk is ready before the audio ahead of it runs out
# even on a machine several times slower than real time's half, and later chunks are full size.
FIRST_TOKENS = 40
# A first clause longer than that is cut between words for the first chunk, before a word that
# opens a phrase, where a reader may take a breath ("The quick brown fox jumps | over the lazy
# dog"), with at least LEAD_WORDS words on each side. The first audio of a 63-token sentence
# then comes after a 27-token forward: 30-45 % sooner (issue 23, bench/README.md). Languages
# without a list here are not cut inside a clause.
LEAD_WORDS = 3
_PHRASE_OPENERS = {
    "en": "about above across after against along among around as at because before behind"
    " below beneath beside between beyond but by during for from if in into near nor on onto"
    " or over past since so than that though through till to toward towards under unless until"
    " upon when where whereas whether which while who whom whose with within without yet",
    "es": "aunque cerca como con cuando desde donde durante entre hacia hasta mientras para"
    " pero porque que quien según si sin sobre tras",
    "fr": "après avant avec car comme dans depuis donc dont lorsque mais malgré où par parce"
    " pendant pour puisque quand que qui sans selon si sous sur vers",
    "it": "che come con dopo dove durante finché fra mentre perché per poiché prima quando"
    " se senza sopra sotto tra verso",
    "pt": "após até com como contra desde durante enquanto entre mas onde para pelo pela"
    " porque quando que sem se sob sobre",
}
_OPENERS = {lang: frozenset(words.split()) for lang, words in _PHRASE_OPENERS.items()}

_PYSBD_LANG = {"en-us": "en", "en-gb": "en", "es": "es", "fr-fr": "fr", "it": "it", "hi": "hi"}
# A likely sentence end: terminal punctuation, closing quotes, space, then a capital or a quote.
_BLOCK_CUT = re.compile(r"[.!?…।][\"'”’)\]]*\s+(?=[\"“‘(\[]?[^\W\d_a-z])")
_LAST_WORD = re.compile(r"\w+$")
# Periods after these rarely end a sentence; block cuts avoid them (pysbd knows more of them).
_ABBREVIATIONS = set(
    "Mr Mrs Ms Dr St Prof Jr Sr vs etc Inc Ltd Co Corp Mt Ft Gen Capt Lt Sgt Rev Gov Sen Rep No"
    " Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Ave Blvd Rd approx Fig fig al cf pp".split()
)
_CLAUSE_END = re.compile(r"[,;:—…]\s+")
_RAW_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
# Clause boundaries; not before a digit, so "Jan. 3, 2024" keeps its year for the normalizer,
# nor before a two-letter code ("Santa Clara, CA": read as a state after its city).
# Chinese and Japanese put no space after a comma: there the cut needs none.
_CLAUSE = re.compile(
    r"(?<=[,;:—…])\s+(?!\d|[A-Z]{2}\b)|\s+(?=—)|(?<=[，、；：])|(?<=[,;:])(?=[\u3040-\u9fff])"
)
_CLOSING = tuple(",.;:!?…)”")
_HALF_DAY = re.compile(r"[\s\d][apAP]\.\s[mM]\.")

Phonemizer = Callable[[list[str]], list[str]]  # texts -> Kokoro phonemes, one call per batch


@dataclass
class Piece:
    """Source text and its phonemes; `sentence_end` marks the last piece of a sentence."""

    text: str
    phonemes: str
    sentence_end: bool = False


def _after_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at `dot` ends an abbreviation or an initial ("Dr.", "J.")."""
    word = _LAST_WORD.search(text, 0, dot)
    return bool(word) and (word[0] in _ABBREVIATIONS or len(word[0]) == 1 and word[0].isupper())


def blocks(text: str, size: int = BLOCK_CHARS) -> Iterator[str]:
    """`text` in consecutive blocks of about `size` characters, cut at likely sentence ends."""
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = 0
        for pattern in (_BLOCK_CUT, _CLAUSE_END):  # a sentence end, else a clause end, else a space
            for m in pattern.finditer(window, size // 2):
                if not _after_abbreviation(window, m.start()):
                    cut = m.end()
            if cut:
                break
        if not cut:
            cut = window.rfind(" ") + 1
        if cut <= 0:  # no space in the window: one giant word runs on to the next space
            nxt = re.search(r"\s", text[start + size :])
            cut = size + nxt.end() if nxt else len(text) - start
        yield text[start : start + cut]
        start += cut
    if text[start:].strip():
        yield text[start:]


@cache
def _segmenter(lang: str):  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language=_PYSBD_LANG.get(lang, "en"), clean=False)


def sentences(block: str, lang: str, raw_phonemes: bool = False) -> list[str]:
    """Sentences of `block`; their concatenation keeps every non-space character."""
    if raw_phonemes:
        return [s for s in _RAW_SENTENCE.split(block) if s.strip()]
    if lang in cjk.LANGS:  # no space after 。: pysbd would not cut there
        return cjk.sentences(block)
    try:
        found = _segmenter(lang).segment(block)
    except Exception:  # pysbd bug on odd input: the clause splitter still bounds the size
        found = [block]
    cuts, pos = [], 0
    for seg in found:
        seg = seg.strip()
        i = block.find(seg, pos) if seg else -1
        if i < 0:
            continue  # pysbd altered this piece; the text is kept as part of the next one
        pos = i + len(seg)
        # Only cut at whitespace: pysbd splits "0!0" or "end.Next", which would cut a word;
        # nor inside Spanish "10:30 p. m.", which the normalizer reads as one time.
        if pos < len(block) and block[pos].isspace() and not _HALF_DAY.match(block, pos - 3):
            cuts.append(pos)
    bounds = zip([0, *cuts], [*cuts, len(block)], strict=True)
    return [s for s in (block[a:b].strip() for a, b in bounds) if s]


def join_parts(parts: list[str]) -> str:
    """Phoneme parts joined by spaces, but none before closing punctuation ("kˈOkəɹO ,")."""
    out = ""
    for p in parts:
        if p:
            out += p if not out or p.startswith(_CLOSING) else " " + p
    return out


def join_text(parts: list[str]) -> str:
    """Source text parts (cut at whitespace) joined back with single spaces."""
    return " ".join(p for p in parts if p)


def split_phonemes(phonemes: str, limit: int) -> list[str]:
    """Last resort for one over-long word: cut its phonemes at token boundaries (see module doc)."""
    out = []
    while len(phonemes) > limit:
        cut = phonemes.rfind(" ", 1, limit + 1)
        cut = cut if cut > 0 else limit
        out.append(phonemes[:cut].strip())
        phonemes = phonemes[cut:].strip()
    return [*out, phonemes] if phonemes else out


class Splitter:
    """Turns sentences into Pieces of at most CHUNK_TOKENS phonemes each."""

    def __init__(self, phonemize: Phonemizer, lang: str = "") -> None:
        self.phonemize = phonemize
        self.openers = _OPENERS.get(lang.split("-")[0], frozenset())

    def pieces(self, sents: list[str], first_limit: int | None, lead: bool = False) -> list[Piece]:
        """Phonemize `sents` in one batch, splitting those over the limit.

        With first_limit, sentence i may hold at most first_limit * 2**i tokens (the ramp of
        chunk sizes at the start of the output); later sentences up to CHUNK_TOKENS. `lead`:
        the first sentence opens the output, and a first clause over the limit is cut before a
        phrase (see FIRST_TOKENS).
        """
        out: list[Piece] = []
        for i, (text, ps) in enumerate(zip(sents, self.phonemize(sents), strict=True)):
            limit = min(CHUNK_TOKENS, first_limit << i) if first_limit and i < 8 else CHUNK_TOKENS
            parts = [Piece(text, ps)] if len(ps) <= limit else self._clauses(text, limit)
            if lead and i == 0 and len(parts[0].phonemes) > limit:
                parts[:1] = self._lead(parts[0], limit)
            parts[-1].sentence_end = True
            out.extend(parts)
        return out

    def _lead(self, piece: Piece, limit: int) -> list[Piece]:
        """`piece` cut before a phrase-opening word so that its head fits in `limit` tokens,
        or [piece] where no such word leaves LEAD_WORDS words on each side."""
        words = piece.text.split()
        cuts = [
            j
            for j in range(LEAD_WORDS, len(words) - LEAD_WORDS + 1)
            if words[j].lower().strip("\"'“‘«(¿¡") in self.openers
        ]
        # the longest heads that the piece's characters-per-token ratio lets fit, at most
        # three espeak calls; the phonemes decide
        ratio = len(piece.phonemes) / max(len(piece.text), 1)
        fits = [j for j in reversed(cuts) if len(" ".join(words[:j])) * ratio <= limit * 1.2]
        for j in fits[:3]:
            head, rest = " ".join(words[:j]), " ".join(words[j:])
            ps_head, ps_rest = self.phonemize([head, rest])
            if len(ps_head) <= limit:
                return [Piece(head, ps_head), Piece(rest, ps_rest)]
        return [piece]

    def _clauses(self, text: str, limit: int) -> list[Piece]:
        clauses = [c for c in _CLAUSE.split(text) if c.strip()]
        out: list[Piece] = []
        for clause, ps in zip(clauses, self.phonemize(clauses), strict=True):
            if len(ps) <= CHUNK_TOKENS:
                out.append(Piece(clause, ps))
            else:
                out.extend(self._words(clause.split()))
        return self._whole(_merge(out, limit), len(out), limit)

    def _settle(self, words: list[str], groups: list[list[str]]) -> list[list[str]]:
        """Move each cut between groups up to _MAX_DEFER words on, to the first place where
        the words on either side read apart as they read together: each group is phonemized
        on its own, and a cut inside "Jan 17" or "4528 N | Elm Ave" would read "Jan
        seventeen", "four thousand ... N". Where no place nearby does, the cut stays."""
        starts = [sum(len(g) for g in groups[:k]) for k in range(1, len(groups))]
        settled: list[int] = []
        for start in starts:
            low = settled[-1] + 1 if settled else 1
            for at in range(max(start, low), min(start + _MAX_DEFER, len(words) - 1) + 1):
                left = " ".join(words[max(at - SEAM_WORDS, 0) : at])
                right = " ".join(words[at : at + SEAM_WORDS])
                apart_l, apart_r, together = self.phonemize([left, right, f"{left} {right}"])
                if join_parts([apart_l, apart_r]) == together:
                    settled.append(at)
                    break
            else:
                if start >= low:
                    settled.append(start)
        bounds = zip([0, *settled], [*settled, len(words)], strict=True)
        return [words[a:b] for a, b in bounds if b > a]

    def _whole(self, merged: list[Piece], pieces: int, limit: int) -> list[Piece]:
        """Pieces that _merge joined were phonemized apart: a reader or espeak saw each part
        without the other ("Elm Ave." without "4528 N"). Read each such chunk again whole,
        and keep that where it still fits."""
        if len(merged) == pieces:
            return merged
        again = self.phonemize([p.text for p in merged])
        return [Piece(p.text, ps) if len(ps) <= limit else p
                for p, ps in zip(merged, again, strict=True)]  # fmt: skip

    def _words(self, words: list[str], ps: str | None = None) -> list[Piece]:
        text = " ".join(words)
        if ps is None:
            (ps,) = self.phonemize([text])
        if len(ps) <= CHUNK_TOKENS:
            return [Piece(text, ps)]
        if len(words) == 1:
            cuts = split_phonemes(ps, CHUNK_TOKENS)
            # The word's text goes with its first piece; the rest continue its sound.
            return [Piece(text if k == 0 else "", p) for k, p in enumerate(cuts)]
        # Cut into groups sized by this clause's characters-per-token ratio and phonemize them in
        # one batch; only a group that still overflows recurses. Keeps long input linear.
        target = WORD_GROUP_TOKENS * len(text) / len(ps)
        groups = self._settle(words, _groups(words, target))
        texts = [" ".join(g) for g in groups]
        out: list[Piece] = []
        for g, t, p in zip(groups, texts, self.phonemize(texts), strict=True):
            out.extend([Piece(t, p)] if len(p) <= CHUNK_TOKENS else self._words(g, p))
        return out


def _groups(words: list[str], target: float) -> list[list[str]]:
    """Words in groups of about `target` characters."""
    groups: list[list[str]] = [[]]
    size = 0
    for w in words:
        if groups[-1] and size + len(w) + 1 > target:
            groups.append([])
            size = 0
        groups[-1].append(w)
        size += len(w) + 1
    return groups


_MAX_DEFER = 6  # words a cut in a long clause may move on to find a place that reads the same
SEAM_WORDS = 4  # words on each side of a cut that _settle reads apart and together


def _merge(pieces: list[Piece], limit: int) -> list[Piece]:
    """Greedily join neighbouring pieces while the joint phonemes stay within `limit`."""
    out: list[Piece] = []
    for p in pieces:
        if out and len(out[-1].phonemes) + 1 + len(p.phonemes) <= limit:
            last = out[-1]
            out[-1] = Piece(join_text([last.text, p.text]), join_parts([last.phonemes, p.phonemes]))
        else:
            out.append(p)
    return out


class Packer:
    """Packs pieces into chunks: a short first chunk, limits doubling up to CHUNK_TOKENS.

    Without fast_start every chunk may be full size: for outputs nobody listens to while they
    are made (files, batch jobs), where fewer, longer chunks are faster and keep more context.
    """

    def __init__(self, fast_start: bool = True) -> None:
        self.start = FIRST_TOKENS if fast_start else CHUNK_TOKENS
        self.texts: list[str] = []
        self.phonemes: list[str] = []
        self.size = 0
        self.count = 0  # chunks emitted so far

    @property
    def first(self) -> bool:
        return self.count == 0

    @property
    def limit(self) -> int:
        return min(CHUNK_TOKENS, self.start << min(self.count, 8))

    def add(self, piece: Piece) -> Iterator[tuple[str, str]]:
        """Add a piece; yields (text, phonemes) of each chunk completed on the way."""
        limit = self.limit
        n = len(piece.phonemes)
        if self.phonemes and self.size + 1 + n > limit:
            yield from self.flush()
        if piece.text or piece.phonemes:
            self.texts.append(piece.text)
            self.phonemes.append(piece.phonemes)
            self.size += n + (1 if self.size else 0)
        if self.first and piece.sentence_end and self.start < CHUNK_TOKENS:
            yield from self.flush()

    def flush(self) -> Iterator[tuple[str, str]]:
        """The pending chunk, if any."""
        if self.texts:
            yield join_text(self.texts), join_parts(self.phonemes)
            self.count += 1
        self.texts, self.phonemes, self.size = [], [], 0
