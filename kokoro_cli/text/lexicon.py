"""Pronunciation lexicons: the user's own readings of names and terms, applied before espeak.

    # comments; UTF-8; one entry a line, the word and its pronunciation separated by a tab
    Kokoro<TAB>/kˈOkəɹO/        Kokoro phonemes between slashes, used as they are
    nginx<TAB>engine x          a respelling, read like ordinary text
    [en-gb]                     entries below apply to British English only ([*]: every language)

Whole words only (a possessive "'s" included); an entry written in lower case matches any case,
one with capitals only that spelling. Files are read in order (the user lexicon in the config
dir, then $KOKORO_LEXICON, then --lexicon) and later entries win. Every problem is reported as
file:line before anything is synthesized; entries that matched nothing are reported after a run.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kokoro_cli.errors import UsageError
from kokoro_cli.paths import LEXICON_ENV as ENV
from kokoro_cli.paths import user_lexicon
from kokoro_cli.text.g2p import describe, invalid_symbols
from kokoro_cli.text.langs import check_lang

_SECTION = re.compile(r"\[\s*([^\]]+?)\s*\]")
_ENGLISH = ("en-us", "en-gb")


@dataclass(frozen=True)
class Entry:
    """One line of a lexicon file."""

    word: str
    phonemes: str | None  # Kokoro phonemes, used as they are
    respelling: str | None  # else: text read in place of the word
    where: str  # "file:line", for messages
    langs: tuple[str, ...] | None  # None: every language


class Lexicon:
    """Entries from one or more files; tracks which of them matched something."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.used: set[str] = set()  # Entry.where of the entries that matched
        self.langs: set[str] = set()  # languages text was read in
        self._lock = threading.Lock()
        self._compiled: dict[str, Matcher] = {}

    def matcher(self, lang: str) -> Matcher:
        """The entries that apply to `lang`, compiled once."""
        with self._lock:
            self.langs.add(lang)
            if lang not in self._compiled:
                chosen = [e for e in self.entries if e.langs is None or lang in e.langs]
                self._compiled[lang] = Matcher(chosen, self)
            return self._compiled[lang]

    def unused(self) -> list[Entry]:
        """Entries for the languages read that matched no word."""
        return [
            e
            for e in self.entries
            if e.where not in self.used and (e.langs is None or self.langs & set(e.langs))
        ]

    def warning(self) -> str | None:
        """One line naming the unused entries (typos, usually), or None."""
        unused = self.unused()
        if not unused or not self.langs:
            return None
        shown = ", ".join(f"{e.word} ({e.where})" for e in unused[:10])
        more = f" and {len(unused) - 10} more" if len(unused) > 10 else ""
        return f"kokoro: warning: lexicon entries that matched nothing: {shown}{more}"


def combined(first: Iterable[Entry], lexicon: Lexicon | None) -> Lexicon:
    """`first` (a book's own pronunciations, say) under `lexicon`'s entries, which win where
    both name a word; matches of `lexicon`'s entries still count for its unused warning."""
    merged = Lexicon([*first, *(lexicon.entries if lexicon else [])])
    if lexicon is not None:
        merged.used, merged.langs = lexicon.used, lexicon.langs
    return merged


