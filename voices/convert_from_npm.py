"""Convert the Kokoro v1.0 voicepacks shipped in the npm package kokoro-js@1.2.1 to .pt files.

The npm package keeps each voice as raw little-endian float32 with shape [510, 1, 256] (no
header). The official voicepack format is a torch tensor saved with torch.save, so this script
reinterprets the bytes and saves them unchanged; values are bit-identical to the npm files.

Reproduce:
    npm pack kokoro-js@1.2.1 && tar xzf kokoro-js-1.2.1.tgz
    python voices/convert_from_npm.py package/voices voices
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

PACK_SHAPE = (510, 1, 256)  # one style vector per utterance length 1..510 tokens
PACK_BYTES = 510 * 1 * 256 * 4
EXPECTED_VOICES = 54  # every Kokoro v1.0 voice in kokoro-js 1.2.1
# Kokoro's naming scheme: first letter = language, second = gender, then the voice's own name.
LANG_BY_PREFIX = {
    "a": "en-us", "b": "en-gb", "e": "es", "f": "fr-fr", "h": "hi",
    "i": "it", "j": "ja", "p": "pt-br", "z": "zh",
}  # fmt: skip
GENDER_BY_LETTER = {"f": "female", "m": "male"}


def metadata(name: str) -> dict[str, str]:
    """Language, gender and display name from a Kokoro voice name such as af_heart."""
    prefix, _, own = name.partition("_")
    if len(prefix) != 2 or prefix[0] not in LANG_BY_PREFIX or prefix[1] not in GENDER_BY_LETTER:
        raise SystemExit(f"{name}: not a Kokoro voice name (like af_heart)")
    return {
        "lang": LANG_BY_PREFIX[prefix[0]],
        "gender": GENDER_BY_LETTER[prefix[1]],
        "display_name": own.capitalize(),
    }


def convert(src: Path, dst: Path) -> list[str]:
    """Write dst/<name>.pt for each src/<name>.bin plus dst/voices.json; return the names."""
    bins = sorted(src.glob("*.bin"))
    if len(bins) != EXPECTED_VOICES:
        raise SystemExit(f"expected {EXPECTED_VOICES} .bin voices in {src}, found {len(bins)}")
    dst.mkdir(parents=True, exist_ok=True)
    names = []
    for path in bins:
        raw = path.read_bytes()
        if len(raw) != PACK_BYTES:
            raise SystemExit(f"{path.name}: {len(raw)} bytes, expected {PACK_BYTES}")
        # "<f4" pins little-endian regardless of the host; copy() gives torch a writable buffer.
        values = np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(PACK_SHAPE).copy()
        if not np.isfinite(values).all():
            raise SystemExit(f"{path.name}: contains NaN or Inf")
        pack = torch.from_numpy(values)
        out = dst / f"{path.stem}.pt"
        torch.save(pack, out)
        # Read back to prove the saved file holds exactly the npm values.
        back = torch.load(out, weights_only=True)
        if back.dtype != torch.float32 or tuple(back.shape) != PACK_SHAPE:
            raise SystemExit(f"{out}: wrote {back.dtype} {tuple(back.shape)}")
        if back.numpy().tobytes() != raw:
            raise SystemExit(f"{out}: values changed in conversion")
        names.append(path.stem)
    index = {name: metadata(name) for name in names}
    (dst / "voices.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="the unpacked npm folder package/voices")
    parser.add_argument("dst", type=Path, nargs="?", default=Path(__file__).parent)
    args = parser.parse_args(argv)
    names = convert(args.src, args.dst)
    print(f"converted {len(names)} voices into {args.dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
