"""A small ctypes binding to libespeak-ng: load it, pick a voice, text -> IPA.

espeak-ng (GPL-3.0) is a separate shared library that we call; no GPL Python package sits in
between. The library and its data come from espeakng-loader; a system espeak-ng is the fallback.

Only the C API of speak_lib.h is used: espeak_Initialize, espeak_ListVoices,
espeak_SetVoiceByName and espeak_TextToPhonemes. espeak-ng keeps all of its state in globals and
that state carries over from call to call (French read "I live" as lˈɪv after some sentences, as
lˈaɪv after a voice switch), so each language gets its own private copy of the library, loaded
once and never switched: the phonemes are exactly those phonemizer gave. Callers must not enter
espeak from two threads at once (espeak.py holds a lock around every call).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

from kokoro_cli.errors import KokoroError

log = logging.getLogger(__name__)

# speak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 0x02  # no audio thread: we only ask for phonemes
_INITIALIZE_DONT_EXIT = 0x8000  # report missing data instead of exiting the process
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
_PHONEMES_TIE = 0x80  # bits 8-23 then hold the character joining the letters of one phoneme
TIE_CHAR = "\u0361"  # combining double inverted breve, IPA's tie bar (t͡ʃ)
_PHONEME_MODE = _PHONEMES_IPA | _PHONEMES_TIE | ord(TIE_CHAR) << 8
_MBROLA = "mb/"  # voices needing the separate mbrola synthesizer: never ours


class _Voice(ctypes.Structure):
    """espeak_VOICE: `languages` is (priority byte, name, NUL) pairs; the first name is used."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


class _LinkMap(ctypes.Structure):  # the head of glibc's struct link_map
    _fields_ = [("l_addr", ctypes.c_void_p), ("l_name", ctypes.c_char_p)]


_RTLD_DI_LINKMAP = 2


def _file_of(library: str) -> Path:
    """The file behind a library name such as 'libespeak-ng.so.1' (find_library's answer)."""
    if os.sep in library:
        return Path(library).resolve()
    handle = ctypes.CDLL(library)._handle  # OSError when it cannot be loaded
    info = ctypes.POINTER(_LinkMap)()
    if ctypes.CDLL(None).dlinfo(ctypes.c_void_p(handle), _RTLD_DI_LINKMAP, ctypes.byref(info)):
        raise OSError(f"cannot tell where {library} lives")
    return Path(info.contents.l_name.decode()).resolve()


def _private_copy(library: str) -> ctypes.CDLL:
    """A copy of the library that no one else has loaded: dlopen hands back the library already
    loaded from a file, and its globals would be shared with every other language."""
    src = _file_of(library)
    folder = tempfile.mkdtemp(prefix="kokoro-espeak-")
    try:
        copy = Path(folder) / src.name
        shutil.copyfile(src, copy)
        return ctypes.CDLL(str(copy))
    finally:  # a loaded library stays mapped after its file is gone (POSIX)
        shutil.rmtree(folder, ignore_errors=True)


class EspeakNG:
    """A private, initialized copy of libespeak-ng speaking one language."""

    def __init__(self, library: str, data_path: str | None, lang: str) -> None:
        lib = _private_copy(library)  # OSError when missing or not loadable
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        path = data_path.encode() if data_path else None
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, path, _INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise OSError(f"espeak_Initialize failed (data path {data_path or 'built in'})")
        self._lib = lib
        self.library = library
        self.lang = lang
        ident = self._identifiers().get(lang)
        if ident is None:
            raise KokoroError(
                f"espeak-ng ({library}) has no voice for '{lang}' — reinstall espeakng-loader"
                " (pip install --force-reinstall espeakng-loader)"
            )
        if lib.espeak_SetVoiceByName(ident.encode()) != 0:
            raise KokoroError(
                f"espeak-ng could not load its '{lang}' voice ({ident}) — reinstall"
                " espeakng-loader (pip install --force-reinstall espeakng-loader)"
            )

    def _identifiers(self) -> dict[str, str]:
        """Language code -> voice file, the first (most relevant) espeak voice for each code."""
        found: dict[str, str] = {}
        voices = self._lib.espeak_ListVoices(None)
        i = 0
        while voices[i]:
            v = voices[i].contents
            i += 1
            ident = (v.identifier or b"").decode()
            lang = (v.languages or b"")[1:].decode()  # skip the priority byte
            if not ident.replace("\\", "/").startswith(_MBROLA):
                found.setdefault(lang, ident)
        return found

    def text_to_phonemes(self, text: str) -> str:
        """IPA for `text` in the current voice, ties as TIE_CHAR; espeak answers one clause per
        call and advances the pointer, so call until it is NULL and join the clauses."""
        ptr = ctypes.c_char_p(text.encode("utf-8"))  # keeps the bytes alive while espeak reads
        out = []
        while ptr.value is not None:
            clause = self._lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, _PHONEME_MODE)
            if clause:
                out.append(clause.decode("utf-8"))
        return " ".join(out)


def load(lang: str) -> EspeakNG:
    """espeak-ng speaking `lang` (an espeak voice code): espeakng-loader's bundled library and
    data, else a system libespeak-ng with its own data."""
    try:
        import espeakng_loader

        bundled = (espeakng_loader.get_library_path(), espeakng_loader.get_data_path())
        return EspeakNG(*bundled, lang)
    except Exception as exc:  # any failure here means "try the system install"
        log.debug("bundled espeak-ng unusable (%s); trying the system one", exc)
    system = ctypes.util.find_library("espeak-ng")
    try:
        if system is None:
            raise OSError("no libespeak-ng on the library path")
        return EspeakNG(system, None, lang)
    except OSError as exc:
        raise KokoroError(
            f"espeak-ng could not be loaded ({exc}) — reinstall kokoro-cli so the"
            " espeakng-loader package is present, or install espeak-ng from your system"
            " packages"
        ) from exc
