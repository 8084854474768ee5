"""SSML input without the model: the W3C SSML 1.1 examples, values, errors, hostile documents,
and the source positions words are reported at (kokoro_cli/text/ssml*.py, pipeline.plan)."""

from __future__ import annotations

import http.server
import math
import subprocess
import sys
import threading
from dataclasses import replace
from xml.sax.saxutils import escape

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kokoro_cli import pauses
from kokoro_cli.errors import UsageError
from kokoro_cli.pipeline import Script, SynthesisConfig, plan
from kokoro_cli.text import ssml
from kokoro_cli.text import ssml_values as values
from kokoro_cli.text.normalize import normalizer
from kokoro_cli.text.say_as import read
from kokoro_cli.text.ssml_source import Mapped, caption, from_source, masked

HEAD = (
    '<?xml version="1.0"?>\n<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis"\n'
    '       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
    '       xsi:schemaLocation="http://www.w3.org/2001/10/synthesis\n'
    '                 http://www.w3.org/TR/speech-synthesis11/synthesis.xsd"\n'
    '       xml:lang="en-US">\n'
)


def w3c(body: str) -> str:
    """An example body of the SSML 1.1 specification inside its usual <speak> element."""
    return f"{HEAD}{body}\n</speak>"


def planned(text: str, **config: object) -> Script:
    return plan(text, SynthesisConfig(**config))  # type: ignore[arg-type]


def spoken(script: Script) -> str:
    return " | ".join(" ".join(p.text.split()) for p in script.parts if p.text.strip())


# ---------------------------------------------------------------- recognizing SSML


def test_ssml_is_recognized_by_its_speak_element() -> None:
    assert ssml.detect("<speak>Hi.</speak>")
    assert ssml.detect('\ufeff \n<?xml version="1.0"?>\n<!-- a note -->\n<speak>Hi.</speak>')
    assert ssml.detect('<!DOCTYPE speak [<!ATTLIST speak x CDATA "y">]><speak>Hi.</speak>')
    assert not ssml.detect("<speaker>Hi.</speaker>")
    assert not ssml.detect("Hello <speak>")
    assert not ssml.detect("<speak>Hi.</speak>", ssml=False)  # --no-ssml
    assert ssml.detect("plain", ssml=True)  # --ssml
    assert spoken(planned("<speak>Hi.</speak>", ssml=False)) == "<speak>Hi.</speak>"


# ---------------------------------------------------------------- the specification's examples


def test_w3c_paragraphs_and_sentences() -> None:
    script = planned(
        w3c(
            "  <p>\n    <s>This is the first sentence of the paragraph.</s>\n"
            "    <s>Here's another sentence.</s>\n  </p>\n  <p><s>A new one</s><s>and its end</s></p>"
        )
    )
    text = script.parts[0].text
    assert "paragraph.\n    Here's another sentence.\n\nA new one. and its end." in text


def test_w3c_breaks_map_onto_the_pause_scale() -> None:
    body = (
        "  Take a deep breath <break/>\n  then continue.\n"
        '  Press 1 or wait for the tone. <break time="3s"/>\n'
        '  I didn\'t hear you! <break strength="weak"/> Please repeat.'
    )
    text = planned(w3c(body)).parts[0].text
    sentence = pauses.SENTENCE_PAUSE
    assert f"breath [pause:{sentence:.4f}s]" in " ".join(text.split())
    assert "[pause:3.0000s]" in text and f"[pause:{pauses.CLAUSE_PAUSE:.4f}s]" in text
    strengths = {"none": None, "x-weak": pauses.WORD_PAUSE, "medium": 0.6, "strong": 1.5,
                 "x-strong": pauses.CHAPTER_PAUSE}  # fmt: skip
    for strength, seconds in strengths.items():
        doc = f'<speak>A <break strength="{strength}"/> b</speak>'
        text = planned(doc, pause_sentence=0.6, pause_paragraph=1.5).parts[0].text
        assert ("[pause:" not in text) if seconds is None else f"[pause:{seconds:.4f}s]" in text


def test_w3c_emphasis_is_stress_markup() -> None:
    body = (
        "  That is a <emphasis> big </emphasis> car!\n"
        '  That is a <emphasis level="strong"> huge </emphasis>\n  bank account!'
    )
    text = planned(w3c(body)).parts[0].text
    assert "[big](/bˈɪɡ/)" in text and "[huge](/hjˈuʤ/)" in text
    reduced = planned('<speak>a <emphasis level="reduced">really</emphasis> b</speak>')
    assert "[really](/ɹˌiəli/)" in reduced.parts[0].text  # primary stress demoted
    assert values.stressed("ðə", 2) == "ðˈə" and values.stressed("ðə", 1) == "ðˌə"


