"""What EPUB 3 carries for speech, honoured by `kokoro book` (issue 25): PLS pronunciation
lexicons linked from content documents, and ssml:ph / ssml:alphabet on inline elements.

The EPUBs are built here. The end-to-end check listens: a lexicon says "tomato" like "potato",
and pocketsphinx, offered both in a grammar, must hear "potato" in the chapter that links the
lexicon and "tomato" in the one that does not.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from kokoro_cli import text as front_end
from kokoro_cli.documents import read_document
from kokoro_cli.documents.pls import languages, parse
from kokoro_cli.text.lexicon import Lexicon, combined
from kokoro_cli.text.lexicon import parse as parse_lexicon
from tests.book_fixtures import CONTAINER, write_zip
from tests.cli_helpers import Kokoro

PLS = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="en-US">
  <lexeme><grapheme>tomato</grapheme><phoneme>pəˈteɪtoʊ</phoneme></lexeme>
  <lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme>
  <lexeme><grapheme>Ayla</grapheme><phoneme>ʕaɪlə</phoneme></lexeme>
  <lexeme><grapheme>Kokoro</grapheme>
    <phoneme alphabet="x-sampa">"ko.ko.ro</phoneme>
    <phoneme prefer="true" alphabet="x-sampa">"koU.k@.roU</phoneme></lexeme>
</lexicon>"""

XHTML = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"
      xmlns:ssml="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">
<head><title>{title}</title>{links}</head><body>{body}</body></html>"""
LINK = '<link rel="pronunciation" type="application/pls+xml" href="{}"/>'


def make_epub(path: Path, *, pls: str = PLS, soup_only: bool = False) -> Path:
    """Two chapters with the same sentence; only the first links the lexicon. The second has
    ssml:ph spans, one X-SAMPA by an inherited ssml:alphabet (unless `soup_only`)."""
    one = XHTML.format(
        title="One",
        links=LINK.format("../lexicon/words.pls") + LINK.format("../lexicon/broken.pls"),
        body="<h1>First</h1><p>I like tomato soup.</p>"
        + ("" if soup_only else "<p>Ayla joined the W3C.</p>"),
    )
    two = XHTML.format(
        title="Two",
        links="",
        body="<h1>Second</h1><p>I like tomato soup.</p>"
        + (
            ""
            if soup_only
            else '<p>Ask <span ssml:ph="hɚˈmaɪəni">Hermione</span> about '
            '<em ssml:alphabet="x-sampa"><b ssml:ph=\'"koU.k@.roU\'>Kokoro</b> tea</em>.</p>'
        ),
    )
    nav = XHTML.format(
        title="Contents",
        links="",
        body='<nav epub:type="toc"><ol><li><a href="text/one.xhtml">First</a></li>'
        '<li><a href="text/two.xhtml">Second</a></li></ol></nav>',
    )
    opf = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">urn:test:pls</dc:identifier><dc:title>Soup</dc:title>
<dc:language>en-US</dc:language></metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="one" href="text/one.xhtml" media-type="application/xhtml+xml"/>
<item id="two" href="text/two.xhtml" media-type="application/xhtml+xml"/>
<item id="pls" href="lexicon/words.pls" media-type="application/pls+xml"/>
<item id="bad" href="lexicon/broken.pls" media-type="application/pls+xml"/>
</manifest>
<spine><itemref idref="one"/><itemref idref="two"/></spine>
</package>"""
    files = {
        "META-INF/container.xml": CONTAINER.format("OEBPS/content.opf"),
        "OEBPS/content.opf": opf,
        "OEBPS/nav.xhtml": nav,
        "OEBPS/text/one.xhtml": one,
        "OEBPS/text/two.xhtml": two,
        "OEBPS/lexicon/words.pls": pls,
        "OEBPS/lexicon/broken.pls": "<lexicon><lexeme>",
    }
    write_zip(path, files)
    return path


def spoken(chapter, lexicon: Lexicon | None = None) -> str:  # noqa: ANN001 - a Chapter
    """The phonemes Kokoro speaks for a chapter's paragraphs, with the book's lexicons."""
    merged = combined(chapter.pronunciations, lexicon)
    return " ".join(front_end.phonemize(p, "en-us", lexicon=merged) for p in chapter.paragraphs())


def test_linked_lexicon_applies_to_its_documents_only(tmp_path: Path) -> None:
    book = read_document(make_epub(tmp_path / "soup.epub"))
    one, two = book.chapters
    assert "pətˈAtO" in spoken(one)  # tomato, said like potato
    assert "wˈɜɹld wˈId wˈɛb" in spoken(one)  # the alias is read instead of "W3C"
    assert "kˈOkəɹO" not in spoken(one)
    assert "pətˈAtO" not in spoken(two)  # no link in the second chapter: espeak's tomato
    assert "təmˈATO" in spoken(two)


def test_ssml_ph_is_spoken_as_its_phonemes(tmp_path: Path) -> None:
    book = read_document(make_epub(tmp_path / "soup.epub"))
    paragraph = list(book.chapters[1].paragraphs())[1]
    # the markup the text front end reads; the display text stays for subtitles
    assert paragraph == "Ask [Hermione](/həɹmˈIəni/) about [Kokoro](/kˈOkəɹO/) tea."
    said = spoken(book.chapters[1])
    assert "həɹmˈIəni" in said and "kˈOkəɹO" in said


