"""EPUB 2 and 3: the zip and its XML read by hand (EbookLib is AGPL; this project is MIT).

Chapters follow the spine (reading order, not manifest order) and are titled and cut by the
table of contents: the EPUB 3 nav when there is one (the NCX is often stale), else the NCX.
Several chapters in one XHTML file are split at their #fragment anchors. Hrefs are
percent-decoded. Pronunciations the book carries are used: PLS lexicons its documents link
(documents/pls.py) for the chapters made from those documents, ssml:ph on elements (html.py). Every read is capped (zip bombs) and XML goes through defusedxml (entity
expansion, external entities); a damaged zip ends in one DocumentError.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag

from kokoro_cli.documents.common import (
    MAX_MEMBER_BYTES,
    MAX_TOTAL_BYTES,
    Book,
    Chapter,
    DocumentError,
    clean,
    same_title,
)
from kokoro_cli.documents.html import extract, skipped_notes

MAX_COVER_BYTES = 16 * 1024 * 1024
UTF8_NAMES = 0x800  # general purpose bit 11: the zip entry's name is UTF-8
COVER_TYPES = {"image/jpeg": "jpeg", "image/jpg": "jpeg", "image/png": "png"}


@dataclass
class TocEntry:
    path: str  # zip member, decoded
    fragment: str
    title: str


class _Zip:
    """Capped, error-mapped reads from the EPUB's zip."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.total = 0
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DocumentError(
                f"{self.name} is not a readable EPUB (damaged or truncated zip: {exc}); "
                "download or export it again"
            ) from None
        self.members = {_member_key(info): info for info in self.zf.infolist()}

    def read(self, member: str, cap: int = MAX_MEMBER_BYTES) -> bytes:
        info = self.members.get(unicodedata.normalize("NFC", member))
        if info is None:
            raise DocumentError(
                f"{self.name} lacks {member}, which its package names; the EPUB is broken"
            )
        if info.file_size > cap or self.total + info.file_size > MAX_TOTAL_BYTES:
            raise self._bomb(member)
        try:
            with self.zf.open(info) as f:
                data = f.read(cap + 1)  # never trust the declared size
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
            raise DocumentError(
                f"{self.name}: cannot read {member} ({exc}); the zip is damaged or truncated"
            ) from None
        self.total += len(data)
        if len(data) > cap or self.total > MAX_TOTAL_BYTES:
            raise self._bomb(member)
        return data

    def _bomb(self, member: str) -> DocumentError:
        return DocumentError(
            f"{self.name}: {member} unpacks to more than {MAX_MEMBER_BYTES // 2**20} MB "
            "(a zip bomb?); refusing to read it"
        )


def _member_key(info: zipfile.ZipInfo) -> str:
    """The entry's name as the package's hrefs spell it.

    Info-ZIP (and so the IDPF's own packing script) stores UTF-8 names without setting bit 11,
    and zipfile then decodes them as cp437 ("目次" becomes "τ¢«µ¼í"). The OCF spec says names are
    UTF-8, so such a name is read as UTF-8 when its bytes are valid UTF-8 (cp437 maps every byte,
    so the original bytes come back exactly). NFC, because macOS tools write names decomposed.
    """
    name = info.filename
    if not info.flag_bits & UTF8_NAMES:
        try:
            name = name.encode("cp437").decode("utf-8")
        except UnicodeError:
            pass  # a genuinely cp437 (or other legacy) name: keep zipfile's reading
    return unicodedata.normalize("NFC", name)


def _xml(data: bytes, where: str) -> Any:
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    try:
        return safe_et.fromstring(data)
    except DefusedXmlException:
        raise DocumentError(
            f"{where} declares XML entities or external references (entity expansion attack?); "
            "refusing to read it"
        ) from None
    except Exception as exc:  # ParseError and friends from a malformed file
        raise DocumentError(f"{where} is not well-formed XML ({exc}); the EPUB is broken") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: Any, name: str) -> list[Any]:
    return [el for el in root.iter() if isinstance(el.tag, str) and _local(el.tag) == name]


def _text(el: Any) -> str:
    return clean("".join(el.itertext())) if el is not None else ""


def _resolve(base: str, href: str) -> tuple[str, str]:
    """A zip member path and fragment for `href` relative to the file `base`."""
    url, fragment = urldefrag(href)
    path = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(url)))
    return path.lstrip("/"), unquote(fragment)


