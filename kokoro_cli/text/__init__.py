"""Text front-end: text -> normalized text -> chunks -> phonemes -> token ids.

Stages, one module each: markup, lexicon (the user's pronunciations), normalize (+ normalize_en
and readings_en), split, espeak (clause by clause, checked so no word is lost), g2p (the mapping
to Kokoro's symbols, the vocabulary).

Japanese and Mandarin have front-ends of their own (ja.py, zh.py, cjk.py): espeak-ng reads
every kanji/hanzi as the words "Chinese letter", and its Mandarin tone digits do not line up with
Kokoro's tone arrows, so those languages never go through espeak (except Latin words in them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

from kokoro_cli.errors import UsageError
from kokoro_cli.text import cjk, markup
from kokoro_cli.text.cjk_common import speakable
from kokoro_cli.text.g2p import g2p_many, tokenize
from kokoro_cli.text.langs import LANGUAGES, check_lang
from kokoro_cli.text.lexicon import Lexicon
from kokoro_cli.text.normalize import normalizer
from kokoro_cli.text.split import CHUNK_TOKENS, Packer, Splitter, blocks, join_parts, sentences

__all__ = [
    "LANGUAGES", "Chunk", "Lexicon", "check_lang", "chunks", "phonemize", "tokenize", "warm_up"
]  # fmt: skip

T = TypeVar("T")
_WARM_UP = {"ja": "こんにちは。", "zh": "你好。"}  # loads OpenJTalk / jieba and pypinyin
_POSSESSIVE = re.compile(r"'s\b")


@dataclass(frozen=True)
class Chunk:
    """One model call's worth of speech and the silence that follows it."""

    text: str  # source text of the chunk (markup resolved to its display text)
    phonemes: str
    tokens: list[int]  # vocab ids, len <= MAX_TOKENS, no pads; empty for a pure pause
    pause_after: float  # seconds of silence after the audio of this chunk


def _phonemizer(run: markup.Run, lang: str, raw: bool, lexicon: Lexicon | None):  # type: ignore[no-untyped-def]
    """texts (with pronunciation placeholders) -> Kokoro phonemes, one espeak call per batch."""
    if raw:
        return lambda texts: list(texts)
    say = normalizer(lang)
    match = lexicon.matcher(lang) if lexicon else None

    def plan(text: str) -> list[tuple[str, bool]]:
        """(text to read, False) and (Kokoro phonemes, True) items of one text, in order."""
        parts = markup.PLACEHOLDER.split(text)  # odd items are placeholders
        items: list[tuple[str, bool]] = []
        for k, part in enumerate(parts):
            if k % 2 == 0:
                pairs = match.split(part) if match else [(part, None)]
                items += [(t, False) if ps is None else (ps, True) for t, ps in pairs]
                continue
            ps = run.custom[ord(part) - markup.PLACEHOLDER_BASE][1]
            m = _POSSESSIVE.match(parts[k + 1])  # "[Kokoro](/../)'s": the 's joins the word
            if m:
                parts[k + 1] = parts[k + 1][m.end() :]
                ps += "s" if ps[-1] in "ptkfθ" else "z"
            items.append((ps, True))
        return items

    def phonemize_batch(texts: list[str]) -> list[str]:
        plans = [plan(t) for t in texts]
        spoken = [say(s).strip() for items in plans for s, fixed in items if not fixed]
        to_ipa = cjk.g2p(lang) if lang in cjk.LANGS else lambda ts: g2p_many(ts, lang)
        ipa = iter(to_ipa([s for s in spoken if s]))
        flat = iter(spoken)
        out = []
        for items in plans:
            pieces = []
            for s, fixed in items:
                if fixed:
                    pieces.append(s)
                elif next(flat):
                    pieces.append(next(ipa))
            out.append(join_parts(pieces))
        return out

    return phonemize_batch


def chunks(
    text: str,
    lang: str,
    *,
    raw_phonemes: bool = False,
    fast_start: bool = True,
    paragraph_pause: float = markup.PARAGRAPH_PAUSE,
    lexicon: Lexicon | None = None,
) -> Iterator[Chunk]:
    """Chunks of `text` in order, each within the model's token limit (see split.py).

    fast_start makes the first chunks short, so that audio can start playing early;
    paragraph_pause is the pause_after a blank line gives (seconds); lexicon entries (see
    lexicon.py) replace espeak's reading of the words they name."""
    code = check_lang(lang)
    if not text.strip():
        raise UsageError("no text to speak: the input is empty or only whitespace — give some text")
    # Parsing is eager so markup errors surface before the first chunk is synthesized.
    items = markup.parse(text, raw_phonemes=raw_phonemes, paragraph_pause=paragraph_pause)
    if not any(isinstance(it, markup.Run) for it in items) and not any(
        isinstance(it, markup.Pause) and not it.paragraph for it in items
    ):
        raise UsageError("no text to speak: the input has only invisible characters — give text")
    if not raw_phonemes:
        _check_cjk(items, code)
    return _chunks(items, code, raw_phonemes, fast_start, lexicon)


