"""Who reads a book: its declared language picks the voice unless --voice or --lang did.

A Japanese EPUB read by the English default voice is noise, so a book's language (dc:language,
<html lang>, the PDF's /Lang, Markdown front matter) chooses that language's voice
(model.voices.LANG_VOICES). A language Kokoro cannot speak is refused up front, naming it and
the ones it speaks, rather than read as gibberish for hours.
"""

from __future__ import annotations

from dataclasses import dataclass

from kokoro_cli.errors import KokoroError, UsageError

# Names for the languages books most often declare that Kokoro does not speak, so the refusal
# says "Arabic (ar)", not just "ar". Any other tag is named by itself.
OTHER_LANGUAGES = {
    "ar": "Arabic", "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "fa": "Persian", "fi": "Finnish", "he": "Hebrew",
    "hu": "Hungarian", "id": "Indonesian", "ko": "Korean", "la": "Latin", "nl": "Dutch",
    "no": "Norwegian", "nb": "Norwegian Bokmål", "pl": "Polish", "ro": "Romanian",
    "ru": "Russian", "sv": "Swedish", "ta": "Tamil", "th": "Thai", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "yue": "Cantonese",
}  # fmt: skip
# Tags that say no particular language: the book is then read as before (English default).
NO_LANGUAGE = {"", "und", "mul", "zxx", "mis"}


@dataclass(frozen=True)
class Narrator:
    voice: str
    lang: str | None  # None: the voice's own language
    source: str  # why: "--voice", "--lang", "book" or "default"


def language_name(tag: str) -> str:
    """'Arabic (ar)' for a tag, from our languages or OTHER_LANGUAGES, else the tag itself."""
    from kokoro_cli.text.langs import LANGUAGES, lang_of_tag

    code = lang_of_tag(tag)
    name = LANGUAGES.get(code or "") or OTHER_LANGUAGES.get(tag.lower().split("-")[0])
    return f"{name} ({tag})" if name else tag


def pick(
    book_language: str,
    *,
    voice: str | None,
    lang: str | None,
    preferred: str | None = None,
    default: str = "af_heart",
) -> Narrator:
    """The voice and language a book is read in.

    `voice` and `lang` are what the user gave on the command line (None when not given): they
    win. Otherwise the book's language picks its voice; `preferred` (KOKORO_VOICE) is kept when it
    speaks that language. A book that declares no language gets `preferred` or `default`.
    Raises UsageError for a language Kokoro cannot speak.
    """
    from kokoro_cli.model.voices import LANG_VOICES, voice_lang
    from kokoro_cli.text.langs import LANGUAGES, check_lang, lang_of_tag

    if voice:
        return Narrator(voice, lang, "--voice")
    if lang:
        return Narrator(LANG_VOICES[check_lang(lang)], lang, "--lang")
    tag = book_language.strip()
    if tag.lower() in NO_LANGUAGE:
        return Narrator(preferred or default, None, "default")
    code = lang_of_tag(tag)
    if code is None:
        ours = ", ".join(f"{name} ({c})" for c, name in LANGUAGES.items())
        raise UsageError(
            f"the book's language is {language_name(tag)}, which Kokoro cannot speak (it speaks "
            f"{ours}); to read it anyway, pass --lang or --voice"
        )
    if preferred:
        try:
            if voice_lang(preferred) == code:
                return Narrator(preferred, None, "book")
        except KokoroError:
            pass  # an unusable KOKORO_VOICE: the book's own voice reads it
    return Narrator(LANG_VOICES[code], None, "book")