def test_w3c_prosody_rate_volume_and_unsupported_contour() -> None:
    script = planned(w3c('  The price of XYZ is <prosody rate="90%">$45</prosody>'))
    assert [(p.text.strip(), p.config.speed) for p in script.parts] == [
        ("The price of XYZ is", 1.0), ("$45", 0.9)
    ]  # fmt: skip
    old = planned('<speak>The price of XYZ is <prosody rate="-10%">$45</prosody></speak>')
    assert old.parts[1].config.speed == pytest.approx(0.9)
    contour = '<prosody contour="(0%,+20Hz) (10%,+30%) (40%,+10Hz)">good morning</prosody>'
    script = planned(w3c(contour))
    assert "good morning" in spoken(script)
    assert any("contour" in w for w in script.warnings)


def test_w3c_say_as_sub_and_phoneme() -> None:
    body = (
        '  <sub alias="World Wide Web Consortium">W3C</sub>\n'
        '  <phoneme alphabet="ipa" ph="t&#x259;mei&#x325;&#x27E;ou&#x325;"> tomato </phoneme>\n'
        '  <say-as interpret-as="date" format="mdy">12/31/2024</say-as>\n'
        '  <say-as interpret-as="characters">SSML</say-as>'
    )
    text = spoken(planned(w3c(body)))
    assert "World Wide Web Consortium [tomato](/təmATO/)" in text
    assert "December thirty-first, twenty twenty-four" in text
    assert "eigh" not in text and "S S M L" in text


def test_w3c_voices_by_gender_variant_and_name() -> None:
    body = (
        '  <voice gender="female">Mary had a little lamb,</voice>\n'
        "  <!-- now request a different female child's voice -->\n"
        '  <voice gender="female" variant="2">Its fleece was white as snow.</voice>\n'
        "  <!-- processor-specific voice selection -->\n"
        '  <voice name="Mike">I want to be like Mike.</voice>'
    )
    script = planned(w3c(body))
    voices = [p.config.voice for p in script.parts if p.text.strip()]
    assert voices[0] == "af_heart" and voices[1] not in ("af_heart",) and voices[1][1] == "f"
    assert voices[2] == "af_heart"  # no voice called Mike: the voice stays, with a warning
    assert any('"Mike"' in w for w in script.warnings)
    male = planned('<speak><voice gender="male">Hi there.</voice></speak>')
    assert male.parts[0].config.voice == "am_fenrir"


def test_w3c_language_changes_take_a_voice_that_speaks_them() -> None:
    body = (
        '  The French word for cat is <w xml:lang="fr">chat</w>.\n'
        '  He prefers to eat pasta that is <lang xml:lang="it">al dente</lang>.'
    )
    script = planned(w3c(body))
    said = [(p.text.strip(), p.config.voice, p.config.lang) for p in script.parts]
    assert ("chat.", "ff_siwis", "fr-fr") in said and ("al dente.", "if_sara", "it") in said
    assert said[0][1:] == ("af_heart", "en-us")
    assert sum("does not speak" in w for w in script.warnings) == 2
    # a voice named inside the language keeps it; English voices read both Englishes
    kept = planned('<speak xml:lang="en-GB"><voice name="am_adam">Colour.</voice></speak>')
    assert (kept.parts[0].config.voice, kept.parts[0].config.lang) == ("am_adam", "en-us")
    british = planned('<speak><lang xml:lang="en-GB">Colour.</lang></speak>')
    assert (british.parts[0].config.voice, british.parts[0].config.lang) == ("af_heart", "en-gb")
    unknown = planned('<speak><lang xml:lang="de-DE">Hallo</lang></speak>')
    assert unknown.parts[0].config.lang == "en-us" and "de-DE" in unknown.warnings[0]


