"""Mandarin text -> Kokoro v1.0 phonemes: IPA with tone arrows, as misaki's v1.0 G2P writes them.

The Chinese voices were trained on misaki's phonemes: jieba words, pypinyin syllables, each
syllable in IPA with its tone as an arrow after the vowel (→ 1, ↗ 2, ↓ 3, ↘ 4, none for the
neutral tone), words separated by spaces. The code is our own, built on the same libraries; the
facts (which IPA for each initial and final) follow misaki's tables, and tests/test_cjk.py checks
every syllable against misaki. On top of that we apply the tone sandhi a speaker does (3-3, 一,
不) and erhua, read numbers, dates, times, money and percentages in Chinese (cn2an), and give
Latin words to the English G2P instead of dropping them.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from functools import cache

from kokoro_cli.text import cjk_common as cjk

TONES = {"1": "→", "2": "↗", "3": "↓", "4": "↘", "5": ""}
_INITIALS = {
    "b": "p", "p": "pʰ", "m": "m", "f": "f", "d": "t", "t": "tʰ", "n": "n", "l": "l",
    "g": "k", "k": "kʰ", "h": "x", "j": "ʨ", "q": "ʨʰ", "x": "ɕ", "zh": "ꭧ", "ch": "ꭧʰ",
    "sh": "ʂ", "r": "ɻ", "z": "ʦ", "c": "ʦʰ", "s": "s",
}  # fmt: skip
# Final -> (onset glide + nucleus, coda): the tone arrow goes between the two.
_FINALS = {
    "a": ("a", ""), "ai": ("ai", ""), "an": ("a", "n"), "ang": ("a", "ŋ"), "ao": ("au", ""),
    "e": ("ɤ", ""), "ei": ("ei", ""), "en": ("ə", "n"), "eng": ("ə", "ŋ"), "i": ("i", ""),
    "ia": ("ja", ""), "ian": ("jɛ", "n"), "iang": ("ja", "ŋ"), "iao": ("jau", ""),
    "ie": ("je", ""), "in": ("i", "n"), "iou": ("jou", ""), "ing": ("i", "ŋ"),
    "iong": ("jʊ", "ŋ"), "ong": ("ʊ", "ŋ"), "ou": ("ou", ""), "u": ("u", ""),
    "uei": ("wei", ""), "ua": ("wa", ""), "uai": ("wai", ""), "uan": ("wa", "n"),
    "uen": ("wə", "n"), "uang": ("wa", "ŋ"), "ueng": ("wə", "ŋ"), "uo": ("wo", ""),
    "o": ("wo", ""), "ü": ("y", ""), "üe": ("ɥe", ""), "üan": ("ɥɛ", "n"), "ün": ("y", "n"),
}  # fmt: skip
# Syllables without the usual initial + final: syllabic nasals and interjections.
_WHOLE = {
    "m": ("m", ""), "n": ("n", ""), "ng": ("ŋ", ""), "hm": ("hm", ""), "hng": ("hŋ", ""),
    "io": ("jɔ", ""), "ê": ("ɛ", ""), "er": ("ɚ", ""), "o": ("ɔ", ""),
}  # fmt: skip
_APICAL = "ɨ"  # the "i" of zhi chi shi ri zi ci si

# Words ending in 儿 where it is a syllable of its own, not erhua.
_ER_SYLLABLE = set(
    "儿子 女儿 婴儿 幼儿 孤儿 胎儿 健儿 少儿 患儿 儿童 男儿 宠儿 乳儿 混血儿 新生儿".split()
)
_DIGITS = set("零〇一二三四五六七八九")
_NUMERAL = _DIGITS | set("十百千万亿点")
_PUNCT = str.maketrans({
    "，": ",", "、": ",", "。": ".", "．": ".", "！": "!", "？": "?", "：": ":", "；": ";",
    "（": "(", "）": ")", "「": "“", "」": "”", "『": "“", "』": "”", "《": "“", "》": "”",
    "【": "“", "】": "”", "〈": "“", "〉": "”", "«": "“", "»": "”", "～": "—", "〜": "—",
})  # fmt: skip
_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Hanzi runs, Latin words (with inner apostrophes, hyphens, dots: "Wi-Fi", "Node.js"), the rest.
_PIECES = re.compile(
    r"(?P<zh>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<en>[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*)"
    r"|(?P<other>[^\W_]+)"  # any other script: the English front-end reads it, nothing is dropped
    r"|(?P<punct>[,.!?:;()“”—…\"])"
)
_CURRENCY = {"¥": "元", "￥": "元", "$": "美元", "€": "欧元", "£": "英镑"}

log = logging.getLogger(__name__)
_LOCK = threading.Lock()  # jieba's lazy initialization is not thread-safe (batch workers)


@cache
def _libraries() -> tuple[Callable[[str], list[str]], Callable[..., list[str]]]:
    """jieba's segmenter (its prefix cache in our cache dir) and pypinyin with the large
    phrase dictionary (better readings of polyphonic characters)."""
    import jieba
    from pypinyin import Style, lazy_pinyin
    from pypinyin_dict.phrase_pinyin_data import large_pinyin

    jieba.setLogLevel(logging.WARNING)  # "Building prefix dict..." is no news for the user
    folder = cjk.cache_folder()
    jieba.dt.tmp_dir = str(folder)  # jieba.cache is built there once, then loaded (~0.4 s)
    jieba.dt.initialize()
    large_pinyin.load()

    def pinyin(word: str) -> list[str]:
        return lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)

    return jieba.lcut, pinyin


def syllable_ipa(pinyin: str) -> str:
    """IPA of one TONE3 pinyin syllable ("hao3" -> "xau↓", "shi4" -> "ʂɨ↘")."""
    from pypinyin.contrib.tone_convert import to_finals, to_initials

    tone = pinyin[-1] if pinyin[-1] in TONES else "5"
    body = pinyin.rstrip("12345").replace("v", "ü")
    if body in _WHOLE:
        nucleus, coda = _WHOLE[body]
        return nucleus + TONES[tone] + coda
    initial = to_initials(body, strict=True)
    final = to_finals(body, strict=True, v_to_u=True)
    if final not in _FINALS:
        return ""  # not Mandarin (pypinyin passes odd input through)
    nucleus, coda = _FINALS[final]
    if final == "i" and initial in ("zh", "ch", "sh", "r", "z", "c", "s"):
        nucleus = _APICAL
    return _INITIALS.get(initial, "") + nucleus + TONES[tone] + coda


def _tone(syl: str) -> str:
    return syl[-1] if syl[-1] in "12345" else "5"


def _retone(syl: str, tone: str) -> str:
    return syl.rstrip("12345") + tone


def sandhi(words: list[str], pinyins: list[list[str]]) -> list[list[str]]:
    """Tone changes a speaker makes: 不 and 一 before other tones, and third tone before third."""
    flat = [(w, i, k) for i, w in enumerate(words) for k in range(len(w))]
    syls = [s for p in pinyins for s in p]
    if len(syls) != len(flat):  # pypinyin merged or split something: leave the tones alone
        return pinyins
    chars = [words[i][k] for _, i, k in flat]
    for n, ch in enumerate(chars):
        nxt = _tone(syls[n + 1]) if n + 1 < len(syls) else ""
        prev_ch = chars[n - 1] if n else ""
        next_ch = chars[n + 1] if n + 1 < len(chars) else ""
        if ch == "不" and syls[n].startswith("bu"):
            if prev_ch and prev_ch == next_ch:  # 看不看: neutral
                syls[n] = "bu5"
            elif nxt == "4":
                syls[n] = "bu2"
        elif ch == "一" and syls[n].startswith("yi"):
            if prev_ch == "第" or not nxt or prev_ch in _NUMERAL or next_ch in _DIGITS:
                syls[n] = "yi1"  # ordinals, a final 一, and numbers read digit by digit
            elif prev_ch and prev_ch == next_ch:  # 看一看
                syls[n] = "yi5"
            elif nxt == "4" or nxt == "5":
                syls[n] = "yi2"
            elif nxt in "123":
                syls[n] = "yi4"
    # Third tone before third tone becomes second: inside a word, and from a one-syllable word
    # to the next word (我很好 -> wo3 hen2 hao3 is one of the readings; we take the common one).
    for n in range(len(syls) - 2, -1, -1):
        if _tone(syls[n]) == "3" and _tone(syls[n + 1]) == "3":
            same_word = flat[n][1] == flat[n + 1][1]
            if same_word or len(words[flat[n][1]]) == 1:
                syls[n] = _retone(syls[n], "2")
    out, pos = [], 0
    for p in pinyins:
        out.append(syls[pos : pos + len(p)])
        pos += len(p)
    return out


def _word_ipa(word: str, pinyin: list[str]) -> str:
    """IPA of one jieba word; a final 儿 that is erhua joins the syllable before it."""
    if len(pinyin) > 1 and word.endswith("儿") and word not in _ER_SYLLABLE:
        last = syllable_ipa(pinyin[-2])
        # The r-colouring goes on the vowel, before the tone arrow and any nasal coda drops.
        m = re.match(r"(.*?)([→↗↓↘]?)([nŋ]?)$", last)
        head, tone = (m[1], m[2]) if m else (last, "")
        return "".join(syllable_ipa(p) for p in pinyin[:-2]) + head + "ɻ" + tone
    return "".join(syllable_ipa(p) for p in pinyin)


def normalize(text: str) -> str:
    """Full-width forms folded, numbers, dates, times, money and percentages in Chinese words."""
    import cn2an

    text = unicodedata.normalize("NFKC", text).replace("——", "—")
    text = cjk.DOTS.sub("…", text)  # NFKC spells … as three dots
    text = cjk.THOUSANDS.sub("", text)
    text = cjk.DATE.sub(lambda m: f"{m[1]}年{int(m[2])}月{int(m[3])}日", text)
    text = cjk.TIME.sub(
        lambda m: f"{int(m[1])}点" + (f"{int(m[2])}分" if int(m[2]) else "整"), text
    )
    text = cjk.MONEY.sub(lambda m: m[2] + _CURRENCY[m[1]], text)
    try:
        text = cn2an.transform(text, "an2cn")  # years digit by digit, 50% -> 百分之五十, ...
    except Exception:  # cn2an fails on odd mixes; read each remaining number on its own
        log.debug("cn2an.transform failed on %r", text)
    return re.sub(r"\d+", lambda m: cn2an.an2cn(m[0]) if len(m[0]) < 16 else _digits(m[0]), text)


def _digits(number: str) -> str:
    return "".join("零一二三四五六七八九"[int(d)] for d in number)


def g2p_many(texts: list[str]) -> list[str]:
    """Kokoro phonemes for each text; Latin words are read by the English G2P."""
    return cjk.assemble([_pieces(normalize(t)) for t in texts])


def _pieces(text: str) -> list[tuple[str, str]]:
    """(kind, phonemes-or-text) pieces of one normalized text: "ps", "en" (English text to
    phonemize) or "punct"."""
    lcut, to_pinyin = _libraries()
    text = text.translate(_PUNCT)
    out: list[tuple[str, str]] = []
    for m in _PIECES.finditer(text):
        if m["zh"]:
            with _LOCK:
                words = lcut(m["zh"])
            pinyins = [to_pinyin(w) for w in words]
            pinyins = sandhi(words, pinyins)
            out.extend(("ps", _word_ipa(w, p)) for w, p in zip(words, pinyins, strict=True))
        elif m["en"] or m["other"]:
            out.append(("en", m["en"] or m["other"]))
        else:
            out.append(("punct", m["punct"]))
    return out
