"""Inline markup: custom pronunciations, pause tags and paragraph breaks.

    [Kokoro](/kˈOkəɹO/)   say the word in brackets with the Kokoro phonemes between the slashes
    [pause:0.5s]          silence of 0.5 s (also [pause:300ms]); at most MAX_PAUSE seconds
    a blank line          paragraph break: a longer pause than between sentences

parse() turns text into a flat list of Run and Pause items; a Run's text has each custom
pronunciation replaced by one placeholder character (see PLACEHOLDER) so sentence splitting and
normalization can treat it as an opaque word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kokoro_cli.errors import UsageError
from kokoro_cli.pauses import MAX_PAUSE, PARAGRAPH_PAUSE  # pause bounds and the blank line's
from kokoro_cli.text.g2p import describe, invalid_symbols
from kokoro_cli.text.normalize import clean

# Placeholders live in Supplementary Private Use Area-A, which clean() strips from user text.
PLACEHOLDER_BASE = 0xF0000
MAX_CUSTOM = 0xFFFD  # placeholders available per run
PLACEHOLDER = re.compile("([\U000f0000-\U000ffffd])")

_PRONOUNCE = re.compile(r"\[([^\[\]\n]+)\]\(/([^/()\n]*)/\)")
_PAUSE = re.compile(r"\[pause:([^\]\n]*)\]", re.IGNORECASE)
_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")
PRONOUNCE_TAG, PAUSE_TAG = _PRONOUNCE, _PAUSE  # also read by text/align.py (word offsets)
_PAUSE_VALUE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)?\s*", re.IGNORECASE)


@dataclass
class Run:
    """Text between two hard boundaries; custom phonemes[k] stands at placeholder k."""

    text: str
    custom: list[tuple[str, str]] = field(default_factory=list)  # (display text, phonemes)


@dataclass(frozen=True)
class Pause:
    """Silence after the preceding text; `paragraph` marks a blank line."""

    seconds: float
    paragraph: bool = False


def pause_seconds(tag: str, value: str) -> float:
    """Seconds of a pause tag's value ("0.5s", "500ms", "2")."""
    m = _PAUSE_VALUE.fullmatch(value)
    if not m:
        raise UsageError(f"bad pause tag '{tag}' — write it like [pause:0.5s] or [pause:300ms]")
    seconds = float(m[1]) / (1000.0 if (m[2] or "").lower() == "ms" else 1.0)
    if seconds > MAX_PAUSE:
        raise UsageError(f"pause tag '{tag}' is longer than {MAX_PAUSE:g} s — use a shorter pause")
    return seconds


def _custom_phonemes(tag: str, phonemes: str) -> str:
    phonemes = phonemes.strip()
    if not phonemes:
        raise UsageError(f"custom pronunciation '{tag}' has no phonemes — write [word](/phonemes/)")
    bad = invalid_symbols(phonemes)
    if bad:
        raise UsageError(
            f"custom pronunciation '{tag}' uses symbols outside the Kokoro vocabulary:"
            f" {describe(bad)} — use Kokoro v1.0 phoneme symbols"
        )
    return phonemes


def _runs(paragraph: str, raw_phonemes: bool) -> list[Run | Pause]:
    """Split one paragraph at pause tags; pronunciations become placeholders."""
    items: list[Run | Pause] = []
    pos = 0
    for m in _PAUSE.finditer(paragraph):
        items.append(_run(paragraph[pos : m.start()], raw_phonemes))
        items.append(Pause(pause_seconds(m[0], m[1])))
        pos = m.end()
    items.append(_run(paragraph[pos:], raw_phonemes))
    return [it for it in items if not isinstance(it, Run) or it.text.strip()]


def _run(text: str, raw_phonemes: bool) -> Run:
    if raw_phonemes:  # the user's own phonemes: no pronunciation markup, checked symbol by symbol
        phonemes = " ".join(text.split())
        bad = invalid_symbols(phonemes)
        if bad:
            raise UsageError(
                f"raw phoneme input contains symbols outside the Kokoro vocabulary: {describe(bad)}"
                " — use Kokoro v1.0 phoneme symbols, or drop --phonemes for plain text"
            )
        return Run(phonemes)
    run = Run("")
    out: list[str] = []
    pos = 0
    for m in _PRONOUNCE.finditer(text):
        if len(run.custom) >= MAX_CUSTOM:
            raise UsageError("too many custom pronunciations in one paragraph — split it up")
        out.append(clean(text[pos : m.start()]))
        # Keep the source's spacing around the markup ("[Kokoro](/../)'s" stays one word).
        if m.start() > 0 and text[m.start() - 1].isspace():
            out.append(" ")
        out.append(chr(PLACEHOLDER_BASE + len(run.custom)))
        if m.end() < len(text) and text[m.end()].isspace():
            out.append(" ")
        run.custom.append((clean(m[1]), _custom_phonemes(m[0], m[2])))
        pos = m.end()
    out.append(clean(text[pos:]))
    run.text = " ".join("".join(out).split())
    return run


def parse(
    text: str, *, raw_phonemes: bool = False, paragraph_pause: float = PARAGRAPH_PAUSE
) -> list[Run | Pause]:
    """Runs of text and the pauses between them, in order."""
    items: list[Run | Pause] = []
    for i, paragraph in enumerate(_PARAGRAPH.split(text)):
        if i > 0:
            items.append(Pause(paragraph_pause, paragraph=True))
        items.extend(_runs(paragraph, raw_phonemes))
    return items


def restore(text: str, run: Run) -> str:
    """`text` with placeholders replaced by the display text of their pronunciations."""
    return PLACEHOLDER.sub(lambda m: run.custom[ord(m[1]) - PLACEHOLDER_BASE][0], text)