class _NavParser(HTMLParser):
    """The links of the EPUB 3 nav's toc, in order (HTML parser: tolerant, never expands)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # > 0 inside <nav epub:type="toc">
        self.links: list[tuple[str, str]] = []
        self.href: str | None = None
        self.label: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "nav":
            if self.depth or "toc" in a.get("epub:type", "").split():
                self.depth += 1
        elif tag == "a" and self.depth and a.get("href"):
            self.href, self.label = a["href"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.depth:
            self.depth -= 1
        elif tag == "a" and self.href is not None:
            self.links.append((self.href, clean("".join(self.label))))
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.href is not None:
            self.label.append(data)


def _check_markup(data: bytes, where: str) -> str:
    if b"<!ENTITY" in data:
        raise DocumentError(
            f"{where} declares XML entities (entity expansion attack?); refusing to read it"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return (
            data.decode("utf-16")
            if data[:2] in (b"\xff\xfe", b"\xfe\xff")
            else data.decode("latin-1")
        )


def read_epub(path: Path) -> Book:
    z = _Zip(path)
    with z.zf:
        container = _xml(z.read("META-INF/container.xml"), "META-INF/container.xml")
        roots = [el.get("full-path") for el in _find(container, "rootfile") if el.get("full-path")]
        if not roots:
            raise DocumentError(f"{path.name}: container.xml names no package file; broken EPUB")
        opf_path = unquote(roots[0])
        opf = _xml(z.read(opf_path), opf_path)
        manifest = {}
        for item in _find(opf, "item"):
            href = item.get("href")
            if item.get("id") and href:
                manifest[item.get("id")] = (
                    _resolve(opf_path, href)[0],
                    item.get("media-type", ""),
                    set(item.get("properties", "").split()),
                )
        book = Book(
            title=_text(next(iter(_find(opf, "title")), None)) or path.stem,
            author=_text(next(iter(_find(opf, "creator")), None)),
            language=_text(next(iter(_find(opf, "language")), None)),
        )
        _cover(z, opf, manifest, book)
        spine = []
        toc_id = None
        for el in _find(opf, "spine"):
            toc_id = el.get("toc")
        fixed = _fixed_layout(opf)
        pages = set()  # spine items laid out as fixed pages: their SVG text is the text
        for ref in _find(opf, "itemref"):
            item = manifest.get(ref.get("idref"))
            if item and ref.get("linear", "yes") != "no":
                spine.append(item[0])
                props = set(ref.get("properties", "").split())
                if "rendition:layout-pre-paginated" in props or (
                    fixed and "rendition:layout-reflowable" not in props
                ):
                    pages.add(item[0])
        toc = _nav_toc(z, manifest) or _ncx_toc(z, manifest, toc_id)
        book.chapters = _chapters(z, spine, toc, _Lexicons(z, book), pages)
    return book


def _turn_page(before: list[str], paras: list[str]) -> None:
    """A sentence running on from one fixed page to the next is one paragraph, not two (no
    paragraph pause at a page turn): "… où" + "le vent …", "exam-" + "ple"."""
    if not before or not paras or not paras[0][:1].islower():
        return
    last = before[-1]
    if re.search(r"\w-$", last):
        paras[0] = last[:-1] + paras[0]
    elif not re.search(r"[.!?…:;»”\"')\]]$", last):
        paras[0] = f"{last} {paras[0]}"
    else:
        return
    before.pop()


def _fixed_layout(opf: Any) -> bool:
    """Whether the package says its pages are fixed (rendition:layout pre-paginated)."""
    for meta in _find(opf, "meta"):
        if meta.get("property") == "rendition:layout":
            return _text(meta) == "pre-paginated"
    return False


class _Lexicons:
    """The PLS files the book's documents link, each read once; problems become book notes."""

    def __init__(self, z: _Zip, book: Book) -> None:
        from kokoro_cli.documents.pls import languages

        self.z, self.book = z, book
        self.lang = (languages(book.language) or ("en-us",))[0]  # for ssml:ph's phonemes
        self.read: dict[str, list[Any]] = {}

    def entries(self, paths: list[str]) -> list[Any]:
        return [e for path in paths for e in self.read.get(path, [])]

    def linked(self, member: str, ex: Any) -> list[str]:
        """The zip paths of the lexicons `member` links (reading new ones), noting problems."""
        from kokoro_cli.documents.pls import parse

        self.book.notes += [f"{member}: {note}" for note in ex.notes]
        paths = []
        for href in ex.lexicons:
            path = _resolve(member, href)[0]
            if path not in self.read:
                try:
                    found = parse(self.z.read(path), path)
                except DocumentError as exc:
                    found = None
                    self.book.notes.append(f"pronunciation lexicon not read: {exc}")
                self.read[path] = found.entries if found else []
                self.book.notes += found.notes if found else []
            paths.append(path)
        return paths


