"""Which words of the input each spoken word comes from.

The front-end rewrites text on its way to espeak: markup is resolved, punctuation cleaned, and
the normalizer writes out numbers, money and abbreviations ("$5" -> "five dollars"). Word
timings must point back into the text the user gave, so this module lines the word sequences
up again without knowing the rules that changed them: a diff of word keys (lowercase letters
and digits) anchors on identical words, and each run of unmatched words maps as one group
("$5" <-> "five dollars", "Jan. 3" <-> "January third").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kokoro_cli.text import markup

_WORD = re.compile(r"\S+")
_NOT_KEY = re.compile(r"[\W_]+")
# Punctuation that is only a separator: words made of it alone are not spoken as words.
_SEPARATORS = set(".,;:!?—–-…\"'“”‘’«»()[]{}/\\*_~`")
# Trimmed off a word's ends in its cue ("world," -> "world"); "$5", "5%", "U.S." keep theirs.
_LEADING = "\"'“‘«([{"
_TRAILING = "\"'”’»)]},;:!?…"
_INITIALS = re.compile(r"(?:[^\W\d_]\.){2,}")  # "U.S.", "a.m.": the last period is theirs
_FILLER = "\x00"  # never in the text the front-end sees: clean() removes control characters
_PLAIN = re.compile("[^\x00]+")
WINDOW_SLACK = 16  # source words looked at beyond a chunk's own count, for words it lost


def key(word: str) -> str:
    """What two spellings of one word share: lowercase letters and digits ('' = not a word)."""
    k = _NOT_KEY.sub("", word).lower()
    if k:
        return k
    return "" if all(ch in _SEPARATORS for ch in word) else word  # "&", "$", "%" still count


def keyed(words: Sequence[str]) -> tuple[list[int], list[str]]:
    """Indices and keys of the words that have a key."""
    pairs = [(i, k) for i, w in enumerate(words) if (k := key(w))]
    return [i for i, _ in pairs], [k for _, k in pairs]


def blocks(
    a: Sequence[str], b: Sequence[str], expand: Callable[[str], str] | None = None
) -> list[tuple[list[int], list[int]]]:
    """Monotone groups pairing words of `a` with words of `b`, by their keys.

    Identical words pair one to one; an unmatched run pairs one to one if both sides have the
    same length ("Dr." / "Doctor"), else as one group, unless `expand` (the normalizer) says
    how many words each word of `a` becomes on its own and those counts add up ("Jan. 3,
    2024" -> "January", "three", "twenty twenty-four": 1 + 1 + 2 words). Words without a key
    are left out, and so are runs with nothing on the other side.
    """
    ia, ka = keyed(a)
    ib, kb = keyed(b)
    out: list[tuple[list[int], list[int]]] = []
    ops = difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes()
    for tag, a1, a2, b1, b2 in ops:
        if tag == "equal" or (tag == "replace" and a2 - a1 == b2 - b1):
            out += [([ia[a1 + k]], [ib[b1 + k]]) for k in range(a2 - a1)]
        elif tag == "replace":
            counts = [len(keyed(expand(a[i]).split())[0]) for i in ia[a1:a2]] if expand else []
            if a2 - a1 > 1 and sum(counts) == b2 - b1 and all(counts):
                for i, n in zip(ia[a1:a2], counts, strict=True):
                    out.append(([i], ib[b1 : b1 + n]))
                    b1 += n
            else:
                out.append((ia[a1:a2], ib[b1:b2]))
    return out


@dataclass(frozen=True)
class SourceWord:
    """A word of the input text as the front-end sees it, and where it is in the input."""

    text: str  # as displayed (a pronunciation's bracketed text, pause tags left out)
    start: int  # character offsets into the input
    end: int


def source_words(text: str, raw_phonemes: bool = False) -> list[SourceWord]:
    """The input's words with their character spans, markup resolved the way parse() does it.

    A pronunciation `[word](/phonemes/)` counts as its bracketed text at that text's offsets, a
    pause tag as a space; everything else is split at whitespace.
    """
    # A copy of the same length, so offsets carry over: pause tags blanked, a pronunciation's
    # brackets and phonemes turned into a filler that belongs to the word but is not shown.
    masked = markup.PAUSE_TAG.sub(lambda m: " " * len(m[0]), text)
    if not raw_phonemes:
        masked = markup.PRONOUNCE_TAG.sub(
            lambda m: _FILLER + m[1] + _FILLER * (m.end() - m.end(1)), masked
        )
    out = []
    for m in _WORD.finditer(masked):
        word = m[0]
        if _FILLER not in word:
            out.append(SourceWord(word, m.start(), m.end()))
        elif shown := word.replace(_FILLER, ""):
            # a word that runs into markup ("[Kokoro](/kˈOkəɹO/)'s") gets its longest piece of
            # plain text ("Kokoro") as its span, so its slice of the input is readable
            piece = max(_PLAIN.finditer(word), key=lambda p: len(p[0]))
            out.append(SourceWord(shown, m.start() + piece.start(), m.start() + piece.end()))
    return out


class SourceCursor:
    """Follows the chunks through the input's words, in order."""

    def __init__(self, text: str, raw_phonemes: bool = False) -> None:
        self.text = text
        self.raw_phonemes = raw_phonemes
        self._words: list[SourceWord] | None = None  # built on first use: after the first audio
        self.next = 0  # index of the first source word no chunk has claimed yet

    @property
    def words(self) -> list[SourceWord]:
        if self._words is None:
            self._words = source_words(self.text, self.raw_phonemes)
        return self._words

    def locate(self, chunk_words: Sequence[str]) -> list[tuple[list[int], list[int]]]:
        """Groups pairing indices of `chunk_words` with indices into `words`; moves past them."""
        n = len(keyed(chunk_words)[0])
        if not n:
            return []
        window = self.words[self.next : self.next + n + WINDOW_SLACK + n // 4]
        pairs = blocks(chunk_words, [w.text for w in window])
        # A trailing unmatched run may reach into the next chunk's words: keep it as long as
        # the chunk's side (the common case is an exact match, which never gets here).
        if pairs and len(pairs[-1][1]) > len(pairs[-1][0]):
            own, theirs = pairs[-1]
            pairs[-1] = (own, theirs[: len(own)])
        if not pairs:
            return []
        out = [(cw, [self.next + s for s in sw]) for cw, sw in pairs]
        self.next = out[-1][1][-1] + 1
        return out


def trimmed_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A word's span without the quotes and punctuation around it ("(world)," -> "world").

    A span that is nothing but punctuation stays whole.
    """
    a, b = start, end
    while a < b and text[a] in _LEADING:
        a += 1
    while b > a and (
        text[b - 1] in _TRAILING or text[b - 1] == "." and not _keeps_period(text[a:b])
    ):
        b -= 1
    return (a, b) if a < b else (start, end)


def _keeps_period(word: str) -> bool:
    """Whether a final period is part of the word: "U.S.", "a.m.", "Dr.", not "end."."""
    from kokoro_cli.text.split import _ABBREVIATIONS

    return bool(_INITIALS.fullmatch(word)) or word[:-1] in _ABBREVIATIONS


def caption(text: str) -> str:
    """A piece of the input as a subtitle shows it: markup resolved, whitespace collapsed."""
    text = markup.PAUSE_TAG.sub(" ", markup.PRONOUNCE_TAG.sub(r"\1", text))
    return " ".join(text.split())
