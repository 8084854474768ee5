"""Voicepacks: find, load, blend and save the [510, 1, 256] style tensors that select a voice.

A pack holds one 256-value style vector per utterance length (row n - 1 for n tokens): the first
128 values condition the decoder (timbre), the last 128 the prosody predictor. Bundled packs come
from Kokoro v1.0 (voices/NOTICE); user packs (e.g. made by `kokoro mix`) live in a data dir.

torch is imported inside the functions that touch tensors, so listing voices stays instant.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kokoro_cli.errors import KokoroError, VoiceError
from kokoro_cli.paths import is_voice_file

from .config import PACK_SHAPE

if TYPE_CHECKING:
    import torch

# Kokoro's naming scheme: first letter of a voice name = language, second = gender (af_heart).
VOICE_LANG = {
    "a": "en-us", "b": "en-gb", "e": "es", "f": "fr-fr", "h": "hi",
    "i": "it", "j": "ja", "p": "pt-br", "z": "zh",
}  # fmt: skip
GENDERS = {"f": "female", "m": "male"}
# The voice a language gets when only the language is known (a book's): the best graded voice
# of each language in Kokoro v1.0's VOICES.md (af_heart A, bf_emma B-, jf_alpha C+, ...).
LANG_VOICES = {
    "en-us": "af_heart", "en-gb": "bf_emma", "es": "ef_dora", "fr-fr": "ff_siwis",
    "hi": "hf_alpha", "it": "if_sara", "ja": "jf_alpha", "pt-br": "pf_dora", "zh": "zf_xiaobei",
}  # fmt: skip
VOICES_DIR_ENV = "KOKORO_VOICES_DIR"
# Plain identifiers only: no path separators, no dots (so no ".."), no leading dash.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_HINT = "run `kokoro voices` to list them"
_GENDER_VALUES = ("female", "male", "mixed", "unknown")


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    lang: str  # a VOICE_LANG value, or "unknown" for a user pack with no metadata
    gender: str  # "female", "male", "mixed" or "unknown"
    source: str  # "bundled", "user" or "mixed"
    path: Path


# ---------------------------------------------------------------- where voices live


def bundled_voices_dir() -> Path:
    """The folder of the 54 Kokoro packs: inside the installed wheel, or <repo>/voices."""
    package = Path(__file__).resolve().parent.parent
    # A wheel carries them at kokoro_cli/voices (pyproject force-include); a source checkout or
    # editable install finds the repo's top-level voices/ next to the package.
    for candidate in (package / "voices", package.parent / "voices"):
        if (candidate / "voices.json").is_file():
            return candidate
    raise KokoroError(
        f"bundled voices not found (looked in {package / 'voices'} and "
        f"{package.parent / 'voices'}); reinstall kokoro-cli"
    )


def user_voices_dir() -> Path:
    """Where user and mixed voices are saved: $KOKORO_VOICES_DIR or the XDG data dir."""
    override = os.environ.get(VOICES_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # light, but only needed here

    return Path(platformdirs.user_data_dir("kokoro-cli")) / "voices"


@functools.lru_cache(maxsize=4)
def _bundled_index(folder: Path) -> dict[str, dict[str, str]]:
    return json.loads((folder / "voices.json").read_text(encoding="utf-8"))


def _meta_from_name(name: str) -> tuple[str, str] | None:
    """(lang, gender) when the name follows Kokoro's scheme (xy_rest), else None."""
    if len(name) > 3 and name[2] == "_" and name[0] in VOICE_LANG and name[1] in GENDERS:
        return VOICE_LANG[name[0]], GENDERS[name[1]]
    return None


