"""Japanese and Mandarin front-ends (text/ja.py, text/zh.py, text/cjk.py) with the real libraries.

The IPA tables are checked entry by entry against misaki's, whose phonemes the voices were
trained on; the rest pins readings, sandhi, numbers, Latin words, splitting and the CLI.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kokoro_cli.errors import UsageError
from kokoro_cli.text import chunks, ja, phonemize, zh
from kokoro_cli.text.g2p import g2p_many, vocab
from kokoro_cli.text.split import CHUNK_TOKENS
from tests.cli_helpers import Kokoro, voiced_seconds

ROOT = Path(__file__).resolve().parent.parent

# --- Mandarin -------------------------------------------------------------------------------


def _all_syllables() -> set[str]:
    from pypinyin.constants import PINYIN_DICT
    from pypinyin.contrib.tone_convert import to_tone3

    out = set()
    for readings in PINYIN_DICT.values():
        for r in readings.split(","):
            out.add(to_tone3(r, neutral_tone_with_five=True))
    return out


def test_every_pinyin_syllable_matches_misaki() -> None:
    misaki_zh = pytest.importorskip("misaki.zh")
    syllables = _all_syllables()
    assert len(syllables) > 1300
    wrong = {}
    for s in sorted(syllables):
        try:
            theirs = misaki_zh.ZHG2P.py2ipa(s).replace(chr(815), "")
        except (ValueError, AssertionError):
            continue  # misaki has no reading for a handful of rare interjections
        if zh.syllable_ipa(s) != theirs:
            wrong[s] = (zh.syllable_ipa(s), theirs)
    assert not wrong, wrong


@pytest.mark.parametrize(
    "text, expected",
    [
        ("你好", "ni↗xau↓"),  # 3-3 sandhi inside a word
        ("我很好", "wo↓ xə↗n xau↓"),  # a one-syllable word before a third tone
        ("一个", "i↗kɤ↘"),  # 一 before tone 4 -> 2
        ("一天", "i↘tʰjɛ→n"),  # 一 before tone 1 -> 4
        ("第一", "ti↘i→"),  # ordinal keeps tone 1
        ("一九八四年", "i→ʨjou↓pa→sɨ↘njɛ↗n"),  # digits keep tone 1
        ("不对", "pu↗ twei↘"),  # 不 before tone 4 -> 2
        ("不好", "pu↘xau↓"),
        ("看一看", "kʰa↘nikʰa↘n"),  # reduplication: neutral 一
        ("哪儿", "naɻ↓"),  # erhua joins the syllable
        ("女儿", "ny↓ɚ↗"),  # but not in words where 儿 is a syllable
        ("银行", "i↗nxa↗ŋ"),  # polyphone read from the phrase dictionary
    ],
)
def test_mandarin_readings(text: str, expected: str) -> None:
    assert zh.g2p_many([text]) == [expected]


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("2024年3月5日", "二零二四年三月五日"),
        ("2024-03-05", "二零二四年三月五日"),
        ("下午3:15", "下午三点十五分"),
        ("8:00", "八点整"),
        ("增长了15%", "增长了百分之十五"),
        ("¥12.5", "十二点五元"),
        ("$300", "三百美元"),
        ("1,250人", "一千二百五十人"),
        ("３个", "三个"),  # full-width digits
    ],
)
def test_mandarin_numbers_dates_times_money_percent(text: str, spoken: str) -> None:
    assert zh.normalize(text) == spoken


def test_mandarin_punctuation_becomes_kokoro_punctuation() -> None:
    ps = zh.g2p_many(["他说：「你好！」对吗？《红楼梦》（第一版）……"])[0]
    assert ps == "tʰa→ ʂwo→: “ni↗xau↓!” twei↘ ma? “xʊ↗ŋlou↗mə↘ŋ” (ti↘i→pa↓n)…"


# --- Japanese -------------------------------------------------------------------------------


def test_every_kana_mora_matches_misaki() -> None:
    pytest.importorskip("fugashi")  # misaki's cutlet module imports it at the top
    cutlet = pytest.importorskip("misaki.cutlet")
    table = ja.moras()
    checked = 0
    for kana, ipa in cutlet.HEPBURN.items():
        if not all("\u3041" <= ch <= "\u3096" for ch in kana):
            continue  # punctuation rows
        kata = "".join(chr(ord(ch) + 0x60) for ch in kana)
        assert ja.kana_ipa(kata) == ipa, kana
        checked += 1
    assert checked > 150
    assert table["ヷ"] == "va" and ja.kana_ipa("スィ") == "si"  # unlisted pair: consonant + vowel


@pytest.mark.parametrize(
    "text, expected",
    [
        ("今日は", "kʲoː βa"),  # pronunciation, not spelling: は is wa
        ("新聞", "ɕimbɯɴ"),  # ン before b -> m, at the end -> ɴ
        ("散歩", "sampo"),
        ("ちょっと待って", "ʨoʔto maʔte"),  # small tsu binds to its neighbours
        ("行きましょう", "ikʲimaɕoː"),  # auxiliaries join the verb; う lengthens
        ("きゅうり", "kʲɨːɾʲi"),  # ウ after u in a noun is a long vowel
        ("思う", "omoɯ"),  # but not in a verb
        ("「こんにちは」と言った。", "“koɲɲiʨiβa” to iʔta."),
    ],
)
def test_japanese_readings(text: str, expected: str) -> None:
    assert ja.g2p_many([text]) == [expected]


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("2024年3月5日", "ɲi seɴ ɲi ʥɨː jo neɴ saŋɡaʦɨ iʦɨka"),
        ("2024/3/5", "ɲi seɴ ɲi ʥɨː jo neɴ saŋɡaʦɨ iʦɨka"),
        ("15:30", "ʥɨː ɡo ʥi saɴ ʥɨʔpɯɴ"),
        ("50%", "ɡo ʥɨʔpaːsento"),
        ("¥1,500", "seɴ ɡo çakɯ eɴ"),
        ("$20", "ɲi ʥɨː doɾɯ"),
    ],
)
def test_japanese_numbers_dates_times_money_percent(text: str, spoken: str) -> None:
    assert ja.g2p_many([text]) == [spoken]


# --- shared: Latin words, vocabulary, splitting ---------------------------------------------

_WORD = st.from_regex(r"[a-z]{3,9}", fullmatch=True)


@settings(max_examples=25, deadline=None)
@given(word=_WORD, lang=st.sampled_from(["zh", "ja"]))
def test_latin_words_are_spoken_never_dropped(word: str, lang: str) -> None:
    """The canary: any Latin word inside CJK text comes out as its English phonemes, or in
    Japanese as the loanword OpenJTalk's dictionary knows it as (www, tv, on)."""
    text = {"zh": f"我喜欢{word}这个词。", "ja": f"私は{word}という言葉が好きです。"}[lang]
    ps = phonemize(text, lang)
    known = _dictionary_reading(word) if lang == "ja" else None
    if known is not None:
        assert ja.kana_ipa(known, long_u=True) in ps, (word, known, ps)
        return
    (english,) = g2p_many([word], "en-us")
    assert english in ps, (word, english, ps)


