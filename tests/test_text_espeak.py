"""Our espeak-ng binding (text/espeak_ng.py): the phonemes phonemizer gave, with no GPL package.

The golden strings were captured from the phonemizer-based code before it was replaced
(bench/espeak_equality.py compared the two on 28,056 strings: all identical); they are facts of
espeak-ng 1.52's output as espeakng-loader ships it, in IPA with "^" for espeak's tie. espeak writes nasal vowels with a combining tilde (\\u0303),
which an editor may silently compose into one letter, so those with a one-letter form are escaped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kokoro_cli.errors import KokoroError
from kokoro_cli.text import phonemize
from kokoro_cli.text.espeak import espeak_many

ROOT = Path(__file__).resolve().parent.parent

RAW = {
    "en-us": [
        (
            "The quick brown fox jumps over the lazy dog. I'm sure it's fine, isn't it?",
            "ðə kwˈɪk bɹˈa^ʊn fˈɑːks d^ʒˈʌmps ˌo^ʊvɚ ðə lˈe^ɪzi dˈɑːɡ."
            " a^ɪm ʃˈʊɹ ɪts fˈa^ɪn, ˈɪzənt ɪt?",
        ),
        ("fire", "fˈa^ɪ^ɚ"),
        ("church", "t^ʃˈɜːt^ʃ"),
        ("button", "bˈʌʔn̩"),
        ("little", "lˈɪɾə^l"),
        ("iPhone", "ˈa^ɪ fˈo^ʊn"),  # Latin words as the Japanese/Chinese front-ends send them
        ("ChatGPT", "t^ʃˈæt d^ʒˌiːpˌiːtˈiː"),
        ("Wi-Fi", "wˈa^ɪfˌa^ɪ"),
    ],
    "en-gb": [
        (
            "Colour, favour and theatre; schedule, tomato and aluminium.",
            "kˈʌlə, fˈe^ɪvəɹ and θˈi^ətə; ʃˈɛdjuːl, təmˈɑːtə^ʊ and ˌaljʊmˈɪni^əm.",
        ),
        ("hair", "hˈe^ə"),
        ("going", "ɡˈə^ʊɪŋ"),
    ],
    "es": [
        (
            "El veloz murciélago hindú comía feliz cardillo y kiwi. ¿Dónde está la biblioteca?",
            "el βelˈoθ muɾθjˈelaɣo indˈu komˈia felˈiθ kaɾðˈiʎo i kˈiwi."
            " ¿dˈonde estˈa la βˌiβliotˈeka?",
        ),
        (
            "Tengo 3 hermanos y 2,5 kilos de manzanas; ¡qué bien!",
            "tˈɛŋɡo tɾˈes eɾmˈanos i ðˈos koma θˈinko kˈilos ðe manθˈanas; ¡kˈe βjˈen!",
        ),
    ],
    "fr-fr": [
        (
            "Le cœur a ses raisons que la raison ne connaît point. C'est l'été, n'est-ce pas ?",
            "lə- kˈœʁ a se- ʁɛzˈɔ̃ kə la- ʁɛzˈɔ̃ nə- kɔnˈɛ pwˈɛ̃. sɛ letˈe, nˈɛs pˈa ?",
        ),
        (
            "Il y a 21 élèves dans la classe, et j'ai mangé des œufs.",
            "il i a vɛ̃teˈœ̃ elˈɛv dɑ̃ la- klˈas, e ʒe mɑ̃ʒˈe de-z ˈø.",
        ),
    ],
    "hi": [
        (
            "मेरा नाम राम है। आप कैसे हैं? मेरे पास 5 किताबें हैं।",
            "mˌeːɾaː nˈaːm ɾˈaːm hɛː ˌaːp kˈɛːseː hɛ̃? mˌeːɾeː pˈaːs pˈa\u0303c kɪtˈaːbe\u0303ː hɛ̃",
        ),
        (
            "हिंदी भारत की राजभाषा है, और यह देवनागरी में लिखी जाती है।",
            "hˈi\u0303di bʰˈaːɾət ki ɾˌaːɟbʰˈaːʂaː hɛː, ɔːɾ jˌəh dˌeːʋnˈaːɡɾˌi me\u0303ː lˈɪkʰi ɟˈaːti hɛː",
        ),
    ],
    "it": [
        (
            "Nel mezzo del cammin di nostra vita mi ritrovai per una selva oscura.",
            "nel mˈɛd^zːo del kammˈin dɪ nˌɔstra vˈita mɪ ritrovˈaj per ˌʊna sˈelva oskˈura.",
        ),
        (
            "Ho ventitré anni e mi piace la pizza, però non il caffè.",
            "o ventitrˈe ˈannɪ e mɪ pjˈat^ʃe la pˈit^sːa, peɾˈɔ non il kaffˈɛ.",
        ),
    ],
    "pt-br": [
        (
            "O rápido cachorro marrom pulou sobre a raposa preguiçosa. Você está bem?",
            "ʊ xˈapidʊ kˌaʃˈoxʊ maxˈoŋ pulˈow sˈobri a xˌapˈozæ prˌeɡisˈɔzæ. vosˌe estˌa bˈe^ɪŋ?",
        ),
        (
            "São Paulo tem milhões de habitantes; é uma cidade incrível!",
            "sɐ̃^ʊ̃ pˈa^ʊlʊ te^ɪŋ miljˈo\u0303jz d^ʒy ˌabitˈɐ̃ŋt^ʃys; ɛ ˌumæ sˌidˈad^ʒj ˌiŋkrˈive^ʊ!",
        ),
    ],
}

# The whole front-end (normalization, espeak, Kokoro's symbols), as `kokoro phonemize` prints it.
FULL = {
    "en-us": ("Wi-Fi and ChatGPT, 3.11.7 times.", None),
    "en-gb": (RAW["en-gb"][0][0], "kˈʌlə, fˈAvəɹ and θˈɪətə; ʃˈɛdjuːl, təmˈɑːtQ and ˌaljʊmˈɪnɪəm."),
    "fr-fr": (RAW["fr-fr"][1][0], "il i a vˈɛ̃t e œ̃n elˈɛv dɑ̃ la klˈas, e ʒe mɑ̃ʒˈe dez ˈø."),
    "hi": (RAW["hi"][0][0], RAW["hi"][0][1]),
    "pt-br": (
        RAW["pt-br"][1][0],
        "sɐ̃ʊ̃ pˈWlʊ tAŋ miljˈo\u0303jz ʤy ˌabitˈɐ̃ŋʧys; ɛ ˌumæ sˌidˈaʤj ˌiŋkrˈiveʊ!",
    ),
}


@pytest.mark.parametrize("lang", sorted(RAW))
def test_golden_espeak_phonemes_per_language(lang: str) -> None:
    texts = [t for t, _ in RAW[lang]]
    assert espeak_many(texts, lang) == [ipa for _, ipa in RAW[lang]]


def _blocking_phonemizer(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python cannot import phonemizer (installed or not)."""
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class _NoPhonemizer:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'phonemizer' or name.startswith('phonemizer.'):\n"
        "            raise ImportError('phonemizer is blocked in this test')\n"
        "sys.meta_path.insert(0, _NoPhonemizer())\n"
    )
    paths = [str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def test_the_cli_phonemizes_with_phonemizer_blocked(tmp_path: Path) -> None:
    env = _blocking_phonemizer(tmp_path)
    probe = subprocess.run(
        [sys.executable, "-c", "import phonemizer"], env=env, capture_output=True, text=True
    )
    assert probe.returncode != 0 and "phonemizer is blocked" in probe.stderr  # the block holds
    for lang, (text, expected) in FULL.items():
        out = subprocess.run(
            [sys.executable, "-m", "kokoro_cli", "phonemize", "--lang", lang, text],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        got = " ".join(out.stdout.split("\n")).strip()
        assert got == (expected or phonemize(text, lang)), (lang, got)
    assert FULL["en-us"][1] is None and "wˈIfˌI" in phonemize(FULL["en-us"][0], "en-us")


def test_nothing_imports_phonemizer() -> None:
    code = (
        "import sys\n"
        "from kokoro_cli import text, api, pipeline\n"
        "from kokoro_cli.commands import app, doctor\n"
        "from kokoro_cli.jobs import batch\n"
        "text.phonemize('Hello there.', 'en-us'); text.phonemize('Ciao.', 'it')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('phonemizer', 'dlinfo')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "phonemizer" not in pyproject.split("[project.optional-dependencies]")[0]


# espeak carries state from call to call: after this sentence French reads "I live" as lˈɪv
# (a verb), fresh it says lˈaɪv. Each language has its own library copy, so calls in another
# language in between change nothing, as with phonemizer; one shared library would.
_HISTORY = (
    "from kokoro_cli.text.espeak import espeak_many\n"
    "for t in ['Saint Louis is on Main Street now', 'I live on Baker Street.']:\n"
    "    if MIXED: espeak_many(['Hello there, I live here.'], 'en-us')\n"
    "    print(espeak_many([t], 'fr-fr')[0])\n"
)


def test_other_languages_in_between_change_nothing() -> None:
    outs = [
        subprocess.run(
            [sys.executable, "-c", f"MIXED = {mixed}\n{_HISTORY}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        for mixed in (False, True)
    ]
    assert outs[0] and outs[0] == outs[1], outs


def test_threads_in_several_languages_get_the_sequential_answers() -> None:
    jobs = [(lang, t) for lang, pairs in RAW.items() for t, _ in pairs] * 3
    want = {(lang, t): ipa for lang, pairs in RAW.items() for t, ipa in pairs}
    got: list[tuple[tuple[str, str], str]] = []

    def work(k: int) -> None:
        for lang, t in jobs[k::4]:
            got.append(((lang, t), espeak_many([t], lang)[0]))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(got) == len(jobs) and all(want[key] == ipa for key, ipa in got)


def test_a_language_espeak_lacks_is_a_one_line_error() -> None:
    import espeakng_loader

    from kokoro_cli.text.espeak_ng import EspeakNG

    lib, data = espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    with pytest.raises(KokoroError, match="no voice for 'tlh' — reinstall espeakng-loader"):
        EspeakNG(lib, data, "tlh")
    with pytest.raises(OSError):
        EspeakNG(str(ROOT / "no-such-libespeak-ng.so"), data, "en-us")


# Texts in which espeak switches language (found in the recorded corpus).
SWITCHING = {
    "en-us": "नमस्ते, I said.",  # Hindi words inside English
    "en-gb": "नमस्ते, I said.",
    "es": "Tengo ½ de π.",  # espeak reads some symbols in English or Greek
    "fr-fr": "I live on Baker Street.",
    "hi": "seven and one eighth inches",
    "it": "Uso ChatGPT e Google.",
    "pt-br": "Gosto de π e ß.",  # ß in German
}


@pytest.mark.parametrize("lang", sorted(SWITCHING))
def test_language_switch_flags_are_not_spoken(lang: str) -> None:
    # espeak marks words it reads in another language, tied in IPA mode: "(e͡n)lˈɪv(f͡r)". The
    # old code missed the tied form, and Kokoro said "(en)" ("(Anus)" in English) aloud.
    text = SWITCHING[lang]
    assert "(" not in espeak_many([text], lang)[0]
    ps = phonemize(text, lang)
    assert ps and "(" not in ps and ")" not in ps, ps


def test_parentheses_of_the_text_stay() -> None:
    # They are kept around espeak (never sent to it), so removing flags cannot touch them.
    assert phonemize("Il a dit (deux fois) bonjour.", "fr-fr") == "il a dˈi (dˈø fwˈa) bɔ̃ʒˈuʁ."
    assert espeak_many(["seven and one eighth inches"], "hi") == ["sˈɛvən and wˈɒn ˈe^ɪtθ ˈɪnt^ʃɪz"]
