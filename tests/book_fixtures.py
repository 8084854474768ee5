"""Fixture books built inside the tests: EPUBs with the classic traps, a PDF with an outline,
and hostile files. Kept short: the end-to-end tests speak them with the real model."""

from __future__ import annotations

import json
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path


def png(width: int = 8, height: int = 6) -> bytes:
    """A small valid red PNG: the cover."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png()
XHTML = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>{title}</title></head><body>{body}</body></html>"""


def make_epub(path: Path, *, version: int = 3) -> Path:
    """An EPUB with every trap of issue 13.

    - manifest order differs from spine order (the spine says one, two+three, four);
    - the NCX is stale (wrong titles, a chapter missing) while the EPUB 3 nav is right;
    - chapters two and three share one XHTML file, split at #fragment anchors;
    - that file's name has a space, so hrefs carry %20;
    - curly apostrophes ("wasn’t"), footnote references and a footnote aside;
    - a cover image.
    """
    one = XHTML.format(
        title="One",
        body="<h1>The Start</h1><p>Anna wasn’t ready for the storm.</p>"
        '<p>She ran home<a epub:type="noteref" href="#n1"><sup>1</sup></a> quickly.</p>'
        '<aside epub:type="footnote" id="n1"><p>Footnote text never spoken.</p></aside>',
    )
    two_three = XHTML.format(
        title="Two",
        body='<h1 id="c2">The Middle</h1><p>The river was wide and calm.</p>'
        "<pre>print('code is skipped')</pre>"
        '<h1 id="c3">The Turn</h1><p>Then the bridge gave way.</p>',
    )
    four = XHTML.format(title="Four", body="<h1>The End</h1><p>They were home at last.</p>")
    nav = XHTML.format(
        title="Contents",
        body='<nav epub:type="toc"><ol>'
        '<li><a href="text/one.xhtml">The Start</a></li>'
        '<li><a href="text/two%20three.xhtml#c2">The Middle</a></li>'
        '<li><a href="text/two%20three.xhtml#c3">The Turn</a></li>'
        '<li><a href="text/four.xhtml">The End</a></li></ol></nav>',
    )
    ncx = """<?xml version="1.0" encoding="utf-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
<navPoint id="a"><navLabel><text>Stale One</text></navLabel><content src="text/one.xhtml"/></navPoint>
<navPoint id="b"><navLabel><text>Stale Two</text></navLabel><content src="text/two%20three.xhtml#c2"/></navPoint>
<navPoint id="c"><navLabel><text>Stale Four</text></navLabel><content src="text/four.xhtml"/></navPoint>
</navMap></ncx>"""
    nav_item = (
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
    )
    opf = f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="{version}.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">urn:test:1</dc:identifier><dc:title>The Storm Book</dc:title>
