"""The languages the front end reads, and the codes users may give for them."""

from __future__ import annotations

from kokoro_cli.errors import UsageError

LANGUAGES: dict[str, str] = {
    "en-us": "American English",
    "en-gb": "British English",
    "es": "Spanish",
    "fr-fr": "French",
    "hi": "Hindi",
    "it": "Italian",
    "pt-br": "Brazilian Portuguese",
    "ja": "Japanese",
    "zh": "Mandarin Chinese",
}
_ALIASES = {"en": "en-us", "fr": "fr-fr", "pt": "pt-br", "cmn": "zh", "jp": "ja"}


def check_lang(lang: str) -> str:
    """Canonical language code for `lang`, or a UsageError listing the valid ones."""
    code = lang.strip().lower().replace("_", "-")
    code = _ALIASES.get(code, code)
    if code not in LANGUAGES:
        valid = ", ".join(f"{c} ({name})" for c, name in LANGUAGES.items())
        raise UsageError(f"unknown language '{lang}' — use one of: {valid}")
    return code