class Matcher:
    """Finds a language's entries in text; later entries override earlier ones."""

    def __init__(self, entries: list[Entry], owner: Lexicon) -> None:
        self.owner = owner
        self.exact: dict[str, Entry] = {}  # entries with capitals: this spelling only
        self.folded: dict[str, Entry] = {}  # lower-case entries: any case
        for e in entries:
            if e.word != e.word.lower():
                self.exact[e.word] = e
            else:
                self.folded[e.word] = e
        self.pattern: re.Pattern[str] | None = None
        if self.exact or self.folded:
            exact = "|".join(map(re.escape, sorted(self.exact, key=len, reverse=True))) or "(?!)"
            folded = "|".join(map(re.escape, sorted(self.folded, key=len, reverse=True))) or "(?!)"
            self.pattern = re.compile(
                rf"(?<![\w'’])(?:({exact})|((?i:{folded})))(['’]s)?(?![\w'’])"
            )

    def split(self, text: str) -> Iterator[tuple[str, str | None]]:
        """(text, None) for plain text and (word, phonemes) for phoneme entries, in order;
        respellings are already written into the plain text."""
        if self.pattern is None:
            yield text, None
            return
        pos, plain = 0, ""
        for m in self.pattern.finditer(text):
            entry = self.exact[m[1]] if m[1] else self.folded[m[2].lower()]
            self.owner.used.add(entry.where)
            plain += text[pos : m.start()]
            pos = m.end()
            if entry.respelling is not None:
                plain += entry.respelling + (m[3] or "")
                continue
            if plain:
                yield plain, None
                plain = ""
            ps = entry.phonemes or ""
            yield m[0], ps + (("s" if ps[-1] in "ptkfθ" else "z") if m[3] else "")
        plain += text[pos:]
        if plain:
            yield plain, None


def _langs(name: str, where: str) -> tuple[str, ...] | None:
    code = name.strip().lower()
    if code in ("*", "all"):
        return None
    if code == "en":
        return _ENGLISH
    try:
        return (check_lang(code),)
    except UsageError as exc:
        raise UsageError(f"{where}: unknown language section [{name}] — {exc}") from None


def parse(text: str, name: str) -> list[Entry]:
    """Entries of one lexicon file's text; `name` labels the messages."""
    entries: list[Entry] = []
    langs: tuple[str, ...] | None = None
    for n, line in enumerate(text.splitlines(), 1):
        where = f"{name}:{n}"
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        section = _SECTION.fullmatch(body)
        if section:
            langs = _langs(section[1], where)
            continue
        word, tab, said = line.partition("\t")
        word, said = word.strip(), said.strip()
        if not tab:
            raise UsageError(
                f"{where}: no tab between the word and its pronunciation — write"
                " word<TAB>/phonemes/ or word<TAB>respelling"
            )
        if not word or not said:
            raise UsageError(f"{where}: empty word or pronunciation — write word<TAB>/phonemes/")
        if said.startswith("/"):
            ps = said.strip("/").strip()
            bad = invalid_symbols(ps)
            if not said.endswith("/") or len(said) < 2 or not ps or bad:
                why = f"use symbols outside the Kokoro vocabulary: {describe(bad)}"
                raise UsageError(
                    f"{where}: phonemes {said} {why if bad else 'are empty or unclosed'} — write"
                    " Kokoro v1.0 phoneme symbols between two slashes"
                )
            entries.append(Entry(word, ps, None, where, langs))
        else:
            entries.append(Entry(word, None, said, where, langs))
    return entries


def read(path: Path) -> list[Entry]:
    """Entries of one file, or a UsageError naming the file (and line) that is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"cannot read lexicon {path}: {exc.strerror or exc} — check the path"
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(
            f"{path}:{line}: lexicon is not UTF-8 text — convert it, e.g. iconv -t utf-8"
        ) from None
    return parse(text, str(path))


def sources(extra: Iterable[Path] = ()) -> list[Path]:
    """Lexicon files in the order they apply: user file, $KOKORO_LEXICON, then `extra`."""
    user = user_lexicon()
    found = [user] if user.is_file() else []
    env = os.environ.get(ENV, "")
    found += [Path(p) for p in env.split(os.pathsep) if p.strip()]
    return found + list(extra)


def load(extra: Iterable[Path] = ()) -> Lexicon | None:
    """The lexicon from every source (see sources()), or None when there is none."""
    paths = sources(extra)
    if not paths:
        return None
    return Lexicon([e for p in paths for e in _cached(p, _stamp(p))])


def _stamp(path: Path) -> tuple[float, int]:
    try:
        st = path.stat()
    except OSError:
        return (0.0, -1)  # read() reports it
    return (st.st_mtime, st.st_size)


@cache
def _cached(path: Path, stamp: tuple[float, int]) -> tuple[Entry, ...]:
    # Long-lived callers (batch, a server) load the same files again and again.
    return tuple(read(path))
