"""The C kernels (kokoro_cli/model/snake.c): built and cached once, or cleanly absent. What
they compute is tested in test_int8.py, through them and through the torch ops alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kokoro_cli.model import native


def test_the_native_kernels_build_cache_and_fall_back(tmp_path: Path) -> None:
    """Built once into the cache; without a working compiler, or switched off, torch ops run."""
    probe = (
        "from kokoro_cli.model import native; lib = native.library(); "
        "print(lib is not None); print(native.status)"
    )

    def run(**env: str) -> list[str]:
        full = {**os.environ, "KOKORO_CACHE_DIR": str(tmp_path), **env}
        out = subprocess.run(
            [sys.executable, "-c", probe], env=full, capture_output=True, text=True, check=True
        )
        return out.stdout.splitlines()

    assert run(CC="false") == [
        "False",
        "not built (false: exit status 1); the torch ops run instead",
    ]
    assert not list(tmp_path.glob("native/*.so"))  # a failed build leaves nothing behind
    assert run(KOKORO_NATIVE="0") == ["False", "off (KOKORO_NATIVE=0)"]
    if native.compiler():
        ok, status = run()
        assert ok == "True" and status.startswith("built with"), status
        assert len(list(tmp_path.glob("native/snake-*.so"))) == 1
        assert run() == [ok, status]  # the second process loads the cached library