def _read_sidecar(pack: Path) -> dict[str, Any]:
    try:
        data = json.loads(pack.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no or unreadable recipe: fall back to what the name tells
    return data if isinstance(data, dict) else {}


def _user_meta(pack: Path) -> tuple[str, str, bool]:
    """(lang, gender, is_mixed) of a user pack: its sidecar, else its Kokoro-style name."""
    side = _read_sidecar(pack)
    lang, gender = _meta_from_name(pack.stem) or ("unknown", "unknown")
    if side.get("lang") in VOICE_LANG.values():
        lang = side["lang"]
    if side.get("gender") in _GENDER_VALUES:
        gender = side["gender"]
    return lang, gender, bool(side.get("mixed_from"))


def list_voices() -> list[VoiceInfo]:
    """Every voice usable by name: bundled first, then the user's own and mixed ones."""
    folder = bundled_voices_dir()
    index = _bundled_index(folder)
    found = [
        VoiceInfo(name, meta["lang"], meta["gender"], "bundled", folder / f"{name}.pt")
        for name, meta in sorted(index.items())
    ]
    user_dir = user_voices_dir()
    if user_dir.is_dir():
        for pack in sorted(user_dir.glob("*.pt")):
            name = pack.stem
            if not _NAME_RE.match(name) or name in index:
                continue  # a hand-placed file can't shadow a bundled voice
            lang, gender, mixed = _user_meta(pack)
            found.append(VoiceInfo(name, lang, gender, "mixed" if mixed else "user", pack))
    return found


def find_voice(name: str) -> VoiceInfo:
    """The voice called `name`, or a VoiceError with a "did you mean" suggestion."""
    voices = {v.name: v for v in list_voices()}
    if name in voices:
        return voices[name]
    lowered = {n.lower(): n for n in voices}
    close = [lowered[name.lower()]] if name.lower() in lowered else []
    close = close or difflib.get_close_matches(name, list(voices), n=3, cutoff=0.6)
    listed = ", ".join(close[:-1]) + " or " + close[-1] if len(close) > 1 else "".join(close)
    hint = f" (did you mean {listed}?)" if close else ""
    raise VoiceError(f"unknown voice '{name}'{hint}; {_HINT}")


# ---------------------------------------------------------------- specs and blends


def parse_blend(spec: str) -> tuple[list[str], list[float] | None]:
    """Split "a:0.6,b:0.4" / "a+b" / "a" into voice names (or paths) and optional weights."""
    spec = spec.strip()
    if not spec:
        raise VoiceError(f"empty voice; give a name like af_heart ({_HINT})")
    if Path(spec).is_file():
        return [spec], None  # a path may itself contain ',', '+' or ':'
    names: list[str] = []
    weights: list[float | None] = []
    for term in re.split(r"[,+]", spec):
        term = term.strip()
        if not term:
            raise VoiceError(f"empty part in voice blend '{spec}'; write e.g. af_bella+af_sarah")
        weight: float | None = None
        head, sep, tail = term.rpartition(":")
        if sep:
            try:
                weight = float(tail)
            except ValueError:
                if not Path(term).is_file():
                    raise VoiceError(
                        f"bad weight '{tail}' in '{term}'; write name:weight, e.g. af_bella:0.6"
                    ) from None
            else:
                term = head.strip()
        names.append(term)
        weights.append(weight)
    if all(w is None for w in weights):
        return names, None
    if any(w is None for w in weights):
        raise VoiceError(f"give a weight to every voice in '{spec}' or to none")
    return names, [float(w) for w in weights if w is not None]


def _path_for(term: str) -> Path:
    if is_voice_file(term):
        return Path(term).expanduser()
    return find_voice(term).path


def voice_lang(spec: str) -> str:
    """The language a voice speaks (a blend speaks its first voice's language)."""
    first = parse_blend(spec)[0][0]
    if is_voice_file(first):
        lang = _user_meta(Path(first).expanduser())[0]
        if lang == "unknown":
            raise VoiceError(f"cannot tell the language of voice file '{first}'; pass --lang")
        return lang
    info = find_voice(first)
    if info.lang not in VOICE_LANG.values():
        raise VoiceError(f"voice '{first}' has no known language; pass --lang")
    return info.lang


# ---------------------------------------------------------------- tensors


def _check_pack(pack: Any, where: str) -> torch.Tensor:
    import torch

    if not isinstance(pack, torch.Tensor):
        raise VoiceError(f"{where} holds a {type(pack).__name__}, not a voicepack tensor")
    if not pack.is_floating_point():
        raise VoiceError(f"{where} has dtype {pack.dtype}; a voicepack holds floats")
    if tuple(pack.shape) != PACK_SHAPE:
        shape = list(pack.shape)
        raise VoiceError(
            f"{where} has shape {shape}; a Kokoro v1.0 voicepack is {list(PACK_SHAPE)}"
        )
    if not torch.isfinite(pack).all():
        raise VoiceError(f"{where} contains NaN or Inf values; the voicepack is corrupt")
    return pack.to(torch.float32).contiguous()


def _read_pack(path: Path) -> torch.Tensor:
    import torch

    if not path.is_file():
        raise VoiceError(f"voice file not found: {path}")
    try:
        # weights_only: a .pt is a pickle; never run code from a downloaded voice file.
        pack = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for bad files; all mean "not a pack"
        raise VoiceError(
            f"cannot read voicepack {path} ({type(exc).__name__}); "
            "it must be a tensor saved with torch.save"
        ) from exc
    return _check_pack(pack, f"voicepack {path}")


def load_voice(spec: str) -> torch.Tensor:
    """A [510, 1, 256] float32 pack for a name, a .pt path or a blend ("a:0.6,b:0.4", "a+b")."""
    names, weights = parse_blend(spec)
    if len(names) == 1 and weights is None:
        return _read_pack(_path_for(names[0]))
    return mix(names, weights)


def _check_weights(weights: Sequence[float] | None, count: int) -> list[float]:
    if weights is None:
        return [1.0] * count
    weights = [float(w) for w in weights]
    if len(weights) != count:
        raise VoiceError(f"{len(weights)} weights for {count} voices; give one weight per voice")
    for w in weights:
        if not math.isfinite(w) or w < 0:
            raise VoiceError(f"weight {w} is not allowed; weights must be numbers >= 0")
    if sum(weights) == 0:
        raise VoiceError("all weights are zero; give at least one voice a positive weight")
    return weights


def mix(names: Sequence[str | torch.Tensor], weights: Sequence[float] | None) -> torch.Tensor:
    """Weighted element-wise blend of packs (names, paths or tensors); weights are normalized."""
    import torch

    if not names:
        raise VoiceError("nothing to mix; give at least one voice")
    ws = _check_weights(weights, len(names))
    # Files are fully checked on reading; in-memory packs are compared with each other first,
    # so a mismatch is reported as such rather than as one odd pack.
    loaded = [_read_pack(_path_for(v)) if isinstance(v, str) else v for v in names]
    shapes = [list(getattr(p, "shape", [])) for p in loaded]
    if any(s != shapes[0] for s in shapes):
        raise VoiceError(f"cannot mix packs of different shapes: {shapes}")
    packs = [_check_pack(p, f"pack #{i + 1}") for i, p in enumerate(loaded)]
    # float64 accumulation, one rounding to float32 at the end: an equal mix is then exactly the
    # element-wise mean (a 50/50 of a and b is bit-for-bit float32 (a + b) / 2).
    stack = torch.stack([p.to(torch.float64) for p in packs])
    if len(set(ws)) == 1:
        blend = stack.sum(dim=0) / len(packs)
    else:
        total = sum(ws)
        norm = torch.tensor([w / total for w in ws], dtype=torch.float64)
        blend = (stack * norm.view(-1, *([1] * (stack.dim() - 1)))).sum(dim=0)
    return blend.to(torch.float32)


# ---------------------------------------------------------------- saving user voices


def _check_new_name(name: str, force: bool) -> Path:
    if not _NAME_RE.match(name):
        raise VoiceError(
            f"invalid voice name '{name}'; use letters, digits, '_' and '-' only (e.g. my_voice)"
        )
    if name in _bundled_index(bundled_voices_dir()):
        raise VoiceError(f"'{name}' is a bundled voice; choose another name for your voice")
    target = user_voices_dir() / f"{name}.pt"
    if target.exists() and not force:
        raise VoiceError(f"voice '{name}' already exists ({target}); pass --force to replace it")
    return target


def _atomic_write(target: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a hidden temp file in the same folder, then rename: never a partial file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_user_voice(
    name: str,
    pack: torch.Tensor,
    *,
    force: bool = False,
    lang: str | None = None,
    gender: str | None = None,
    mixed_from: Sequence[tuple[str, float]] | None = None,
) -> Path:
    """Save a pack as user voice `name` (with a JSON sidecar: lang, gender, recipe)."""
    import torch

    target = _check_new_name(name, force)
    pack = _check_pack(pack, f"voice '{name}'")
    recipe = None
    if mixed_from:
        total = sum(w for _, w in mixed_from)
        recipe = [{"voice": v, "weight": w / total} for v, w in mixed_from]
        lang = lang or voice_lang(mixed_from[0][0])
        if gender is None:
            genders = {_gender_of(v) for v, _ in mixed_from}
            gender = genders.pop() if len(genders) == 1 else "mixed"
    meta = _meta_from_name(name)  # a plain pack named like af_x describes itself
    lang = lang or (meta[0] if meta else None)
    if lang not in VOICE_LANG.values():
        raise VoiceError(f"language '{lang}' for voice '{name}' is not one of {_langs()}")
    gender = GENDERS.get(gender, gender) if gender else (meta[1] if meta else "unknown")
    if gender not in _GENDER_VALUES:
        raise VoiceError(f"gender '{gender}' for voice '{name}' is not one of {_GENDER_VALUES}")
    sidecar = {"lang": lang, "gender": gender, "mixed_from": recipe}
    target.parent.mkdir(parents=True, exist_ok=True)
    # Sidecar first: once the .pt appears, its metadata is already in place.
    text = json.dumps(sidecar, indent=2).encode() + b"\n"
    _atomic_write(target.with_suffix(".json"), lambda fh: fh.write(text))
    _atomic_write(target, lambda fh: torch.save(pack.clone(), fh))
    return target


def create_mixed_voice(
    name: str, voices: Sequence[str], weights: Sequence[float] | None, *, force: bool = False
) -> Path:
    """`kokoro mix`: blend `voices` and save the result as user voice `name`."""
    _check_new_name(name, force)  # refuse a bad name before loading any pack
    pack = mix(list(voices), weights)
    ws = _check_weights(weights, len(voices))
    return save_user_voice(name, pack, force=force, mixed_from=list(zip(voices, ws, strict=True)))


def _gender_of(voice: str) -> str:
    if is_voice_file(voice):
        meta = _meta_from_name(Path(voice).stem)
        return meta[1] if meta else "unknown"
    return find_voice(voice).gender


def _langs() -> str:
    return ", ".join(sorted(set(VOICE_LANG.values())))