def _check_cjk(items: list[markup.Run | markup.Pause], lang: str) -> None:
    """Kana in Mandarin text, or Japanese/Mandarin text with nothing to pronounce."""
    runs = [it for it in items if isinstance(it, markup.Run)]
    for run in runs:
        cjk.check_script(run.text, lang)
    if lang in cjk.LANGS and runs and not any(speakable(r.text) or r.custom for r in runs):
        raise UsageError("no text to speak: the input has only punctuation — give some words")


def _pause_after(items: list[markup.Run | markup.Pause], start: int) -> float:
    """Silence owed by the pause items from `start` up to the next run of text."""
    pause = 0.0
    for item in items[start:]:
        if isinstance(item, markup.Run):
            return pause
        pause = max(pause, item.seconds) if item.paragraph else pause + item.seconds
    # At the end of the text only explicit tags count: a trailing blank line adds no silence.
    tags = [it.seconds for it in items[start:] if isinstance(it, markup.Pause) and not it.paragraph]
    return sum(tags, 0.0)


def _last_flagged(items: Iterator[T]) -> Iterator[tuple[T, bool]]:
    """(item, is_last) pairs, looking one item ahead."""
    it = iter(items)
    try:
        prev = next(it)
    except StopIteration:
        return
    for item in it:
        yield prev, False
        prev = item
    yield prev, True


def _chunks(
    items: list[markup.Run | markup.Pause],
    lang: str,
    raw: bool,
    fast_start: bool,
    lexicon: Lexicon | None,
) -> Iterator[Chunk]:
    packer = Packer(fast_start)
    lead = 0.0  # pause tags before any speech; blank lines there are not a pause
    for item in items:
        if isinstance(item, markup.Run):
            break
        lead += 0.0 if item.paragraph else item.seconds
    if lead:
        yield Chunk("", "", [], lead)
    for index, run in enumerate(items):
        if not isinstance(run, markup.Pause):
            yield from _run_chunks(run, lang, raw, packer, _pause_after(items, index + 1), lexicon)


def _run_chunks(
    run: markup.Run,
    lang: str,
    raw: bool,
    packer: Packer,
    pause: float,
    lexicon: Lexicon | None = None,
) -> Iterator[Chunk]:
    """Chunks of one run; the last carries the pause that follows the run.

    Every other chunk is yielded the moment it is complete, so playback never waits on text
    further ahead than the chunk being built.
    """
    splitter = Splitter(_phonemizer(run, lang, raw, lexicon), "" if raw else lang)
    for block, last_block in _last_flagged(blocks(run.text)):
        sents = sentences(block, lang, raw)
        first_limit = packer.limit if packer.limit < CHUNK_TOKENS else None
        # the output's first chunk may end inside its first sentence, before a phrase
        lead = packer.first and not packer.texts and first_limit is not None
        pieces = splitter.pieces(sents, first_limit, lead)
        for piece, last_piece in _last_flagged(iter(pieces)):
            done = list(packer.add(piece))
            final = last_block and last_piece
            if final:
                done += packer.flush()
            for k, (text, ps) in enumerate(done):
                after = pause if final and k == len(done) - 1 else 0.0
                yield Chunk(markup.restore(text, run), ps, tokenize(ps), after)


def warm_up(lang: str) -> None:
    """Load the normalizer, sentence splitter and espeak voice (or the ja/zh front-end) for
    `lang` ahead of the first chunk (~0.13 s cold for espeak); callers run it in a thread while
    the model loads."""
    for _ in chunks(_WARM_UP.get(lang, "Hello."), lang):
        pass


def phonemize(text: str, lang: str, lexicon: Lexicon | None = None) -> str:
    """Kokoro phonemes for `text` (normalized, markup applied), chunks joined by spaces."""
    return " ".join(c.phonemes for c in chunks(text, lang, lexicon=lexicon) if c.phonemes)
