"""English readings of web addresses, e-mail addresses, paths and file names (issues 12 and 26).

One rule for every URL: the scheme is dropped ("https://", "file://"), the rest is read symbol by
symbol ("slash", "dot", "dash"), numbers of three digits or more digit by digit, and two-letter
domains spelled ("dot U K"). E-mail addresses may carry a path ("user@host/123-sm"). A slash
between words is said ("upgrade slash update"), except in the pairs read with "or" or "per".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kokoro_cli.text import numbers as nums

Rule = Callable[[re.Match[str]], str]

_SYMBOL_WORDS = {".": " dot ", "/": " slash ", "-": " dash ", "_": " underscore ", ":": " colon ",
                 "?": " question mark ", "=": " equals ", "&": " and ", "+": " plus ",
                 "#": " hash ", "~": " tilde ", "%": " percent ", "@": " at ",
                 "\\": " backslash "}  # fmt: skip
# Top-level domains that mark a bare "example.com" as a web address.
_TLDS = ("com org net edu gov mil int io ai dev app co uk de fr jp cn ru br ca au nl ch se no es"
         " eu info biz tv sm xyz tech cloud ly gg me us").split()  # fmt: skip
# Word pairs read with "or" rather than "slash".
_OR_PAIRS = {"and/or": "and or", "he/she": "he or she", "she/he": "she or he",
             "his/her": "his or her", "him/her": "him or her", "her/his": "her or his",
             "his/hers": "his or hers", "s/he": "she or he", "yes/no": "yes or no",
             "w/o": "without", "c/o": "care of", "24/7": "twenty-four seven"}  # fmt: skip
# After a plural count, these make "words/minute" a rate: "words per minute".
_PER_WORDS = {"s": "second", "sec": "second", "second": "second", "min": "minute",
              "minute": "minute", "h": "hour", "hr": "hour", "hour": "hour", "day": "day",
              "week": "week", "month": "month", "year": "year", "person": "person",
              "user": "user", "head": "head", "night": "night", "page": "page"}  # fmt: skip
_URL_END = r"[^\s<>\"]*[^\s<>\".,;:!?)'’]"


def _read_digits(m: re.Match[str], lang: str) -> str:
    # short and round numbers are numbers ("/3", "rtx-6000"); others digit by digit ("/123")
    text = m[0]
    if len(text) < 3 or (len(text) <= 4 and text.endswith("00") and text[0] != "0"):
        return f" {text} "
    return f" {nums.digits(text, lang)} "


def spell_address(text: str, lang: str, domain: bool = True) -> str:
    """A web or e-mail address, path or file name read out: "www.a-b.co.uk/123" -> "W W W dot a
    dash b dot co dot U K slash one two three"."""
    text = re.sub(r"^www\.", "W W W.", text, flags=re.IGNORECASE)
    if domain:  # two-letter domains are spelled (".uk", ".de"): in the host, not the path
        host, slash, path = text.partition("/")
        host = re.sub(
            r"(?<=\.)([a-z]{2})(?=$|[:?#])", lambda m: " " + " ".join(m[1].upper()) + " ", host
        )
        text = host + slash + path
    text = re.sub(r"\d+", lambda m: _read_digits(m, lang), text)
    said = "".join(_SYMBOL_WORDS.get(ch, ch) for ch in text)
    return re.sub(r"\s+", " ", said).strip()


class Web:
    """URL, e-mail, path, file name and slash rules for one English variant."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        tlds = "|".join(_TLDS)
        # (pattern, rule, gate): a rule runs only on text holding one of its gate's strings
        self.rules: list[tuple[re.Pattern[str], Rule, tuple[str, ...]]] = [
            # https://..., file:///..., ftp://...: the scheme is dropped, the rest read
            (re.compile(rf"\b[A-Za-z][A-Za-z0-9+.-]*://{_URL_END}"), self._url, ("://",)),
            (re.compile(rf"\bwww\.{_URL_END}", re.IGNORECASE), self._url, ("www.", "WWW.")),
            # user@example.com, user@host/123-sm
            (
                re.compile(
                    r"(?<![\w.+-])[\w.+-]*\w@[\w-]+(?:(?:\.[\w-]+)+(?:/[\w./-]*[\w/])?"
                    r"|/[\w./-]*[\w/])"
                ),
                self._email,
                ("@",),
            ),
            # example.com, docs.example.org/guide, test2.uk
            (
                re.compile(
                    rf"(?<![\w@./-])(?:[A-Za-z0-9][\w-]*\.)+(?:{tlds})\b(?:/{_URL_END})?"
                    r"(?![\w-]|\.\w)"
                ),
                self._url,
                (".",),
            ),
            # /usr/local/bin, ~/notes.txt, ./run.sh, C:\Users\me
            (
                re.compile(
                    r"(?<![\w/~.])(?:(?:~|\.{1,2})?/[\w.+-]+(?:/[\w.+-]*)+|(?:~|\.{1,2})/[\w.+-]+)"
                    r"(?<![.])"
                ),
                lambda m: spell_address(m[0], lang, domain=False),
                ("/",),
            ),
            (
                re.compile(r"\b([A-Z]):\\([\w.+ -]+(?:\\[\w.+-]+)*)"),
                lambda m: f"{m[1]} colon backslash {spell_address(m[2], lang)}",
                (":\\",),
            ),
            # setup.py, data.tar.gz, README.md
            (
                re.compile(
                    r"(?<![\w./-])([A-Za-z_][\w-]*)((?:\.(?:py|js|ts|md|txt|json|ya?ml|toml|csv"
                    r"|html?|pdf|jpe?g|png|gif|svg|webp|mp3|mp4|wav|flac|ogg|opus|m4a|m4b|zip"
                    r"|gz|bz2|xz|tar|tgz|exe|sh|rs|cpp|java|rb|docx?|xlsx?|pptx?|ini|cfg|log|xml"
                    r"|epub|srt|vtt|onnx|pt|bin))+)\b(?!\.\w)"
                ),
                lambda m: spell_address(m[0], lang, domain=False),
                (".",),
            ),
        ]
        self.slashes: list[tuple[re.Pattern[str], Rule]] = [
            (re.compile(r"(?<![\w/])(\w+)/(\w+)(?![\w/])"), self._slash),
        ]

    def _url(self, m: re.Match[str]) -> str:
        return spell_address(re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", m[0]), self.lang)

    def _email(self, m: re.Match[str]) -> str:
        user, _, host = m[0].partition("@")
        return f"{spell_address(user, self.lang)} at {spell_address(host, self.lang)}"

    def _slash(self, m: re.Match[str]) -> str:
        pair = m[0].lower()
        if pair in _OR_PAIRS:
            said = _OR_PAIRS[pair]
            return said if m[0].islower() or pair == "24/7" else said.upper()
        if m[1].isdigit() or m[2].isdigit():
            return m[0]  # numbers: fractions and dates have their own rules
        if m[2] in _PER_WORDS and m[1].endswith("s") and m[1].islower():
            return f"{m[1]} per {_PER_WORDS[m[2]]}"  # words/minute
        return f"{m[1]} slash {m[2]}"
