"""Japanese text -> Kokoro v1.0 phonemes: kana-derived IPA, as misaki's v1.0 G2P writes them.

The Japanese voices were trained on misaki's "cutlet" phonemes: each word's pronunciation in
kana, each mora mapped to IPA (シ ɕi, ツ ʦɨ, フ ɸɯ, キャ kʲa, ッ ʔ, ー ː, ン assimilated to the next
sound), words separated by spaces. misaki reads the pronunciations with MeCab and UniDic, whose
dictionary is downloaded on first use; we read them with OpenJTalk (pyopenjtalk-plus, dictionary
inside the wheel), which also reads numbers, dates, counters and spelled-out letters in Japanese.
The mora table is our own code on misaki's facts; tests/test_cjk.py compares it with misaki.
Latin words OpenJTalk does not know are read by the English G2P (acronyms it spells in Japanese).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cache
from typing import Any

from kokoro_cli.text import cjk_common as cjk

_VOWELS = {"a": "a", "i": "i", "u": "ɯ", "e": "e", "o": "o"}
# Katakana rows: (kana for a i u e o, IPA of each mora); None where the row has no such kana.
_ROWS = [
    ("アイウエオ", "a i ɯ e o"), ("ァィゥェォ", "a i ɯ e o"),
    ("カキクケコ", "ka kʲi kɯ ke ko"), ("ガギグゲゴ", "ɡa ɡʲi ɡɯ ɡe ɡo"),
    ("サシスセソ", "sa ɕi sɨ se so"), ("ザジズゼゾ", "ʣa ʥi zɨ ʣe ʣo"),
    ("タチツテト", "ta ʨi ʦɨ te to"), ("ダヂヅデド", "da ʥi zɨ de do"),
    ("ナニヌネノ", "na ɲi nɯ ne no"), ("ハヒフヘホ", "ha çi ɸɯ he ho"),
    ("バビブベボ", "ba bʲi bɯ be bo"), ("パピプペポ", "pa pʲi pɯ pe po"),
    ("マミムメモ", "ma mʲi mɯ me mo"), ("ラリルレロ", "ɾa ɾʲi ɾɯ ɾe ɾo"),
    ("ヤユヨ", "ja jɯ jo"), ("ャュョ", "ja jɯ jo"), ("ワヰヱヲ", "βa i e o"),
    ("ヮヴヵヶ", "βa vɯ ka ke"), ("ヷヸヹヺ", "va vʲi ve vo"),
]  # fmt: skip
# Two-kana moras: a kana with a small vowel or glide (palatal rows take ɨ for ュ).
_PALATAL = {
    "キ": "kʲ", "ギ": "ɡʲ", "シ": "ɕ", "ジ": "ʥ", "チ": "ʨ", "ヂ": "ʥ", "ニ": "ɲ", "ヒ": "ç",
    "ビ": "bʲ", "ピ": "pʲ", "ミ": "mʲ", "リ": "ɾʲ",
}  # fmt: skip
_PAIRS = {
    "イェ": "je", "ウィ": "βi", "ウェ": "βe", "ウォ": "βo", "ティ": "tʲi", "テュ": "tʲɨ",
    "ディ": "dʲi", "デュ": "dʲɨ", "トゥ": "tɯ", "ドゥ": "dɯ", "ツァ": "ʦa", "ツィ": "ʦʲi",
    "ツェ": "ʦe", "ツォ": "ʦo", "ファ": "ɸa", "フィ": "ɸʲi", "フェ": "ɸe", "フォ": "ɸo",
    "フュ": "ɸʲɨ", "フョ": "ɸʲo", "ヴァ": "va", "ヴィ": "vʲi", "ヴェ": "ve", "ヴォ": "vo",
    "ヴュ": "bʲɨ", "ヴョ": "bʲo",
}  # fmt: skip
_SMALL = "ァィゥェォャュョ"
_PUNCT = {
    "、": ",", "，": ",", ",": ",", "。": ".", "．": ".", ".": ".", "！": "!", "!": "!",
    "？": "?", "?": "?", "：": ":", ":": ":", "；": ";", ";": ";", "（": "(", "(": "(",
    "）": ")", ")": ")", "「": "“", "」": "”", "『": "“", "』": "”", "《": "“", "》": "”",
    "【": "“", "】": "”", "〈": "“", "〉": "”", "“": "“", "”": "”", "…": "…", "—": "—",
    "～": "—", "〜": "—",
}  # fmt: skip
_LATIN = re.compile(r"[A-Za-z][A-Za-z'’.\-]*")
_CURRENCY = {"¥": "円", "￥": "円", "$": "ドル", "€": "ユーロ", "£": "ポンド"}
_FILLER = "フィラー"  # OpenJTalk's part of speech for a Latin word it spelled out letter by letter
_VERB, _AUXILIARY = "動詞", "助動詞"
_LONG_U = "\x00"  # marks a pronunciation whose ウ after o/u is long (see kana_ipa)
_LOCK = threading.Lock()  # OpenJTalk's analyzer is one C object: one caller at a time


@cache
def moras() -> dict[str, str]:
    """Katakana mora (one or two kana) -> IPA."""
    table: dict[str, str] = {}
    for kana, ipa in _ROWS:
        table.update(zip(kana, ipa.split(), strict=True))
    for kana, onset in _PALATAL.items():
        for small, vowel in zip("ャュョェ", ("a", "ɨ", "o", "e"), strict=True):
            table[kana + small] = onset + vowel
    for kana in "クグ":  # labialized: クァ kᵝa
        for small, vowel in zip("ァィェォ", "aieo", strict=True):
            table[kana + small] = table[kana][0] + "ᵝ" + vowel
    table.update(_PAIRS)
    return table


def _nasal(next_ipa: str) -> str:
    """ン before a sound: m before labials, ŋ before velars, ɲ before palatals, n before
    alveolars, ɴ at the end of a word or before a vowel."""
    if next_ipa[:1] in ("m", "p", "b"):
        return "m"
    if next_ipa[:1] in ("k", "ɡ"):
        return "ŋ"
    if next_ipa[:1] in ("ɲ", "ʨ", "ʥ"):
        return "ɲ"
    if next_ipa[:1] in ("n", "t", "d", "ɾ", "z"):
        return "n"
    return "ɴ"


def kana_ipa(pron: str, long_u: bool = False) -> str:
    """IPA of a katakana pronunciation ("キョー" -> "kʲoː", "シンブン" -> "ɕimbɯɴ").

    long_u reads ウ after an o or u sound as a long vowel (キュウリ kʲɨːɾʲi): some dictionary
    entries spell it so, while verbs (オモウ, omoɯ) keep it."""
    table = moras()
    units: list[str] = []  # moras as IPA; ン and ッ resolved after the next one is known
    i = 0
    while i < len(pron):
        pair, ch = pron[i : i + 2], pron[i]
        if pair in table:
            units.append(table[pair])
            i += 2
            continue
        if long_u and ch == "ウ" and units and units[-1][-1:] in ("o", "ɨ", "ɯ"):
            units.append("ː")
        elif ch in table:
            if i + 1 < len(pron) and pron[i + 1] in _SMALL and ch not in _SMALL:
                # An unlisted pair (スィ): the consonant of the first, the vowel of the second.
                units.append(table[ch][:-1] + table[pron[i + 1]])
                i += 2
                continue
            units.append(table[ch])
        elif ch == "ー":
            units.append("ː")
        elif ch == "ッ":
            units.append("ʔ")
        elif ch == "ン":
            units.append("ン")
        i += 1  # anything else (accent marks ’, stray symbols) is not a sound
    out = []
    for k, unit in enumerate(units):
        if unit == "ン":
            unit = _nasal(units[k + 1] if k + 1 < len(units) else "")
        out.append(unit)
    return "".join(out)


def normalize(text: str) -> str:
    """Full-width forms folded; dates, times and money written the way OpenJTalk reads them."""
    text = cjk.DOTS.sub("…", unicodedata.normalize("NFKC", text))  # NFKC spells … as three dots
    text = cjk.THOUSANDS.sub("", text)
    text = cjk.DATE.sub(lambda m: f"{m[1]}年{int(m[2])}月{int(m[3])}日", text)
    text = cjk.TIME.sub(lambda m: f"{int(m[1])}時" + (f"{int(m[2])}分" if int(m[2]) else ""), text)
    return cjk.MONEY.sub(lambda m: m[2] + _CURRENCY[m[1]], text)


@cache
def _openjtalk() -> Any:
    import pyopenjtalk  # pyopenjtalk-plus: the dictionary is inside the wheel, nothing downloads

    return pyopenjtalk


def _latin(word: str) -> str:
    """The ASCII form of a word OpenJTalk returns in full-width letters, or "" if not Latin."""
    plain = unicodedata.normalize("NFKC", word)
    return plain if _LATIN.fullmatch(plain) else ""


def _binds(word: dict[str, Any], before: str) -> bool:
    """Whether an auxiliary (ます, た, ない) or て/で joins the verb before it (pos `before`)."""
    if before not in (_VERB, _AUXILIARY) or word["chain_flag"] != 1:
        return False
    return word["pos"] == _AUXILIARY or word["string"] in ("て", "で")


def _rejoin_latin(text: str, words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Put back together a Latin word OpenJTalk cut into pieces it knows ("aon" -> ａ エイ +
    ｏｎ オン, "xon" -> ｘ + ｏｎ): pieces that touch in `text` are one word, read in English.
    A run in capitals stays cut (NHKCD: acronyms, spelled as OpenJTalk spells them)."""
    plain = unicodedata.normalize("NFKC", text)
    out: list[dict[str, Any]] = []
    cursor, end_of_last = 0, -1  # where the last Latin piece ended in `plain`
    for w in words:
        surface = unicodedata.normalize("NFKC", w["string"])
        at = plain.find(surface, cursor) if surface else -1
        if at >= 0:
            cursor = at + len(surface)
        latin = _latin(w["string"])
        if latin and at >= 0 and at == end_of_last and out and _latin(out[-1]["string"]):
            joined = out[-1]["string"] + latin
            if not joined.isupper():
                out[-1] = {**out[-1], "string": joined, "pos": _FILLER, "mora_size": 0}
                end_of_last = cursor
                continue
        out.append(w)
        end_of_last = cursor if latin and at >= 0 else -1
    return out


