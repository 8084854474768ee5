"""Kokoro v1.0 phoneme vocabulary: symbol <-> token id, loaded from the shipped config.json."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from kokoro_cli.errors import UsageError


@lru_cache(maxsize=1)
def vocab() -> dict[str, int]:
    """Symbol -> id map (ids 1..177; 0 is the pad the engine adds around each chunk)."""
    # The package ships the model's config.json; reading it keeps one source of truth.
    # Via the top package: importing kokoro_cli.model would pull in torch.
    path = resources.files("kokoro_cli").joinpath("model", "config.json")
    raw = path.read_text(encoding="utf-8")
    table = json.loads(raw)["vocab"]
    return {symbol: int(i) for symbol, i in table.items()}


@lru_cache(maxsize=1)
def unknown_pattern() -> re.Pattern[str]:
    """Matches any character outside the vocabulary."""
    return re.compile("[^" + "".join(re.escape(ch) for ch in vocab()) + "]")


def invalid_symbols(phonemes: str) -> list[str]:
    """Symbols of `phonemes` that are not in the vocabulary, in order of first appearance."""
    return list(dict.fromkeys(unknown_pattern().findall(phonemes)))


def describe(symbols: list[str]) -> str:
    """Readable list of symbols for error messages (shows code points for invisible ones)."""
    shown = []
    for s in symbols[:12]:
        visible = s.isprintable() and not s.isspace()
        shown.append(f"'{s}'" if visible else f"U+{ord(s):04X}")
    more = f" and {len(symbols) - 12} more" if len(symbols) > 12 else ""
    return ", ".join(shown) + more


def tokenize(phonemes: str) -> list[int]:
    """Token ids for Kokoro phonemes; every symbol must be in the vocabulary."""
    bad = invalid_symbols(phonemes)
    if bad:
        raise UsageError(
            f"phonemes contain symbols outside the Kokoro vocabulary: {describe(bad)}"
            " — use only Kokoro v1.0 phoneme symbols"
        )
    known = vocab()
    return [known[ch] for ch in phonemes]
