"""The C kernels of snake.c, compiled once per machine with the system's C compiler.

Optional: where there is no compiler or the build fails, `library()` is None and int8.py runs
the same computation as torch ops, about 4-7x slower for that part. KOKORO_NATIVE=0 turns the
kernels off. The library is cached next to the converted weights, under a name that hashes
the source, the flags, the compiler and this CPU (-march=native code runs only where built).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import torch
from torch import Tensor

from kokoro_cli.paths import cache_dir

log = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("snake.c")
# -z defs: a missing symbol fails the build here, not the load later
FLAGS = ["-O3", "-march=native", "-fopenmp-simd", "-fPIC", "-shared", "-Wl,-z,defs"]
# (flags, libraries), first choice first: fast-math, so that sinf vectorizes into glibc's
# libmvec; then plain scalar sinf.
VARIANTS = [(["-ffast-math"], ["-lmvec", "-lm"]), ([], ["-lm"])]
MIN_ROWS_PER_THREAD = 1024  # below this, handing rows to another thread costs more than it saves

status = "not loaded yet"  # what `kokoro doctor` reports


def _cpu_id() -> str:
    """The CPU model and flags: -march=native code must not run on another CPU."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        import platform

        return platform.processor()
    wanted = ("model name", "flags")
    return "\n".join(next((ln for ln in lines if ln.startswith(w)), "") for w in wanted)


def compiler() -> str | None:
    """The C compiler to build with: $CC, else cc or gcc on the PATH."""
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")


@cache
def library() -> ctypes.CDLL | None:
    """The compiled kernels (built on first use, ~0.5 s), or None where they cannot be had."""
    global status
    if os.environ.get("KOKORO_NATIVE", "1") == "0":
        status = "off (KOKORO_NATIVE=0)"
        return None
    cc = compiler()
    if not cc:
        status = "no C compiler found; install gcc for ~20 % faster int8 synthesis"
        return None
    parts = [SOURCE.read_bytes(), repr((FLAGS, VARIANTS)).encode()]
    key = hashlib.sha256(b"\0".join([*parts, cc.encode(), _cpu_id().encode()])).hexdigest()
    path = cache_dir() / "native" / f"snake-{key[:16]}.so"
    try:
        if not path.is_file():
            _build(cc, path)
        lib = ctypes.CDLL(str(path))
    except (OSError, subprocess.SubprocessError) as exc:
        status = f"not built ({exc}); the torch ops run instead"
        log.info("native kernels unavailable: %s", exc)
        return None
    p, n = ctypes.c_void_p, ctypes.c_long
    for kind in ("bf16", "f32"):
        getattr(lib, f"stats_{kind}").argtypes = [p, n, n, n, p, p, p, p, p]
        getattr(lib, f"snake_quant_{kind}").argtypes = [p, n, n, n, p, p, p, p, p]
    status = f"built with {cc} ({path.name})"
    return lib


def _build(cc: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        out = Path(tmp) / path.name
        err = ""
        for flags, libs in VARIANTS:
            cmd = [*shlex.split(cc), *FLAGS, *flags, str(SOURCE), "-o", str(out), *libs]
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            if run.returncode == 0:
                os.replace(out, path)  # atomic: a concurrent process sees all of it or nothing
                return
            err = (run.stderr.strip().splitlines() or [f"exit status {run.returncode}"])[-1]
        raise subprocess.SubprocessError(f"{Path(cc).name}: {err}")


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="kokoro-native")


def _over_rows(rows: int, run: Callable[[int, int, int], None]) -> None:
    """run(part, t0, t1) over row ranges, on torch's thread count for the calling thread.

    ctypes releases the GIL during the call, so the parts run in parallel."""
    parts = max(1, min(torch.get_num_threads(), rows // MIN_ROWS_PER_THREAD))
    bounds = [rows * i // parts for i in range(parts + 1)]
    others = [_pool().submit(run, i, bounds[i], bounds[i + 1]) for i in range(1, parts)]
    run(0, bounds[0], bounds[1])
    for f in others:
        f.result()


def _kind(x: Tensor) -> str:
    return "bf16" if x.dtype == torch.bfloat16 else "f32"


def _ptr(t: Tensor) -> ctypes.c_void_p:
    return ctypes.c_void_p(t.data_ptr())


def supports(x: Tensor) -> bool:
    """Whether the kernels can take x: (W, C) rows, contiguous, bf16 or fp32, on the CPU."""
    return (
        library() is not None
        and x.device.type == "cpu"
        and x.dtype in (torch.bfloat16, torch.float32)
        and x.is_contiguous()
    )


def moments(x: Tensor, k: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """x (W, C), k (C,) fp32 -> per channel: sum of x - k, sum of (x - k)^2, min x, max x."""
    lib = library()
    assert lib is not None and supports(x)
    W, C = x.shape
    k = k.float().contiguous()
    parts = max(1, torch.get_num_threads())
    acc = torch.zeros(parts, 4, C)
    acc[:, 2], acc[:, 3] = float("inf"), float("-inf")
    stats = getattr(lib, f"stats_{_kind(x)}")

    def run(i: int, t0: int, t1: int) -> None:
        a = acc[i]
        stats(_ptr(x), C, t0, t1, _ptr(k), _ptr(a[0]), _ptr(a[1]), _ptr(a[2]), _ptr(a[3]))

    _over_rows(W, run)
    return acc[:, 0].sum(0), acc[:, 1].sum(0), acc[:, 2].amin(0), acc[:, 3].amax(0)


def snake_codes(
    x: Tensor, k: Tensor, scale: Tensor, shift: Tensor, inv_step: Tensor, out: Tensor
) -> None:
    """out (W, C) uint8 = round(snake(scale * (x - k) + shift) * inv_step) + 128, clamped."""
    lib = library()
    assert lib is not None and supports(x) and out.is_contiguous() and out.shape == x.shape
    W, C = x.shape
    k, scale, shift, inv_step = (t.float().contiguous() for t in (k, scale, shift, inv_step))
    quant = getattr(lib, f"snake_quant_{_kind(x)}")

    def run(_: int, t0: int, t1: int) -> None:
        quant(_ptr(x), C, t0, t1, _ptr(k), _ptr(scale), _ptr(shift), _ptr(inv_step), _ptr(out))

    _over_rows(W, run)