def _pieces(text: str) -> list[tuple[str, str]]:
    """(kind, phonemes-or-text) pieces: "ps" phonemes, "en" English text, "punct"."""
    out: list[tuple[str, str]] = []  # ("kana", pron) until the words bound together are known
    jtalk = _openjtalk()
    with _LOCK:
        words = _rejoin_latin(text, jtalk.run_frontend(text))
    for k, w in enumerate(words):
        surface, pron = w["string"], w["pron"]
        before = words[k - 1]["pos"] if k else ""
        latin = _latin(surface)
        # A word spelled out letter by letter reads better in English, unless it is an acronym
        # (Japanese say エーアイ for AI, as OpenJTalk does).
        if latin and (w["mora_size"] == 0 or w["pos"] == _FILLER and not latin.isupper()):
            out.append(("en", latin))
        elif w["mora_size"] > 0:
            if out and out[-1][0] == "kana" and (pron.startswith("ー") or _binds(w, before)):
                out[-1] = ("kana", out[-1][1] + pron)  # 行きましょう: one word, as misaki has it
            else:
                out.append(("kana", pron if w["pos"] == _VERB else _LONG_U + pron))
        elif unicodedata.normalize("NFKC", surface) in _PUNCT:
            out.append(("punct", _PUNCT[unicodedata.normalize("NFKC", surface)]))
        elif cjk.speakable(surface):  # another script (Москва, 한국): read, never dropped
            out.append(("en", unicodedata.normalize("NFKC", surface)))
    return [("ps", _kana(p)) if kind == "kana" else (kind, p) for kind, p in out]


def _kana(pron: str) -> str:
    return kana_ipa(pron[1:], long_u=True) if pron.startswith(_LONG_U) else kana_ipa(pron)


_SOKUON_SPACE = re.compile(r"(?<![!\",.:;?—…”]) (?=ʔ)|(?<=ʔ) (?![\"“])")


def g2p_many(texts: list[str]) -> list[str]:
    """Kokoro phonemes for each text; a small tsu (ʔ) binds to the words around it."""
    joined = cjk.assemble([_pieces(normalize(t)) for t in texts])
    return [_SOKUON_SPACE.sub("", ps) for ps in joined]
