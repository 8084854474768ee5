"""`kokoro batch --engine ray` on real Ray clusters, with the real model; no mocks of Ray.

Most tests join one simulated two-node cluster (ray.cluster_utils.Cluster: two raylets of one
CPU each, token auth on, loopback only) shared by the session; one test runs the default, a
private cluster that kokoro starts and stops itself. Workers are killed for real (SIGKILL).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf

from tests.cli_helpers import Kokoro, kokoro_popen, voiced_seconds

RAY_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "token",  # as a real cluster should be: the CLI must bring the token
    "RAY_AUTH_TOKEN": secrets.token_hex(32),
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # Ray's single-machine mode: 127.0.0.1 only
}
RAY = ["--engine", "ray", "--workers", "2"]


@pytest.fixture(scope="session")
def cluster(model) -> Iterator:  # noqa: ANN001 - model: loaded first, so the weight cache is warm
    saved = {k: os.environ.get(k) for k in RAY_ENV}
    os.environ.update(RAY_ENV)  # before `import ray`, which reads them once
    from ray.cluster_utils import Cluster

    # Notice a lost node within ~2 s instead of Ray's default ~30 s.
    fast = {"health_check_period_ms": 500, "health_check_failure_threshold": 3}
    head = {"num_cpus": 1, "include_dashboard": False, "_system_config": fast}
    sim = Cluster(initialize_head=True, head_node_args=head)
    sim.add_node(num_cpus=1)
    sim.wait_for_nodes()
    try:
        yield sim
    finally:
        sim.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def texts(folder: Path, n: int, sentences: int = 1) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    more = " It has a second sentence, to take a little longer." * (sentences - 1)
    for i in range(n):
        (folder / f"f{i}.txt").write_text(f"This is file number {i}.{more}", encoding="utf-8")
    return [f"f{i}.wav" for i in range(n)]


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_speech(path: Path) -> None:
    audio, rate = sf.read(path, dtype="float32")
    assert voiced_seconds(audio, rate) > 0.3, path


class Watched:
    """The CLI running in the background, its stderr collected line by line as it comes."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.proc = kokoro_popen(args, cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.lines.append(raw.decode(errors="replace"))

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 240) -> list[re.Match]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for line in self.lines if (m := re.search(pattern, line))]
            if len(found) >= count:
                return found
            assert self.proc.poll() is None, "".join(self.lines)
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in:\n{''.join(self.lines)}")

    def finish(self, timeout: float = 300) -> tuple[int, str]:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code, "".join(self.lines)


def ray_processes() -> set[int]:
    """PIDs of Ray's own daemons (GCS and raylets) on this machine."""
    out = subprocess.run(["ps", "-eo", "pid=,comm="], capture_output=True, text=True).stdout
    return {int(p) for p, c in (ln.split(None, 1) for ln in out.splitlines()) if c in RAYLETS}


RAYLETS = {"gcs_server", "raylet"}