def _dictionary_reading(word: str) -> str | None:
    """The kana OpenJTalk reads `word` as when its dictionary has the whole word as one."""
    import pyopenjtalk

    found = pyopenjtalk.run_frontend(word)
    if len(found) == 1 and found[0]["mora_size"] > 0 and found[0]["pos"] != "フィラー":
        return found[0]["pron"]
    return None


@pytest.mark.parametrize("word", ["aon", "xon", "abon", "tvon"])
def test_a_latin_word_openjtalk_cuts_in_pieces_is_read_whole(word: str) -> None:
    """OpenJTalk reads "aon" as ａ (エイ) + ｏｎ (オン): one word in the text, one in English."""
    (english,) = g2p_many([word], "en-us")
    assert english in phonemize(f"私は{word}という言葉が好きです。", "ja")
    assert "ei oɴ" not in phonemize("私はaonが好き。", "ja")
    assert "eːai" in phonemize("AIについて話します。", "ja")  # a run in capitals stays as it was


@pytest.mark.parametrize("lang, text", [("zh", "我去过{}。"), ("ja", "{}に行きました。")])
def test_other_scripts_are_read_not_dropped(lang: str, text: str) -> None:
    for word in ("Москва", "한국", "Ελλάδα"):
        (english,) = g2p_many([word], "en-us")
        assert english and english in phonemize(text.format(word), lang), word


def test_acronyms_and_brands() -> None:
    assert "ˌAˈI" in phonemize("我们讨论AI。", "zh")
    assert "eːai" in phonemize("AIについて話します。", "ja")  # Japanese say エーアイ
    assert "aiɸoɴ" in phonemize("iPhoneを買いました。", "ja")  # OpenJTalk knows the loanword


CORPUS = {
    "zh": "你好，今天天气很好。我有2个iPhone 16！价格是¥3,999，打了85折？嗯…《三体》（刘慈欣）很好看；"
    "ⅫⅣ ½ ™ ♫ © 😀 한국어없음",
    "ja": "こんにちは、今日はいい天気ですね！iPhone 16の値段は9万8千円、50%オフ？「ＡＢＣ」（テスト）…"
    "ⅫⅣ ½ ™ ♫ © 😀 ｶﾀｶﾅ",
}


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_every_symbol_is_in_the_vocabulary(lang: str) -> None:
    out = list(chunks(CORPUS[lang], lang))
    assert out and all(set(c.phonemes) <= set(vocab()) for c in out)