<dc:creator>Jane Writer</dc:creator><dc:language>en</dc:language>
<meta name="cover" content="cover"/></metadata>
<manifest>
<item id="four" href="text/four.xhtml" media-type="application/xhtml+xml"/>
<item id="twothree" href="text/two%20three.xhtml" media-type="application/xhtml+xml"/>
<item id="one" href="text/one.xhtml" media-type="application/xhtml+xml"/>
{nav_item if version == 3 else ""}
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
<item id="cover" href="images/cover.png" media-type="image/png"{' properties="cover-image"' if version == 3 else ""}/>
</manifest>
<spine toc="ncx"><itemref idref="one"/><itemref idref="twothree"/><itemref idref="four"/></spine>
</package>"""
    files = {
        "META-INF/container.xml": CONTAINER.format("OEBPS/content.opf"),
        "OEBPS/content.opf": opf,
        "OEBPS/toc.ncx": ncx,
        "OEBPS/text/one.xhtml": one,
        "OEBPS/text/two three.xhtml": two_three,
        "OEBPS/text/four.xhtml": four,
        "OEBPS/images/cover.png": PNG,
    }
    if version == 3:
        files["OEBPS/nav.xhtml"] = nav
    write_zip(path, files)
    return path


def write_zip(path: Path, files: dict[str, str | bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, data in files.items():
            zf.writestr(name, data)


def make_pdf(path: Path) -> Path:
    """Three pages, an outline with two chapters, a running header and page numbers, and a
    word hyphenated across two lines."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    pages = [
        [
            "The Lighthouse Keeper",
            "First Light",
            "The keeper climbed the tower at dawn.",
            "He lit the great lamp with a steady hand.",
            "1",
        ],
        [
            "The Lighthouse Keeper",
            "The ships passed safely through the night, and the",
            "sail-",
            "ors waved at the tower.",
            "2",
        ],
        ["The Lighthouse Keeper", "Storm Warning", "Dark clouds gathered over the sea.", "3"],
    ]
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 740 Td"]
        for line in lines:
            ops.append(f"({line}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    writer.add_outline_item(title="First Light", page_number=0)
    writer.add_outline_item(title="Storm Warning", page_number=2)
    writer.add_metadata({"/Title": "The Lighthouse Keeper", "/Author": "Sam Author"})
    with path.open("wb") as f:
        writer.write(f)
    return path


def probe(path: Path) -> dict:
    """What ffprobe, an independent reader, finds in a media file: format, streams, chapters."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", "-show_chapters"]
        + [str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)


# A sentence in each language we speak, and one we do not (Arabic): the books of issue 27.
LANG_SAMPLES = {
    "en-US": "The river was wide and calm.",
    "en-GB": "The river was wide and calm.",
    "es": "El río era ancho y tranquilo.",
    "fr": "La rivière était large et calme.",
    "hi": "नदी चौड़ी और शांत थी।",
    "it": "Il fiume era largo e tranquillo.",
    "pt-BR": "O rio era largo e calmo.",
    "ja": "川は広くて静かだった。",
    "zh-CN": "河水又宽又平静。",
    "ar": "كان النهر واسعا وهادئا.",
}


def opf(title: str, language: str, manifest: str, spine: str, meta: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">urn:test:{title}</dc:identifier><dc:title>{title}</dc:title>
<dc:language>{language}</dc:language>{meta}</metadata>
<manifest>{manifest}</manifest><spine>{spine}</spine></package>"""


CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="{}" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def simple_epub(
    path: Path,
    pages: dict[str, str],
    *,
    language: str = "en",
    root: str = "OEBPS",
    meta: str = "",
    properties: dict[str, str] | None = None,
    title: str = "Sample",
) -> dict[str, str | bytes]:
    """The files of an EPUB 3 whose spine is `pages` (member name under `root` -> XHTML body),
    with a nav listing each page by its <h1>. Returns the files; write them with write_zip or
    infozip_epub."""
    items, refs, links = [], [], []
    for k, (name, body) in enumerate(pages.items()):
        items.append(f'<item id="p{k}" href="{name}" media-type="application/xhtml+xml"/>')
        prop = (properties or {}).get(name)
        refs.append(f'<itemref idref="p{k}"' + (f' properties="{prop}"' if prop else "") + "/>")
        heading = body.split("<h1>", 1)[1].split("</h1>", 1)[0] if "<h1>" in body else name
        from urllib.parse import quote

        links.append(f'<li><a href="{quote(name)}">{heading}</a></li>')
    items.append(
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
    )
    nav = XHTML.format(
        title="Contents", body='<nav epub:type="toc"><ol>' + "".join(links) + "</ol></nav>"
    )
    files: dict[str, str | bytes] = {
        "META-INF/container.xml": CONTAINER.format(f"{root}/content.opf"),
        f"{root}/content.opf": opf(title, language, "".join(items), "".join(refs), meta),
        f"{root}/nav.xhtml": nav,
    }
    for name, body in pages.items():
        files[f"{root}/{name}"] = XHTML.format(title=name, body=body)
    return files


class _RawName(zipfile.ZipInfo):
    """A zip entry whose name is written as UTF-8 bytes without the UTF-8 flag (zipfile itself
    sets bit 11 for any non-ASCII name)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's name
        return self.filename.encode("utf-8"), self.flag_bits & ~0x800


def infozip_raw(path: Path, files: dict[str, str | bytes]) -> Path:
    """An EPUB whose member names are raw UTF-8 bytes without the UTF-8 flag (bit 11), as
    Info-ZIP writes them."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, data in files.items():
            info = _RawName(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    with zipfile.ZipFile(path) as zf:  # the flag really is off, the name really is mangled
        assert all(not i.flag_bits & 0x800 for i in zf.infolist())
    return path


def infozip_cli(path: Path, files: dict[str, str | bytes], folder: Path) -> Path:
    """The same with the `zip` command (Info-ZIP), as the IDPF's packing script runs it."""
    for name, data in {"mimetype": "application/epub+zip", **files}.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    subprocess.run(["zip", "-X0q", str(path), "mimetype"], cwd=folder, check=True)
    rest = sorted({name.split("/")[0] for name in files})
    subprocess.run(["zip", "-Xr9Dq", str(path), *rest], cwd=folder, check=True)
    return path
