"""Document readers (no model): EPUB traps, Markdown, HTML, PDF, text, hostile files, and the
real-world EPUBs of issue 27 (Info-ZIP names, SVG text pages, declared languages)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unicodedata
import warnings
import zipfile
from pathlib import Path

import pytest

from kokoro_cli.documents import DocumentError, clean, read_document
from tests.book_fixtures import (
    PNG,
    XHTML,
    infozip_cli,
    infozip_raw,
    make_epub,
    make_pdf,
    simple_epub,
    write_zip,
)


def texts(book) -> list[tuple[str, list[str]]]:  # noqa: ANN001
    return [(c.title, list(c.paragraphs())) for c in book.chapters]


def test_epub3_traps(tmp_path: Path) -> None:
    book = read_document(make_epub(tmp_path / "storm.epub"))
    assert (book.title, book.author, book.language) == ("The Storm Book", "Jane Writer", "en")
    assert book.cover == PNG and book.cover_type == "png"
    # spine order (not manifest order), nav titles (not the stale NCX), two chapters split
    # out of "two three.xhtml" (href with %20) at their anchors, titles not read twice
    assert texts(book) == [
        ("The Start", ["Anna wasn’t ready for the storm.", "She ran home quickly."]),
        ("The Middle", ["The river was wide and calm."]),
        ("The Turn", ["Then the bridge gave way."]),
        ("The End", ["They were home at last."]),
    ]
    assert book.chapters[1].notes == ["1 code block skipped"]
    assert book.chapters[0].words == 10


def test_curly_apostrophe_keeps_its_negation(tmp_path: Path) -> None:
    from kokoro_cli.text import phonemize

    book = read_document(make_epub(tmp_path / "storm.epub"))
    first = next(book.chapters[0].paragraphs())
    assert "wˈʌzᵊnt" in phonemize(first, "en-us")  # "wasn’t", not "was"


def test_spoken_titles() -> None:
    from kokoro_cli.jobs.book import spoken_title

    assert spoken_title("Part XIV") == "Part 14."
    assert spoken_title("CHAPTER IV: The Road") == "CHAPTER 4: The Road."
    assert spoken_title("Is it over?") == "Is it over?"


def test_epub2_uses_the_ncx(tmp_path: Path) -> None:
    book = read_document(make_epub(tmp_path / "old.epub", version=2))
    assert [c.title for c in book.chapters] == ["Stale One", "Stale Two", "Stale Four"]
    assert book.cover == PNG  # EPUB 2: <meta name="cover">
    assert "Footnote text never spoken." not in str(texts(book))


def test_markdown_book(tmp_path: Path) -> None:
    md = tmp_path / "guide.md"
    md.write_text(
        "---\ntitle: The Guide\nauthor: Kim Doe\n---\n"
        "# Getting Started\n\nIt *isn’t* hard: see [the docs](https://example.org).[^1]\n\n"
        "```sh\nrm -rf /\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[^1]: A note that is skipped.\n\n# Next Steps\n\nKeep going.\n",
        encoding="utf-8",
    )
    book = read_document(md)
    assert (book.title, book.author) == ("The Guide", "Kim Doe")
    assert texts(book) == [
        ("Getting Started", ["It isn’t hard: see the docs."]),
        ("Next Steps", ["Keep going."]),
    ]
    assert book.chapters[0].notes == ["1 code block skipped", "1 table skipped"]


def test_html_page(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Field Notes</title><script>var x = 1;</script></head><body>"
        "<h2>Birds</h2><p>Swifts sleep in flight<sup><a href='#f1'>3</a></sup>, it seems.</p>"
        "<div class='footnotes'><p id='f1'>A note.</p></div>"
        "<h2>Trees</h2><p>Oaks grow slowly.<br>Very slowly.</p></body></html>",
        encoding="utf-8",
    )
    book = read_document(page)
    assert book.title == "Field Notes"
    assert texts(book) == [
        ("Birds", ["Swifts sleep in flight, it seems."]),
        ("Trees", ["Oaks grow slowly. Very slowly."]),
    ]


def test_pdf_outline_furniture_and_hyphens(tmp_path: Path) -> None:
    book = read_document(make_pdf(tmp_path / "keeper.pdf"))
    assert (book.title, book.author) == ("The Lighthouse Keeper", "Sam Author")
    (t1, p1), (t2, p2) = texts(book)
    assert (t1, t2) == ("First Light", "Storm Warning")
    body = " ".join(p1)
    assert "sailors waved" in body  # "sail-" + "ors" re-joined across lines
    assert "Lighthouse Keeper" not in body  # the running header is gone
    assert not any(w.isdigit() for w in body.split())  # page numbers are gone
    assert p2 == ["Dark clouds gathered over the sea."]


def test_text_chapters(tmp_path: Path) -> None:
    txt = tmp_path / "tale.txt"
    txt.write_text(
        "Prologue\n\nIt began.\n\nCHAPTER ONE\n\nThe first day\nwas long.\n\nPart II\n\nThe end.\n"
    )
    assert texts(read_document(txt)) == [
        ("Prologue", ["It began."]),
        ("CHAPTER ONE", ["The first day was long."]),
        ("Part II", ["The end."]),
    ]
    plain = tmp_path / "plain.txt"
    plain.write_text("Just one paragraph.\nNo chapters here.\n")
    assert texts(read_document(plain)) == [("plain", ["Just one paragraph. No chapters here."])]


def test_clean_expands_ligatures_and_neutralizes_markup() -> None:
    assert clean("ﬁnal ﬂow [pause:9s]  of\u00adfice") == "final flow (pause:9s) office"


# ---------------------------------------------------------------- hostile files


def kokoro(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kokoro_cli", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _epub_with(tmp_path: Path, opf: str) -> Path:
    path = tmp_path / "bad.epub"
    write_zip(
        path,
        {
            "META-INF/container.xml": '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="content.opf"/></rootfiles></container>',
            "content.opf": opf,
        },
    )
    return path


def zip_bomb(tmp_path: Path) -> Path:
    path = make_epub(tmp_path / "bomb.epub")
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # the duplicate name is the point: the later one wins
        # 1 GB of zeros compresses to ~1 MB; it replaces a chapter the spine reads
        with zf.open("OEBPS/text/four.xhtml", "w", force_zip64=True) as f:
            block = b"\0" * 2**20
            for _ in range(1024):
                f.write(block)
    return path


def billion_laughs(tmp_path: Path) -> Path:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    opf = f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY l0 "lol">{lol}]><package>&l9;</package>'
    return _epub_with(tmp_path, opf)


def external_entity(tmp_path: Path) -> Path:
    opf = (
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<package><metadata>&x;</metadata></package>"
    )
    return _epub_with(tmp_path, opf)


def truncated_zip(tmp_path: Path) -> Path:
    data = make_epub(tmp_path / "whole.epub").read_bytes()
    path = tmp_path / "cut.epub"
    path.write_bytes(data[: len(data) // 2])
    return path


def broken_pdf(tmp_path: Path) -> Path:
    data = make_pdf(tmp_path / "ok.pdf").read_bytes()
    path = tmp_path / "broken.pdf"
    path.write_bytes(data[:400] + b"\x00garbage" * 50)  # header kept, body and xref destroyed
    return path


def entity_in_chapter(tmp_path: Path) -> Path:
    path = make_epub(tmp_path / "ent.epub")
    body = XHTML.format(title="x", body="<p>&l9;</p>").replace(
        "<html", '<!DOCTYPE html [<!ENTITY l9 "boom">]><html', 1
    )
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as zf:
        warnings.simplefilter("ignore")  # the duplicate name is the point: the later one wins
        zf.writestr("OEBPS/text/one.xhtml", body)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (zip_bomb, "zip bomb"),
        (billion_laughs, "entities"),
        (external_entity, "entities"),
        (entity_in_chapter, "entities"),
        (truncated_zip, "damaged or truncated"),
        (broken_pdf, "cannot be read as a PDF"),
    ],
)
def test_hostile_files_fail_cleanly(tmp_path: Path, make, message: str) -> None:  # noqa: ANN001
    path = make(tmp_path)
    r = kokoro(tmp_path, "book", path.name, "-o", "out.m4b")
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kokoro: error: ") and message in lines[0], lines
    assert "Traceback" not in r.stderr
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(("out", ".out"))]


def test_reader_errors_are_document_errors(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="zip bomb"):
        read_document(zip_bomb(tmp_path))


def test_200_mb_text_streams(tmp_path: Path) -> None:
    """--plan over a 200 MB text: it completes, and its memory stays far below the file."""
    big = tmp_path / "big.txt"
    paragraph = (
        "The quick brown fox jumps over the lazy dog near the river bank. " * 12 + "\n"
    ) * 8
    block = (paragraph + "\n").encode() * 128
    with big.open("wb") as f:
        for i in range(200 * 2**20 // len(block) + 1):
            if i % 40 == 0:
                f.write(f"\nChapter {i // 40 + 1}\n\n".encode())
            f.write(block)
    assert big.stat().st_size >= 200 * 2**20
    script = (
        "import runpy, sys; sys.argv = ['kokoro', 'book', 'big.txt', '--plan', '--json'];"
        "\ntry: runpy.run_module('kokoro_cli', run_name='__main__')\n"
        "except SystemExit as e: code = e.code\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (big) pytest parent
        "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0], file=sys.stderr)"
    )
    r = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=540
    )
    plan = json.loads(r.stdout)
    assert len(plan["chapters"]) == 7
    assert sum(c["words"] for c in plan["chapters"]) > 30_000_000
    peak_mb = int(r.stderr.strip().splitlines()[-1]) / 1024  # VmHWM is in kB
    assert peak_mb < 200, f"peak RSS {peak_mb:.0f} MB for a 200 MB file: it did not stream"


# ---------------------------------------------------------------- issue 27: real-world EPUBs

INFOZIP_PAGES = {
    "xhtml/目次.xhtml": "<h1>目次</h1><p>The contents page, named in Japanese.</p>",
    "xhtml/chapitre élan.xhtml": "<h1>Élan</h1><p>A French name with a space.</p>",
}


def test_epub_names_without_the_utf8_flag(tmp_path: Path) -> None:
    """Info-ZIP stores UTF-8 names without bit 11; zipfile reads them as cp437 ("τ¢«µ¼í"). The
    OCF spec says they are UTF-8, and so they are read."""
    files = simple_epub(tmp_path, INFOZIP_PAGES, root="OPS")
    raw = infozip_raw(tmp_path / "raw.epub", files)
    with zipfile.ZipFile(raw) as zf:
        assert "OPS/xhtml/目次.xhtml" not in zf.namelist()  # what broke: cp437 names
    expected = [
        ("目次", ["The contents page, named in Japanese."]),
        ("Élan", ["A French name with a space."]),
    ]
    assert texts(read_document(raw)) == expected
    # names written decomposed (NFD, as macOS tools do) match the composed hrefs too
    nfd = {unicodedata.normalize("NFD", k): v for k, v in files.items()}
    nfd["OPS/content.opf"] = files["OPS/content.opf"]
    assert texts(read_document(infozip_raw(tmp_path / "nfd.epub", nfd))) == expected


@pytest.mark.skipif(not shutil.which("zip"), reason="Info-ZIP's zip (apt-get install zip)")
def test_epub_packed_by_infozip_zip(tmp_path: Path) -> None:
    files = simple_epub(tmp_path, INFOZIP_PAGES, root="OPS")
    packed = infozip_cli(tmp_path / "zip.epub", files, tmp_path / "src")
    with zipfile.ZipFile(packed) as zf:
        assert zf.namelist()[0] == "mimetype"
        assert not any(i.flag_bits & 0x800 for i in zf.infolist())
    assert [c.title for c in read_document(packed).chapters] == ["目次", "Élan"]


def svg_page(*texts: str, size: int = 20) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 800">'
        "<title>Page art</title>" + "".join(texts) + "</svg>"
    )


SVG_LINES = svg_page(
    # one word split over two tspans ("Hel" + "lo"), a gap before the next word
    '<text y="100" font-size="20"><tspan x="40">Hel</tspan><tspan x="70">lo</tspan>'
    '<tspan x="100">there,</tspan></text>',
    # per-glyph x positions: a jump between "my" and "dear"
    '<text y="125" style="font-size:20px">\n  <tspan x="40 52 82 94 106 118">mydear</tspan></text>',
    # a transform places the line; a hyphen at the line's end is re-joined
    '<text transform="matrix(1 0 0 1 40 150)" font-size="20">friend. The exam-</text>',
    '<text x="40" y="175" font-size="20">ple is <tspan x="110">done.</tspan></text>',
    # far below: a new paragraph
    '<text x="40" y="400" font-size="20">Page two text.</text>',
)


def test_svg_text_of_fixed_layout_pages(tmp_path: Path) -> None:
    meta = '<meta property="rendition:layout">pre-paginated</meta>'
    pages = {
        "p1.xhtml": "<h1>Comic</h1>" + SVG_LINES,
        "p2.xhtml": svg_page('<text x="10" y="30" font-size="20">The end.</text>'),
    }
    path = tmp_path / "fixed.epub"
    write_zip(path, simple_epub(tmp_path, pages, meta=meta))
    book = read_document(path)
    assert texts(book) == [
        ("Comic", ["Hello there, my dear friend. The example is done.", "Page two text."]),
        ("p2.xhtml", ["The end."]),
    ]
    assert not book.chapters[0].notes


def test_svg_labels_in_a_reflowable_book_are_counted(tmp_path: Path) -> None:
    """A drawing's labels in running text are not read into it, and --plan says so; a page
    whose only text is SVG is read even without the fixed-layout flag."""
    pages = {
        "a.xhtml": "<h1>Plot</h1><p>See the figure.</p>"
        + svg_page('<text x="5" y="20" font-size="10">axis x</text>'),
        "b.xhtml": svg_page('<text x="10" y="30" font-size="20">Only SVG here.</text>'),
    }
    path = tmp_path / "flow.epub"
    write_zip(path, simple_epub(tmp_path, pages))
    book = read_document(path)
    assert texts(book) == [("Plot", ["See the figure."]), ("b.xhtml", ["Only SVG here."])]
    assert book.chapters[0].notes == ["1 SVG figure skipped"]


def test_declared_languages(tmp_path: Path) -> None:
    """The language a reader reports, for `kokoro book` to pick the voice: EPUB dc:language,
    <html lang>, Markdown front matter."""
    from kokoro_cli.text.langs import lang_of_tag

    (tmp_path / "p.html").write_text('<html lang="fr-CA"><p>Bonjour.</p></html>', "utf-8")
    (tmp_path / "m.md").write_text("---\ntitle: T\nlang: pt-BR\n---\n\nOlá.\n", "utf-8")
    assert read_document(tmp_path / "p.html").language == "fr-CA"
    assert read_document(tmp_path / "m.md").language == "pt-BR"
    cases = {"en": "en-us", "en-GB": "en-gb", "EN_ie": "en-gb", "eng": "en-us", "fr-CA": "fr-fr",
             "pt-PT": "pt-br", "ja-JP": "ja", "zh-Hant-TW": "zh", "cmn": "zh", "hin": "hi",
             "ar": None, "de-DE": None, "yue": None}  # fmt: skip
    assert {tag: lang_of_tag(tag) for tag in cases} == cases


def test_a_sentence_runs_on_across_fixed_pages(tmp_path: Path) -> None:
    meta = '<meta property="rendition:layout">pre-paginated</meta>'
    line = '<text x="10" y="30" font-size="20">{}</text>'
    pages = {
        "p1.xhtml": "<h1>Story</h1>" + svg_page(line.format("The wind was")),
        "p2.xhtml": svg_page(line.format("warm, and the exam-")),
        "p3.xhtml": svg_page(line.format("ple ended.")),
        "p4.xhtml": svg_page(line.format("Next day came.")),
    }
    files = simple_epub(tmp_path, pages, meta=meta)
    files["OEBPS/nav.xhtml"] = files["OEBPS/nav.xhtml"].replace(  # one chapter of four pages
        '<li><a href="p2.xhtml">p2.xhtml</a></li><li><a href="p3.xhtml">p3.xhtml</a></li>'
        '<li><a href="p4.xhtml">p4.xhtml</a></li>',
        "",
    )
    write_zip(tmp_path / "pages.epub", files)
    assert texts(read_document(tmp_path / "pages.epub")) == [
        ("Story", ["The wind was warm, and the example ended.", "Next day came."])
    ]
