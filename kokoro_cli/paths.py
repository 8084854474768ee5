"""Where kokoro-cli keeps and finds files: its cache, the user's lexicon, and whether a voice is a
file. Kept light (no text front end, no numpy) so that `say`'s server fast path can ask without
loading what it means to skip, and low enough that every layer may ask."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "KOKORO_CACHE_DIR"
LEXICON_ENV = "KOKORO_LEXICON"  # lexicon files, separated like PATH
USER_LEXICON = "lexicon.txt"  # in the user config dir, loaded when present


def is_voice_file(term: str) -> bool:
    """Whether one term of a --voice names a voicepack file (a .pt path) rather than a voice."""
    return term.endswith(".pt") or "/" in term or os.sep in term


def user_lexicon() -> Path:
    """The lexicon loaded automatically when it exists."""
    import platformdirs

    return Path(platformdirs.user_config_dir("kokoro-cli")) / USER_LEXICON


def lexicon_in_use() -> bool:
    """Whether a lexicon applies without being named on the command line."""
    return bool(os.environ.get(LEXICON_ENV, "").strip()) or user_lexicon().is_file()


def cache_dir() -> Path:
    """$KOKORO_CACHE_DIR, else the user cache dir (XDG on Linux): converted weights, the native
    kernel, dictionaries built on first use, the book's chunk cache."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("kokoro-cli"))
