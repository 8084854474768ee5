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


# A document's declared language (BCP 47 as in dc:language or <html lang>, or ISO 639-2/3 as some
# EPUBs write it) -> ours. English is en-us unless it says Britain or Ireland; every Portuguese
# and French is read by the one voice set we have for it.
_TAG_LANGS = {
    "en": "en-us", "eng": "en-us", "es": "es", "spa": "es", "fr": "fr-fr", "fra": "fr-fr",
    "fre": "fr-fr", "hi": "hi", "hin": "hi", "it": "it", "ita": "it", "pt": "pt-br",
    "por": "pt-br", "ja": "ja", "jpn": "ja", "zh": "zh", "zho": "zh", "chi": "zh", "cmn": "zh",
}  # fmt: skip
_BRITISH = {"gb", "uk", "ie"}


def lang_of_tag(tag: str) -> str | None:
    """Our language code for a document's language tag ("en-GB" -> "en-gb", "ja-JP" -> "ja"),
    or None when we do not speak it ("ar", "de", "yue")."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    code = _TAG_LANGS.get(parts[0])
    if code == "en-us" and _BRITISH & set(parts[1:]):
        return "en-gb"
    return code