@pytest.mark.parametrize(
    "lang, text, count",
    [
        ("zh", "你好。今天很好！真的吗？是的；走吧…好", 6),
        ("ja", "こんにちは。元気ですか？はい！「そうです。」では", 5),
    ],
)
def test_sentences_end_at_cjk_punctuation(lang: str, text: str, count: int) -> None:
    from kokoro_cli.text.split import sentences

    assert len(sentences(text, lang)) == count
    assert "".join(sentences(text, lang)) == text


@pytest.mark.parametrize(
    "lang, unit",
    [("zh", "我们今天去公园散步，然后吃饭"), ("ja", "私たちは公園を散歩して、ご飯を食べます")],
)
def test_long_text_chunks_stay_within_the_limit(lang: str, unit: str) -> None:
    long_sentence = unit * 40  # one "sentence" of ~600 characters, commas only
    out = list(chunks(long_sentence + "。" + "好。" * 3, lang, fast_start=False))
    assert len(out) > 2
    assert all(0 < len(c.tokens) <= CHUNK_TOKENS for c in out)
    said = unicodedata.normalize("NFKC", "".join(c.text for c in out)).replace(" ", "")
    assert said == unicodedata.normalize("NFKC", long_sentence + "。" + "好。" * 3)


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lang, message",
    [
        ("。！？……", "zh", "only punctuation"),
        ("「」、。", "ja", "only punctuation"),
        ("こんにちは", "zh", "Japanese kana"),
    ],
)
def test_unreadable_input_is_refused(text: str, lang: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        chunks(text, lang)


def test_jieba_cache_goes_to_our_cache_dir_and_is_built_once(tmp_path: Path) -> None:
    env = {**os.environ, "KOKORO_CACHE_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "kokoro_cli", "phonemize", "--lang", "zh", "你好"]
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and first.stdout.strip() == "ni↗xau↓", first.stderr
    cache = tmp_path / "jieba.cache"
    assert cache.is_file() and cache.stat().st_size > 1_000_000
    stamp = cache.stat().st_mtime_ns
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0 and cache.stat().st_mtime_ns == stamp
    assert not re.search(r"Building prefix dict|Dumping model", first.stderr + second.stderr)


# --- CLI ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, count, prefixes", [("ja", 5, ("jf_", "jm_")), ("zh", 8, ("zf_", "zm_"))]
)
def test_voices_lists_each_language(kokoro: Kokoro, lang: str, count: int, prefixes) -> None:
    r = kokoro("voices", "--lang", lang, "--json")
    assert r.returncode == 0, r.stderr
    names = [v["name"] for v in json.loads(r.stdout)]
    assert len(names) == count and all(n.startswith(prefixes) for n in names)


@pytest.mark.slow
def test_say_and_batch_speak_chinese_and_japanese(kokoro: Kokoro, tmp_path: Path) -> None:
    import soundfile as sf

    r = kokoro("say", "你好，今天天气很好。", "--voice", "zf_xiaobei", "-o", "zh.wav")
    assert r.returncode == 0, r.stderr
    audio, rate = sf.read(tmp_path / "zh.wav")
    assert voiced_seconds(audio, rate) > 0.8
    # A Japanese voice blended with an English one: --lang says which language to read.
    r = kokoro(
        "say", "こんにちは。", "--voice", "af_heart:0.5,jf_alpha:0.5", "--lang", "ja", "-o", "b.wav"
    )
    assert r.returncode == 0, r.stderr
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ja.txt").write_text("今日はいい天気ですね。", encoding="utf-8")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        json.dumps(
            {"text": "我们明天见。", "voice": "zm_yunxi", "output": "zh"}, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    r = kokoro("batch", "in", "-o", "out", "--voice", "jm_kumo")
    assert r.returncode == 0, r.stderr
    r = kokoro("batch", "--manifest", str(manifest), "-o", "out2")
    assert r.returncode == 0, r.stderr
    for path in (tmp_path / "out" / "ja.wav", tmp_path / "out2" / "zh.wav"):
        audio, rate = sf.read(path)
        assert voiced_seconds(audio, rate) > 0.8, path


def test_cli_errors_are_one_line_and_leave_no_file(kokoro: Kokoro, tmp_path: Path) -> None:
    for args in (
        ("say", "。！？", "--voice", "zf_xiaobei", "-o", "x.wav"),
        ("say", "こんにちは", "--voice", "zm_yunxi", "-o", "x.wav"),
    ):
        r = kokoro(*args)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kokoro: error: ") and " — " in lines[0]
        assert not (tmp_path / "x.wav").exists()


def test_doctor_reports_the_japanese_and_mandarin_front_ends(kokoro: Kokoro) -> None:
    r = kokoro("doctor")
    out = r.stdout.decode() + r.stderr
    assert re.search(r"Japanese.*OpenJTalk.*koɲɲiʨiβa", out), out
    assert re.search(r"Mandarin.*jieba.*ni↗xau↓", out), out