def test_what_cannot_be_used_is_a_note_not_a_failure(tmp_path: Path) -> None:
    book = read_document(make_epub(tmp_path / "soup.epub"))
    notes = "\n".join(book.notes)
    assert "OEBPS/lexicon/broken.pls: not well-formed XML" in notes
    assert "'ʕ' (U+0295)" in notes and "Ayla" in notes
    # the rest of Ayla's pronunciation is kept
    assert "Ilə" in spoken(book.chapters[0])


def test_prefer_and_alphabet_per_phoneme() -> None:
    found = parse(PLS.encode(), "words.pls")
    kokoro = [e for e in found.entries if e.word == "Kokoro"]
    assert [(e.phonemes, e.langs) for e in kokoro] == [("kˈOkəɹO", ("en-us",))]


def test_lexicon_languages() -> None:
    assert languages("en") == ("en-us", "en-gb")
    assert languages("en-GB") == ("en-gb",)
    assert languages("fr-CA") == ("fr-fr",)
    assert languages("de-DE") is None
    german = PLS.replace('xml:lang="en-US"', 'xml:lang="de"')
    found = parse(german.encode(), "de.pls")
    assert found.entries == [] and "a language Kokoro does not speak" in found.notes[0]
    # "en" gives each English its own folding: British keeps its length marks
    both = parse(PLS.replace("en-US", "en").replace("pəˈteɪtoʊ", "ˈtɑːm").encode(), "x")
    assert {(e.langs, e.phonemes) for e in both.entries if e.word == "tomato"} == {
        (("en-us",), "tˈɑm"),
        (("en-gb",), "tˈɑːm"),
    }


def test_the_users_lexicon_wins_over_the_books(tmp_path: Path) -> None:
    book = read_document(make_epub(tmp_path / "soup.epub"))
    mine = Lexicon(parse_lexicon("tomato\t/tomˈɑto/", "mine.txt"))
    said = spoken(book.chapters[0], mine)
    assert "tomˈɑto" in said and "pətˈAtO" not in said
    assert "mine.txt:1" in mine.used  # counted for the user's unused-entries warning
    assert mine.warning() is None


@pytest.mark.parametrize(
    "hostile",
    [
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;'
        '&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><lexicon>&c;</lexicon>',
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<lexicon><lexeme><grapheme>x</grapheme><alias>&x;</alias></lexeme></lexicon>",
    ],
)
def test_hostile_lexicons_are_refused_quickly(tmp_path: Path, hostile: str) -> None:
    started = time.perf_counter()
    book = read_document(make_epub(tmp_path / "soup.epub", pls=hostile))
    assert time.perf_counter() - started < 10
    assert any("declares XML entities" in n for n in book.notes)
    assert book.chapters[0].pronunciations == []
    assert "passwd" not in spoken(book.chapters[0]) and "root" not in spoken(book.chapters[0])


def test_missing_lexicon_is_a_note(tmp_path: Path) -> None:
    epub = make_epub(tmp_path / "soup.epub")
    with_missing = tmp_path / "missing.epub"
    import zipfile

    with zipfile.ZipFile(epub) as src, zipfile.ZipFile(with_missing, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith("words.pls"):
                dst.writestr(info, src.read(info))
    book = read_document(with_missing)
    assert any("words.pls" in n for n in book.notes)
    assert "təmˈATO" in spoken(book.chapters[0])


def test_plan_tells_the_notes(tmp_path: Path, kokoro: Kokoro) -> None:
    epub = make_epub(tmp_path / "soup.epub")
    run = kokoro("book", str(epub), "--plan", "--json")
    assert run.returncode == 0, run.stderr
    assert "kokoro: note: OEBPS/lexicon/broken.pls: not well-formed XML" in run.stderr
    assert "U+0295" in run.stderr
    quiet = kokoro("-q", "book", str(epub), "--plan", "--json")
    assert quiet.returncode == 0 and "note" not in quiet.stderr


@pytest.mark.slow
def test_the_book_is_heard_with_its_pronunciations(model, tmp_path: Path) -> None:  # noqa: ANN001
    pocketsphinx = pytest.importorskip("pocketsphinx")
    from kokoro_cli.jobs.book import chapter_audio
    from kokoro_cli.pipeline import SynthesisConfig
    from tests.test_intelligibility import ASR_RATE, LEAD_IN, pcm16, recognize

    book = read_document(make_epub(tmp_path / "soup.epub", soup_only=True))
    decoder = pocketsphinx.Decoder(samprate=ASR_RATE, lm=None, loglevel="FATAL")
    grammar = "#JSGF V1.0;\ngrammar soup;\npublic <s> = i like ( tomato | potato ) soup ;\n"
    decoder.add_jsgf_string("soup", grammar)
    decoder.activate_search("soup")
    config = SynthesisConfig(voice="af_heart", lang="en-us", fast_start=False)
    room = np.zeros(round(LEAD_IN * 24_000), dtype=np.float32)
    heard = []
    for chapter in book.chapters:
        chunks = list(chapter_audio(chapter, config, model, lambda *a: None))
        soup = [c for c in chunks if "soup" in c.text]
        heard.append(recognize(decoder, pcm16(np.concatenate([room, soup[0].audio, room]))))
    assert heard == ["i like potato soup", "i like tomato soup"]
