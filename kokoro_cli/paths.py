"""Where kokoro-cli looks for the user's own files, kept light (no text front end, no numpy) so
that `say`'s server fast path can ask without loading what it means to skip."""

from __future__ import annotations

import os
from pathlib import Path

LEXICON_ENV = "KOKORO_LEXICON"  # lexicon files, separated like PATH
USER_LEXICON = "lexicon.txt"  # in the user config dir, loaded when present


def user_lexicon() -> Path:
    """The lexicon loaded automatically when it exists."""
    import platformdirs

    return Path(platformdirs.user_config_dir("kokoro-cli")) / USER_LEXICON


def lexicon_in_use() -> bool:
    """Whether a lexicon applies without being named on the command line."""
    return bool(os.environ.get(LEXICON_ENV, "").strip()) or user_lexicon().is_file()