def test_w3c_marks_audio_fallback_and_unknown_elements() -> None:
    script = planned(w3c('  Go from <mark name="here"/> here, to <mark name="there"/> there!'))
    part = script.parts[0]
    assert [(part.text[pos:].split()[0], name) for pos, name in part.marks] == [
        ("here,", "here"), ("there!", "there")
    ]  # fmt: skip
    body = (
        '  Please say your name after the tone.  <audio src="beep.wav"/>\n'
        '  <audio src="prompt.au">What city do you want to fly from?</audio>\n'
        '  <audio src="welcome.wav"><desc>applause</desc><emphasis>Welcome</emphasis> to the'
        " Voice Portal.</audio>\n  <amazon:effect xmlns:amazon='urn:x' name='whispered'>psst</amazon:effect>"
        "<blink>on</blink>"
    )
    script = planned(w3c(body))
    text = spoken(script)
    assert "What city do you want to fly from?" in text and "applause" not in text
    assert "[Welcome](/wˈɛlk" in text and "to the Voice Portal." in text and "psst" in text
    assert any("<audio>" in w for w in script.warnings)
    assert any("<effect> (urn:x), <blink> are not supported" in w for w in script.warnings)


def test_w3c_metadata_lexicons_and_paragraph_languages(tmp_path) -> None:
    body = (
        '  <lexicon uri="http://127.0.0.1:9/lexicon.pls" xml:id="pls"/>\n'
        '  <meta name="seeAlso" content="http://example.com/my-ssml-metadata.xml"/>\n'
        '  <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        "<rdf:Description>Not to be read</rdf:Description></rdf:RDF></metadata>\n"
        '  <p>I don\'t speak Japanese.</p>\n  <p xml:lang="ja">日本語が分かりません。</p>\n'
        '  <lookup ref="pls">tomato</lookup>'
    )
    script = planned(w3c(body))
    said = [(p.text.strip(), p.config.voice, p.config.lang) for p in script.parts]
    # the paragraph's pause, where a new voice takes over, ends the part before
    assert said[0] == ("I don't speak Japanese.\n   [pause:1.0000s]", "af_heart", "en-us")
    assert said[1] == ("日本語が分かりません。\n   [pause:1.0000s]", "jf_alpha", "ja")
    assert said[2][0] == "tomato"
    assert "Not to be read" not in spoken(script)
    assert any("<lexicon> files are not loaded" in w for w in script.warnings)


def test_w3c_two_voice_dialogue_nests_and_restores() -> None:
    doc = (
        '<speak><voice name="am_adam">Hi Mary. <voice name="af_bella">Hello Bob!</voice>'
        ' How are you?</voice> <voice name="af_bella:0.5,af_sarah:0.5">Fine.</voice></speak>'
    )
    script = planned(doc)
    said = [(p.text.strip(), p.config.voice) for p in script.parts if p.text.strip()]
    assert said == [("Hi Mary.", "am_adam"), ("Hello Bob!", "af_bella"),
                    ("How are you?", "am_adam"), ("Fine.", "af_bella:0.5,af_sarah:0.5")]  # fmt: skip


# ---------------------------------------------------------------- values