def test_without_ray_installed_exits_2_with_the_install_line(tmp_path: Path) -> None:
    """Ray made unimportable in the child (a sitecustomize that refuses `import ray`)."""
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import sys\n"
        "class NoRay:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'ray' or name.startswith('ray.'):\n"
        "            raise ModuleNotFoundError(\"No module named 'ray'\", name=name)\n"
        "sys.meta_path.insert(0, NoRay())\n",
        encoding="utf-8",
    )
    texts(tmp_path / "in", 1)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hide), os.environ["PYTHONPATH"]])}
    r = subprocess.run(
        [sys.executable, "-m", "kokoro_cli", "batch", "in", "-o", "out", "--engine", "ray"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [
        "kokoro: error: --engine ray needs Ray, which is not installed — run: "
        "pip install 'kokoro-cli[ray]'"
    ]
    assert not (tmp_path / "out").exists()


def test_ray_options_need_the_ray_engine(tmp_path: Path) -> None:
    texts(tmp_path / "in", 1)
    for args in (["--workers", "2"], ["--engine", "ray", "--jobs", "2"]):
        r = subprocess.run(
            [sys.executable, "-m", "kokoro_cli", "batch", "in", "-o", "out", *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert r.returncode == 2 and r.stderr.startswith("kokoro: error: "), r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_private_cluster_two_workers(kokoro: Kokoro, tmp_path: Path) -> None:
    """No --address: kokoro starts a local cluster for the run and leaves no Ray process."""
    expected = texts(tmp_path / "in", 3)
    before = ray_processes()
    r = kokoro("batch", "in", "-o", "out", "--format", "flac", *RAY, timeout=300)
    assert r.returncode == 0, r.stderr
    assert files_under(tmp_path / "out") == [n.replace(".wav", ".flac") for n in expected]
    for name in files_under(tmp_path / "out"):  # valid audio, no temporaries left
        assert sf.info(tmp_path / "out" / name).format == "FLAC"
        assert_speech(tmp_path / "out" / name)
    assert "3 done, 0 skipped, 0 failed" in r.stderr
    assert r.stdout == b""
    deadline = time.monotonic() + 30
    while ray_processes() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not ray_processes() - before  # the run's GCS and raylet are gone


def test_poisoned_input_fails_alone(cluster, kokoro: Kokoro, tmp_path: Path) -> None:  # noqa: ANN001
    texts(tmp_path / "in", 3)
    (tmp_path / "in" / "latin1.txt").write_bytes("d\xe9j\xe0 vu".encode("latin-1"))
    # A lexicon travels to the workers, and their use of it comes back for the warning.
    (tmp_path / "lex.txt").write_text("number\tnumeral\nzyzzyva\tzizzy\n", encoding="utf-8")
    r = kokoro(
        "batch", "in", "-o", "out", *RAY, "--address", cluster.address, "--lexicon", "lex.txt",
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert files_under(tmp_path / "out") == ["f0.wav", "f1.wav", "f2.wav"]
    for name in files_under(tmp_path / "out"):
        assert_speech(tmp_path / "out" / name)
    failed = [ln for ln in r.stderr.splitlines() if ln.startswith("failed ")]
    assert len(failed) == 1 and "latin1.txt" in failed[0] and "UTF-8" in failed[0]
    assert "3 done, 0 skipped, 1 failed" in r.stderr
    assert "kokoro: error: 1 of 4 items failed" in r.stderr
    (unused,) = [ln for ln in r.stderr.splitlines() if "matched nothing" in ln]
    assert "zyzzyva" in unused and "number" not in unused


def test_model_that_workers_cannot_load(cluster, kokoro: Kokoro, tmp_path: Path) -> None:  # noqa: ANN001
    texts(tmp_path / "in", 2)
    r = kokoro(
        "--model", "nothere.pth", "batch", "in", "-o", "out", *RAY, "--address", cluster.address
    )
    assert r.returncode == 1, r.stderr
    assert r.stderr.strip().splitlines()[-1] == (
        "kokoro: error: a Ray worker could not load the model: weight file nothere.pth not "
        "found — check the path given to --model"
    )
    assert not (tmp_path / "out").exists()


def test_worker_killed_mid_run(cluster, tmp_path: Path) -> None:  # noqa: ANN001
    expected = texts(tmp_path / "in", 6, sentences=2)
    run = Watched(["-v", "batch", "in", "-o", "out", *RAY, "--address", cluster.address], tmp_path)
    pids = [int(m[1]) for m in run.wait_for(r"worker pid (\d+) ready", count=2)]
    run.wait_for(r"^done ")  # both workers are on their next items now
    os.kill(pids[0], signal.SIGKILL)
    code, err = run.finish()
    assert code == 0, err
    assert "died (killed); retrying it" in err, err  # it was mid-item, and the item was redone
    assert files_under(tmp_path / "out") == expected
    for name in expected:
        assert_speech(tmp_path / "out" / name)
    assert "6 done, 0 skipped, 0 failed" in err


def test_driver_killed_then_resumed(cluster, kokoro: Kokoro, tmp_path: Path) -> None:  # noqa: ANN001
    expected = texts(tmp_path / "in", 6, sentences=2)
    out = tmp_path / "out"
    run = Watched(["batch", "in", "-o", "out", *RAY, "--address", cluster.address], tmp_path)
    run.wait_for(r"^done ", count=2)
    deadline = time.monotonic() + 120  # kill it while a worker writes an output's temporary
    while not any(n.startswith(".") for n in files_under(out)) and time.monotonic() < deadline:
        time.sleep(0.02)
    run.proc.kill()  # SIGKILL: no cleanup at all in the driver
    run.finish()
    # Ray stops the dead driver's actors; wait until nothing changes in OUT any more.
    settled, last = time.monotonic(), files_under(out)
    while time.monotonic() - settled < 3:
        time.sleep(0.2)
        if (now := files_under(out)) != last:
            settled, last = time.monotonic(), now
    there = [n for n in last if not n.startswith(".")]
    assert 2 <= len(there) < 6, last
    for name in there:  # whatever has its final name is complete
        assert_speech(out / name)
    # A worker of the killed run that was slow to die opens its temporary late: after its item
    # was done, even after a rerun took it over (its own attempt's name, or the older fixed one).
    (out / f".{there[0]}.{secrets.token_hex(8)}.part").write_bytes(b"RIFF, cut short")
    (out / f".{there[-1]}.part").write_bytes(b"RIFF, cut short")

    r = kokoro("batch", "in", "-o", "out", *RAY, "--address", cluster.address, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"{6 - len(there)} done, {len(there)} skipped, 0 failed" in r.stderr
    assert files_under(out) == expected  # every output, and no temporary left over


def test_node_lost_mid_run(cluster, tmp_path: Path) -> None:  # noqa: ANN001
    """One of the two nodes goes away mid-run: its item is redone on the other."""
    expected = texts(tmp_path / "in", 6, sentences=2)
    run = Watched(["-v", "batch", "in", "-o", "out", *RAY, "--address", cluster.address], tmp_path)
    nodes = {m[1] for m in run.wait_for(r"ready on node \S+ \((\w+)\)", count=2)}
    assert len(nodes) == 2  # one worker per node
    run.wait_for(r"^done ")
    (worker_node,) = cluster.worker_nodes
    cluster.remove_node(worker_node, allow_graceful=False)
    try:
        code, err = run.finish()
    finally:
        cluster.add_node(num_cpus=1)  # two nodes again for any later test
    assert code == 0, err
    assert "died (its node was lost); retrying it" in err, err
    assert files_under(tmp_path / "out") == expected
    for name in expected:
        assert_speech(tmp_path / "out" / name)
    assert "6 done, 0 skipped, 0 failed" in err