def _cover(z: _Zip, opf: Any, manifest: dict, book: Book) -> None:
    ids = [i for i, (_, _, props) in manifest.items() if "cover-image" in props]
    ids += [m.get("content") for m in _find(opf, "meta") if m.get("name") == "cover"]
    for cover_id in ids:
        if cover_id in manifest and manifest[cover_id][1] in COVER_TYPES:
            member, media, _ = manifest[cover_id]
            book.cover = z.read(member, MAX_COVER_BYTES)
            book.cover_type = COVER_TYPES[media]
            return


def _nav_toc(z: _Zip, manifest: dict) -> list[TocEntry]:
    for member, _, props in manifest.values():
        if "nav" in props:
            parser = _NavParser()
            parser.feed(_check_markup(z.read(member), member))
            return [TocEntry(*_resolve(member, href), title) for href, title in parser.links]
    return []


def _ncx_toc(z: _Zip, manifest: dict, toc_id: str | None) -> list[TocEntry]:
    member = manifest[toc_id][0] if toc_id in manifest else None
    for path, media, _ in manifest.values():
        if member is None and media == "application/x-dtbncx+xml":
            member = path
    if member is None:
        return []
    entries = []
    for point in _find(_xml(z.read(member), member), "navPoint"):  # document order = reading order
        content = next((c for c in point if _local(c.tag) == "content"), None)
        label = next((c for c in point if _local(c.tag) == "navLabel"), None)
        if content is not None and content.get("src"):
            entries.append(TocEntry(*_resolve(member, content.get("src")), _text(label)))
    return entries


def _chapters(
    z: _Zip, spine: list[str], toc: list[TocEntry], lexicons: _Lexicons,
    pages: set[str] | None = None,
) -> list[Chapter]:  # fmt: skip
    """Walk the spine; a TOC entry starts a chapter at its file (and anchor, if any).
    SVG text is read in the files of `pages` (fixed layout)."""
    by_file: dict[str, list[TocEntry]] = {}
    for entry in toc:
        by_file.setdefault(entry.path, []).append(entry)
    # (title, paragraphs, notes, lexicon paths)
    chapters: list[tuple[str, list[str], list[str], list[str]]] = []
    for member in dict.fromkeys(spine):  # a file listed twice is read once
        entries = by_file.get(member, [])
        markup = _check_markup(z.read(member), member)
        wanted = {e.fragment for e in entries}
        ex = extract(markup, wanted, lexicons.lang, svg_text=member in (pages or ()))
        linked = lexicons.linked(member, ex)
        cuts = sorted(
            ((ex.anchors.get(e.fragment, 0) if e.fragment else 0), k, e.title)
            for k, e in enumerate(entries)
        )
        bounds = [c[0] for c in cuts] + [len(ex.blocks)]
        if not entries or bounds[0] > 0:  # text before this file's first entry
            end = bounds[0] if entries else len(ex.blocks)
            paras = [b.text for b in ex.blocks[:end]]
            if not chapters:
                chapters.append((ex.title or "Opening", [], [], []))
            if member in (pages or ()):
                _turn_page(chapters[-1][1], paras)
            chapters[-1][1].extend(paras)
            chapters[-1][2].extend(skipped_notes(ex.skips, 0, end))
            chapters[-1][3].extend(p for p in linked if p not in chapters[-1][3])
        for i, (start, _, title) in enumerate(cuts):
            paras = [b.text for b in ex.blocks[start : bounds[i + 1]]]
            notes = skipped_notes(ex.skips, start, bounds[i + 1])
            chapters.append((title, paras, notes, list(linked)))
    out = []
    for title, paras, notes, linked in chapters:
        if paras and same_title(paras[0], title):
            paras = paras[1:]
        out.append(Chapter.of(title or "Untitled", paras, notes, lexicons.entries(linked)))
    return out
