"""What a Wyoming client sees of our voices (Describe's Info), and its requests checked: the
voice it names, its text, as /v1/audio/speech checks them.

Home Assistant lists a Wyoming TTS service's voices per language, under each voice's
`description` (falling back to its name), and sends back the chosen voice's `name`. Our voice
names are Kokoro's (af_heart); the description says who they are ("Heart (female, af_heart)").
Languages are BCP-47 tags: Kokoro's Spanish voices speak Castilian (espeak-ng's "es"), its
Mandarin is mainland (zh-CN), its Portuguese Brazilian.
"""

from __future__ import annotations

from typing import Any

from wyoming.info import Attribution, Info, TtsProgram, TtsVoice
from wyoming.tts import SynthesizeVoice

from kokoro_cli.errors import UsageError, VoiceError
from kokoro_cli.model import voices
from kokoro_cli.paths import is_voice_file
from kokoro_cli.serve.server import ApiError, SpeechRequest, parse_speech
from kokoro_cli.version import __version__

PROGRAM = "kokoro"  # Home Assistant names its TTS entity after the program: tts.kokoro
# Our language codes (model.voices.VOICE_LANG's values) as the BCP-47 tags clients match on.
LANG_TAGS = {
    "en-us": "en-US", "en-gb": "en-GB", "es": "es-ES", "fr-fr": "fr-FR", "hi": "hi-IN",
    "it": "it-IT", "ja": "ja-JP", "pt-br": "pt-BR", "zh": "zh-CN",
}  # fmt: skip
MODEL_VERSION = "1.0"  # the voicepacks are Kokoro v1.0's
VOICE_CREDIT = Attribution(
    name="hexgrad (Kokoro-82M, Apache-2.0)", url="https://huggingface.co/hexgrad/Kokoro-82M"
)
PROGRAM_CREDIT = Attribution(
    name="kokoro-cli (MIT) on Kokoro-82M by hexgrad (Apache-2.0)",
    url="https://huggingface.co/hexgrad/Kokoro-82M",
)


def describe() -> Info:
    """Info for Describe: one TTS program with every voice usable by name, read afresh so that
    a voice made with `kokoro mix` while the server runs is offered at once."""
    offered = [
        TtsVoice(
            name=v.name,
            attribution=VOICE_CREDIT,
            installed=True,
            description=_description(v),
            version=MODEL_VERSION if v.source == "bundled" else None,
            languages=[LANG_TAGS[v.lang]],
        )
        for v in voices.list_voices()
        if v.lang in LANG_TAGS  # a hand-placed pack of unknown language cannot be asked for
    ]
    program = TtsProgram(
        name=PROGRAM,
        attribution=PROGRAM_CREDIT,
        installed=True,
        description="Kokoro-82M text to speech (kokoro-cli)",
        version=__version__,
        voices=offered,
        supports_synthesize_streaming=True,
    )
    return Info(tts=[program])


def _description(voice: voices.VoiceInfo) -> str:
    if voice.source == "bundled":  # af_heart -> "Heart (female, af_heart)"
        return f"{voice.name.partition('_')[2].title()} ({voice.gender}, {voice.name})"
    kind = "mixed voice" if voice.source == "mixed" else "user voice"
    return f"{voice.name} ({kind})"


def language_code(tag: str) -> str:
    """Our language code for a client's tag: en-US, en_US, en, fr, pt-PT (-> pt-br), ..."""
    from kokoro_cli import text

    wanted = tag.strip().replace("_", "-").lower()
    for code, known in LANG_TAGS.items():
        if wanted == known.lower():
            return code
    for candidate in (wanted, wanted.partition("-")[0]):
        try:
            return text.check_lang(candidate)
        except UsageError:
            continue
    raise UsageError(
        f"no voice here speaks language '{tag}'; ask for one of {', '.join(LANG_TAGS.values())}"
    )


def voice_for(asked: SynthesizeVoice | None) -> str:
    """The voice to speak with: the named one (or a blend of names, "af_bella+af_sarah"), the
    default voice of the language asked for, else af_heart. VoiceError/UsageError name the
    problem."""
    if asked is None or (asked.name is None and asked.language is None):
        return voices.LANG_VOICES["en-us"]
    if asked.name is None:
        return voices.LANG_VOICES[language_code(asked.language or "")]
    name = asked.name.strip()
    if not name:
        raise VoiceError("the voice name is empty; send Describe to list the voices")
    terms = voices.parse_blend(name)[0]
    for term in terms:
        if is_voice_file(term):  # a client on the network picks voices, not files on this disk
            raise VoiceError(f"voice '{term}' is a file path; choose a voice by name (Describe)")
        voices.find_voice(term)  # unknown: "unknown voice 'x' (did you mean ...?)"
    return name


def voice_of(raw: Any) -> SynthesizeVoice | None:
    """The request's voice: {"name": ..., "speaker": ...} or {"language": ...}."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or any(
        not isinstance(raw.get(key), (str, type(None))) for key in ("name", "language", "speaker")
    ):
        raise Refused('\'voice\' must be {"name": "af_heart"} or {"language": "en-US"}')
    return SynthesizeVoice.from_dict(raw)


class Refused(Exception):
    """A request this server will not serve: the Error event's text and code."""

    def __init__(self, message: str, code: str = "bad-request") -> None:
        super().__init__(message)
        self.code = code


def speech_request(
    text: Any, voice: SynthesizeVoice | None, text_format: Any = None
) -> SpeechRequest:
    """The request as /v1/audio/speech would take it (one set of checks and messages);
    text_format "ssml" reads the text as SSML where the server reads SSML."""
    from kokoro_cli.errors import VoiceError

    if not isinstance(text, str):
        raise Refused("'text' must be a string")
    try:
        name = voice_for(voice)
    except VoiceError as exc:
        raise Refused(str(exc), "unknown-voice") from None
    except UsageError as exc:
        raise Refused(str(exc), "unknown-language") from None
    try:
        payload = {"input": text, "voice": name, "response_format": "pcm"}
        if text_format == "ssml":
            payload["ssml"] = True
        return parse_speech(payload)
    except ApiError as exc:
        raise Refused(
            exc.message.replace("input", "text"), f"bad-{exc.param or 'request'}"
        ) from None