def test_prosody_values_nest_and_are_clamped_with_a_warning() -> None:
    assert values.rate("x-slow", 2.0) == 0.6  # labels are absolute
    assert values.rate("+50%", 0.8) == pytest.approx(1.2)  # changes multiply
    assert values.rate("150%", 0.5) == 1.5 and values.rate("-0.3", 1) == pytest.approx(0.7)
    assert values.pitch("+2st", 1.0) == 3.0 and values.pitch("high", -3) == 2.0
    assert values.pitch("+100%", 0.0) == pytest.approx(12.0)  # an octave
    assert values.volume("-6dB", 2.0) == -4.0 and values.volume("silent", 0) == -math.inf
    doc = '<speak><prosody rate="+50%"><prosody rate="+50%">fast</prosody></prosody></speak>'
    script = planned(doc, speed=1.2)
    assert script.parts[0].config.speed == pytest.approx(1.2 * values.RATE_RANGE[1])
    assert any("intelligible" in w for w in script.warnings)
    quiet = planned(
        '<speak><prosody volume="-6dB">a<prosody volume="silent">b</prosody></prosody></speak>'
    )
    assert [p.gain for p in quiet.parts] == [pytest.approx(10 ** (-6 / 20)), 0.0]
    assert values.language("en-AU") == "en-gb" and values.language("pt-PT") == "pt-br"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("<speak>Hi <p>there</s></speak>", "at line 1:21: mismatched tag"),
        ("<speak>\n  AT&T</speak>", "at line 2:7: not well-formed"),
        ("<speak>&nbsp;</speak>", "undefined entity (XML has only"),
        ('<speak><break time="fast"/></speak>', '<break time="fast">: give a time like 500ms'),
        ('<speak><break time="90s"/></speak>', "at most 60 s"),
        ('<speak><break strength="loud"/></speak>', "use one of none, x-weak"),
        ('<speak><prosody rate="fastest">x</prosody></speak>', "x-slow, slow"),
        ('<speak><prosody pitch="+20Hz">x</prosody></speak>', "Hz values are not supported"),
        ('<speak><prosody volume="50">x</prosody></speak>', "decibels like +6dB"),
        ('<speak><emphasis level="huge">x</emphasis></speak>', "strong, moderate"),
        ('<speak><say-as interpret-as="date" format="qq">1</say-as></speak>', "mdy, dmy"),
        ('<speak><phoneme ph="ʙʘ">x</phoneme></speak>', "Kokoro cannot say: 'ʙ', 'ʘ'"),
        ('<speak><phoneme alphabet="x-klingon" ph="a">x</phoneme></speak>', "ipa or x-sampa"),
        ('<speak><phoneme alphabet="x-sampa" ph="a$">x</phoneme></speak>', "not X-SAMPA: '$'"),
        ("<speak><mark/></speak>", "<mark> needs a name"),
        ("<speak><sub>x</sub></speak>", "<sub> needs an alias"),
        ("<speak><lang>x</lang></speak>", "<lang> needs an xml:lang"),
        ("<speak>  </speak>", "no text to speak"),
        ("<html><speak>x</speak></html>", "root element must be <speak>, not <html>"),
    ],
)
def test_bad_ssml_is_one_clear_line(doc: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        planned(doc, ssml=True)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_ssml_and_raw_phonemes_do_not_mix() -> None:
    with pytest.raises(UsageError, match="do not mix"):
        planned("<speak>hˈɛlO</speak>", raw_phonemes=True)


def test_phoneme_alphabets_become_kokoro_symbols() -> None:
    assert values.phonemes("kˈOkəɹO", "ipa", "en-us") == "kˈOkəɹO"  # Kokoro's own, unchanged
    assert values.phonemes("ˌmænɪˈtoʊbə", "ipa", "en-us") == "mˌænɪtˈObə"
    assert values.phonemes('m@"hA:g@%ni:', "x-sampa", "en-us") == "məhˈɑɡənˌi"
    assert values.phonemes("a.mi.go", "ipa", "es") == "amiɡo"
    assert values.phonemes("t͡ʃiːz", "ipa", "en-gb") == "ʧiːz"


# ---------------------------------------------------------------- say-as agrees with plain text


@pytest.mark.parametrize(
    ("kind", "fmt", "token", "plain"),
    [
        ("cardinal", None, "1,234", "1,234"),
        ("ordinal", None, "21", "21st"),
        ("fraction", None, "3/4", "3/4"),
        ("unit", None, "5 kg", "5 kg"),
        ("currency", None, "$45.50", "$45.50"),
        ("currency", None, "USD 45.50", "$45.50"),
        ("time", None, "3:45 pm", "3:45 pm"),
        ("telephone", None, "555-123-4567", "555-123-4567"),
        ("date", "mdy", "12/31/2024", "December 31, 2024"),
        ("date", "dmy", "5.3.2024", "5 March 2024"),
        ("date", "ymd", "2024-03-05", "2024-03-05"),
        ("digits", None, "2024", None),
    ],
)
def test_say_as_reads_as_plain_text_does(
    kind: str, fmt: str | None, token: str, plain: str | None
) -> None:
    said = read(kind, token, "en-us", fmt)
    assert said is not None and not any(ch.isdigit() for ch in said)
    if plain is not None:
        assert " ".join(said.replace(",", "").split()) == " ".join(
            normalizer("en-us")(plain).replace(",", "").split()
        )


def test_say_as_in_other_languages_and_bad_content() -> None:
    assert read("cardinal", "1.234", "es", None) == normalizer("es")("1.234")
    assert read("date", "5/3/2024", "es", "dmy") == "cinco de marzo de dos mil veinticuatro"
    assert read("date", "1/3", "fr-fr", "dm") == "premier mars"
    assert read("fraction", "3/4", "it", None) == "tre quarti"
    assert read("date", "2024-03-05", "ja", "ymd") == "2024年3月5日"
    assert read("characters", "R2-D2", "en-us", None) == "R two dash D two"
    script = planned('<speak><say-as interpret-as="cardinal">twelve</say-as> and'
                     ' <say-as interpret-as="address">1 Main St</say-as></speak>')  # fmt: skip
    assert "twelve and 1 Main St" in spoken(script)
    assert len(script.warnings) == 2


# ---------------------------------------------------------------- hostile documents


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY x "fetched">')

    def log_message(self, *args: object) -> None:
        pass


def test_hostile_documents_fetch_nothing_and_fail_in_one_line(tmp_path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    hostile = {
        "xxe file": f'<!DOCTYPE speak [<!ENTITY x SYSTEM "file://{secret}">]><speak>&x;</speak>',
        "xxe http": f'<!DOCTYPE speak [<!ENTITY x SYSTEM "{url}/x">]><speak>&x;</speak>',
        "parameter": f'<!DOCTYPE speak [<!ENTITY % p SYSTEM "{url}/p"> %p;]><speak>&x;</speak>',
        "billion laughs": f"<!DOCTYPE speak [{laughs}]><speak>&l9;</speak>",
        "quadratic": f'<!DOCTYPE speak [<!ENTITY a "{"a" * 100_000}">]><speak>{"&a;" * 1000}</speak>',
    }
    try:
        for name, doc in hostile.items():
            with pytest.raises(UsageError) as err:
                planned(doc)
            message = str(err.value)
            assert "\n" not in message and "top secret" not in message, name
            assert "entit" in message, (name, message)
        # an external DTD is neither fetched nor needed
        fine = planned(f'<!DOCTYPE speak SYSTEM "{url}/ssml.dtd"><speak>Hello.</speak>')
        assert spoken(fine) == "Hello."
    finally:
        server.shutdown()
    assert _Recorder.hits == []
    deep = "<speak>" + "<p>" * 2_000_000 + "x"  # 6 MB of nesting: refused at the limit
    with pytest.raises(UsageError, match=f"nest more than {ssml.MAX_DEPTH} deep") as err:
        planned(deep)
    assert "line 1:" in str(err.value)


# ---------------------------------------------------------------- source positions


def test_text_pieces_map_back_to_the_source() -> None:
    source = "<speak>AT&amp;T &#233;t&#xE9; <![CDATA[<b>]]> a\r\nb</speak>"
    data = "AT&T été <b> a\nb"
    m = from_source(source, 7, len(source) - 8, data)
    assert m.span(0, 4) == (7, 15)  # AT&amp;T
    assert source[slice(*m.span(5, 8))] == "&#233;t&#xE9;"
    assert source[slice(*m.span(9, 12))] == "<b>"
    assert source[slice(*m.span(13, 16))] == "a\r\nb"
    assert Mapped.at("one thousand", 3, 7).span(4, 12) == (3, 7)
    assert masked(source).startswith("       AT&amp;T") and len(masked(source)) == len(source)
    assert caption("AT&amp;T<break/>&#233;t&#xE9; <sub alias='x'>a\r\nb</sub>") == "AT&T été a b"
    assert "\n\n" in masked("<speak>a<s>b</s></speak>")


def test_groups_know_where_each_word_came_from() -> None:
    source = '<speak>Call <say-as interpret-as="digits">42</say-as> &amp; <sub alias="the W3C">W3C</sub>.</speak>'
    part = planned(source).parts[0]
    text = part.text
    assert part.source is not None
    for word, token in (
        ("Call", "Call"),
        ("four", "42"),
        ("two", "42"),
        ("&", "&amp;"),
        ("W3C", "W3C"),
    ):
        at = text.index(word)
        a, b = part.source.span(at, at + len(word))  # type: ignore[misc]
        assert source[a:b] == token


# ---------------------------------------------------------------- the property


_XML_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\x00\ufffe\uffff".join(
            map(chr, [*range(1, 9), 11, 12, *range(14, 32)])
        ),
    ),  # fmt: skip
    min_size=1,
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(_XML_TEXT)
def test_wrapping_text_in_speak_reads_the_same_text(text: str) -> None:
    """The structural half of the property (the audio half: test_ssml_audio.py): an escaped
    text inside <speak> is one part with exactly that text and the plain text's settings."""
    assume(text.strip())
    plain = planned(text, ssml=False)
    wrapped = planned("<speak>" + escape(text, {"\r": "&#13;"}) + "</speak>")
    same = replace(plain.parts[0].config, ssml=None)
    assert [(p.text, p.config, p.gain) for p in wrapped.parts] == [(text, same, 1.0)]


def test_phonemize_reads_ssml_as_say_does() -> None:
    doc = '<speak>I say <phoneme ph="təmeɪtoʊ">tomato</phoneme>. <lang xml:lang="fr">Oui.</lang></speak>'
    run = subprocess.run(
        [sys.executable, "-m", "kokoro_cli", "phonemize", doc], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["I sˈA təmAtO.", "wˈi."]
    assert "ff_siwis reads" in run.stderr
