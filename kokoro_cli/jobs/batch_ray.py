"""`kokoro batch --engine ray`: the same items, outputs, resume and summary, on a Ray cluster.

Each worker is a Ray actor that loads the model once and runs `batch.process()` on one item
at a time, writing straight into OUT (temp + rename, as locally), so OUT must be a filesystem
every node sees. Only a small `Result` row comes back; waveforms never enter the object store.

Why Ray Core actors and not Ray Data's `map_batches`: an item is a file, not a row of a
dataset. Ray Data would need pandas and pyarrow, retries whole blocks, and reports through
its own progress and error model, while the guarantees wanted here are per item: an item that
raises is reported and the rest go on; an item whose worker dies (SIGKILL, OOM, a lost node)
is retried once on another live worker, then reported. With actors that is one `ray.wait`
loop over the in-flight items (what `ray.util.ActorPool` does, plus replacing dead actors).
Ray still does all the scheduling, placement and process management.

A driver killed hard (SIGKILL) cleans nothing up, and its workers live on for a moment: one may
still be writing, or only just start, an output's temporary while a rerun's worker writes the
same output. So each attempt writes its own temporary (atomic.attempt_temp_path), never one
another writer has open, and each run removes the temporaries of its outputs when it starts
and again when it ends, after its own workers are gone: a rerun leaves none behind.
"""

from __future__ import annotations

import os
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kokoro_cli.atomic import attempt_temp_path, temp_targets
from kokoro_cli.errors import KokoroError, UsageError
from kokoro_cli.jobs.batch import Item, Progress, Result, plan, process
from kokoro_cli.pipeline import SynthesisConfig

INSTALL = "pip install 'kokoro-cli[ray]'"
# One loaded model is ~0.7 GB; a full-size chunk's activations take a single model to a
# measured 0.79-0.82 GB peak RSS (model.shared.SharedModel). Ray then places no more than fit.
WORKER_MEMORY = 800 * 2**20
OBJECT_STORE = 100 * 2**20  # only status rows pass through it (Ray's minimum is 75 MiB)
ATTEMPTS = 2  # an item whose worker dies is tried once more, then reported
START_TIMEOUT = 300.0  # seconds with no worker up before giving up (model load is ~2-10 s)
POLL = 0.5  # ray.wait timeout: keeps Ctrl-C and the start timeout responsive


@dataclass(frozen=True)
class Cluster:
    """Where and how wide to run: --address, --workers, --threads-per-worker."""

    address: str | None = None  # None: a private local cluster for this run
    workers: int | None = None  # None: as many as the cluster's CPUs allow
    threads: int = 1


def import_ray(cluster: Cluster) -> Any:
    """Import Ray, configured for a private cluster when no --address is given (exit 2 if absent)."""
    if cluster.workers is not None and cluster.workers < 1:
        raise UsageError(f"--workers {cluster.workers} is not allowed; use 1 or more")
    if cluster.threads < 1:
        raise UsageError(f"--threads-per-worker {cluster.threads} is not allowed; use 1 or more")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # no usage reports, and no prompt about them
    if cluster.address is None:
        # Set before `import ray`: Ray reads them once, and its processes inherit them.
        # Recent Ray turns token auth on for new clusters and writes ~/.ray/auth_token; a
        # throw-away token in the environment keeps auth on without leaving a file behind.
        os.environ["RAY_AUTH_MODE"] = "token"
        os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
        # Ray's single-machine mode: every Ray process binds to 127.0.0.1 (ray.init's
        # _node_ip_address="127.0.0.1" is turned back into the machine's public address).
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    try:
        import ray
    except ImportError:
        raise UsageError(
            f"--engine ray needs Ray, which is not installed — run: {INSTALL}"
        ) from None
    return ray


# ---------------------------------------------------------------- the worker (a Ray actor)


class Synthesizer:
    """One worker: the model loaded once, items synthesized one at a time into their outputs."""

    def __init__(
        self, model: str | None, device: str, precision: str | None, threads: int,
        env: dict[str, str], lexicon: list[Any] | None,
    ) -> None:  # fmt: skip
        os.environ.update(env)  # voices and cache dirs, as the driver has them
        import ray
        import torch

        from kokoro_cli.api import Kokoro
        from kokoro_cli.text.lexicon import Lexicon

        torch.set_num_threads(threads)  # exactly the CPUs Ray reserved for this actor
        self.tts = Kokoro(model, device=device, precision=precision)
        self.tts.load()
        # The driver's Lexicon holds a lock: its entries travel, and each worker tracks its use.
        self.lexicon = Lexicon(lexicon) if lexicon else None
        self.node = ray.util.get_node_ip_address()
        self.node_id = ray.get_runtime_context().get_node_id()

    def where(self) -> tuple[str, str, int]:
        """(node address, node id, pid): for the driver's log, and for tests that kill us."""
        return self.node, self.node_id, os.getpid()

    def speak(self, index: int, item: Item, base: SynthesisConfig) -> Result:
        base = replace(base, lexicon=self.lexicon)
        tmp = attempt_temp_path(item.output, secrets.token_hex(8))  # this attempt's own
        result = process(index, item, base, self.tts, report=lambda event: None, tmp=tmp)
        result.node = self.node
        return result

    def lexicon_use(self) -> tuple[set[str], set[str]]:
        """The lexicon entries that matched, and the languages read (for the unused warning)."""
        return (self.lexicon.used, self.lexicon.langs) if self.lexicon else (set(), set())


# ---------------------------------------------------------------- the driver


def run(
    items: list[Item], base: SynthesisConfig, *, force: bool, cluster: Cluster, opts: Any,
    progress: Callable[[list[Item], list[int]], Progress],
) -> int:  # fmt: skip
    """Like batch.run, on Ray actors; returns the failure count."""
    ray = import_ray(cluster)
    results, todo = plan(items, force)
    ui = progress(items, todo)
    sweep_temps(items)  # what the workers of a run killed hard left
    if todo:  # nothing to do: no cluster either
        _connect(ray, cluster, opts)
        try:
            with ui:
                pool = _Pool(ray, cluster, opts, len(todo), base.lexicon)
                try:
                    pool.drain(items, todo, replace(base, lexicon=None), results, ui)
                    pool.gather_lexicon_use(base.lexicon)
                finally:
                    pool.close(items)
        finally:
            ray.shutdown()  # stops a private cluster; only disconnects from a joined one
            sweep_temps(items)  # the workers are gone: and what one of a killed run wrote late
    ui.summary([results[i] for i in range(len(items))])
    return sum(r.status == "failed" for r in results.values())


def _connect(ray: Any, cluster: Cluster, opts: Any) -> None:
    import logging
    import signal

    quiet = {"logging_level": logging.WARNING, "log_to_driver": opts.verbose}
    on_term = signal.getsignal(signal.SIGTERM)
    try:
        if cluster.address is None:
            workers = cluster.workers or _local_workers(cluster.threads)
            ray.init(
                address="local",  # never a cluster found through RAY_ADDRESS or /tmp/ray
                num_cpus=workers * cluster.threads,
                include_dashboard=False,
                object_store_memory=OBJECT_STORE,
                **quiet,
            )
        else:
            ray.init(address=cluster.address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = cluster.address or "a local Ray cluster"
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise KokoroError(
            f"cannot start or join {where}: {first} — check it with `ray status`, and that "
            "RAY_AUTH_TOKEN (or ~/.ray/auth_token) holds the cluster's token"
        ) from None
    finally:  # ray.init installs its own SIGTERM handler: keep kokoro's (cleanup, exit 143)
        signal.signal(signal.SIGTERM, on_term)


def _local_workers(threads: int) -> int:
    from kokoro_cli.model.shared import cores

    return max(1, cores() // threads)


class _Pool:
    """Actors coming up, idle and busy; dead ones replaced (each death costs an item attempt)."""

    def __init__(self, ray: Any, cluster: Cluster, opts: Any, todo: int, lexicon: Any) -> None:
        self.ray, self.cluster, self.opts = ray, cluster, opts
        total = ray.cluster_resources()
        fits = min(
            int(total.get("CPU", 0) // cluster.threads),
            int(total.get("memory", 0) // WORKER_MEMORY),
        )
        if fits < 1:
            raise KokoroError(
                f"the Ray cluster has no room for one worker ({cluster.threads} CPU and "
                f"{WORKER_MEMORY / 2**30:.1f} GB) — add nodes or lower --threads-per-worker"
            )
        self.workers = min(cluster.workers or fits, todo)
        if self.workers > fits:
            _info(opts, f"kokoro: only {fits} of {self.workers} workers fit; the rest wait")
        model = opts.model
        if model and Path(model).exists():
            model = str(Path(model).absolute())  # workers may run elsewhere: no relative paths
        env = {k: v for k, v in os.environ.items() if k.startswith("KOKORO_")}
        entries = list(lexicon.entries) if lexicon else None
        self.actor_class = ray.remote(Synthesizer).options(
            num_cpus=cluster.threads,
            memory=WORKER_MEMORY,
            max_restarts=0,  # a dead worker is replaced by the driver, which counts the retries
            max_task_retries=0,
        )
        self.args = (model, opts.device, opts.precision, cluster.threads, env, entries)
        self.starting: dict[Any, Any] = {}  # ready() ref -> actor
        self.idle: list[Any] = []
        self.busy: dict[Any, tuple[Any, int]] = {}  # speak() ref -> (actor, item index)
        self.node_of: dict[Any, str] = {}  # actor -> its node's id
        self.started = time.monotonic()
        self.lost_loading = 0
        for _ in range(self.workers):
            self._start()

    def _start(self) -> None:
        actor = self.actor_class.remote(*self.args)
        self.starting[actor.where.remote()] = actor

    def drain(
        self, items: list[Item], todo: list[int], base: SynthesisConfig,
        results: dict[int, Result], ui: Any,
    ) -> None:  # fmt: skip
        ray = self.ray
        queue = deque(todo)
        tries = dict.fromkeys(todo, 0)
        while queue or self.busy:
            while self.idle and queue:
                i = queue.popleft()
                actor = self.idle.pop()
                self.busy[actor.speak.remote(i, _portable(items[i]), base)] = (actor, i)
            refs = [*self.busy, *self.starting]
            if not refs:  # every worker died and none can start: report what is left
                for i in queue:
                    results[i] = Result(items[i].label, items[i].output, "failed")
                    results[i].message = "no Ray worker left to run it"
                    ui.finished(i, results[i])
                return
            ready, _ = ray.wait(refs, num_returns=1, timeout=POLL)
            if not ready:
                self._check_start_timeout()
                continue
            ref = ready[0]
            if ref in self.starting:
                self._came_up(ref)
                continue
            actor, i = self.busy.pop(ref)
            try:
                result = replace(ray.get(ref), label=items[i].label, output=items[i].output)
            except ray.exceptions.RayActorError as exc:
                if exc.actor_init_failed:
                    raise self._init_error(exc) from None
                tries[i] += 1
                why = _death(ray, exc, self.node_of.pop(actor, None))
                ray.kill(actor)  # it may be gone already, or stuck on a lost node
                self._start()
                if tries[i] < ATTEMPTS:
                    _info(
                        self.opts,
                        f"kokoro: the worker on {items[i].label} died ({why}); retrying it",
                    )
                    queue.appendleft(i)
                    continue
                sweep_temps([items[i]])
                result = Result(items[i].label, items[i].output, "failed")
                result.message = f"its worker died {ATTEMPTS} times ({why})"
            except ray.exceptions.RayError as exc:  # speak() itself raised: this item only
                self.idle.append(actor)
                result = Result(items[i].label, items[i].output, "failed")
                result.message = f"Ray: {str(exc).strip().splitlines()[0]}"
            else:
                self.idle.append(actor)
            results[i] = result
            ui.finished(i, result)

    def _came_up(self, ref: Any) -> None:
        actor = self.starting.pop(ref)
        try:
            node, node_id, pid = self.ray.get(ref)
        except self.ray.exceptions.RayActorError as exc:
            if exc.actor_init_failed:
                raise self._init_error(exc) from None
            self.lost_loading += 1  # killed while loading (e.g. OOM): try a few more, not forever
            if self.lost_loading <= self.workers:
                self._start()
            return
        if self.opts.verbose:
            _info(self.opts, f"kokoro: worker pid {pid} ready on node {node} ({node_id[:12]})")
        self.node_of[actor] = node_id
        self.idle.append(actor)
        self.started = time.monotonic()

    def _check_start_timeout(self) -> None:
        if self.busy or self.idle or time.monotonic() - self.started < START_TIMEOUT:
            return
        raise KokoroError(
            f"no Ray worker started in {START_TIMEOUT:.0f} s — each needs {self.cluster.threads} "
            f"CPU and {WORKER_MEMORY / 2**30:.1f} GB free on a node; check `ray status`"
        )

    @staticmethod
    def _init_error(exc: Any) -> KokoroError:
        """The model load's own one-line error, out of Ray's traceback."""
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        last = lines[-1] if lines else str(exc)
        name, sep, message = last.partition(": ")
        if sep and name.replace(".", "").replace("_", "").isalnum():  # "pkg.SomeError: ..."
            last = message
        hint = "" if " — " in last else " — paths must be readable on every node"
        return KokoroError(f"a Ray worker could not load the model: {last}{hint}")

    def gather_lexicon_use(self, lexicon: Any) -> None:
        """Fold the workers' lexicon use into the driver's, so its unused-entry warning holds."""
        if not lexicon or not self.idle:
            return
        for used, langs in self.ray.get([a.lexicon_use.remote() for a in self.idle]):
            lexicon.used |= used
            lexicon.langs |= langs

    def close(self, items: list[Item]) -> None:
        """Stop every actor; then no temporary of an unfinished item outlives the run."""
        for actor in [*self.starting.values(), *self.idle, *(a for a, _ in self.busy.values())]:
            self.ray.kill(actor)
        sweep_temps([items[i] for _, i in self.busy.values()])


def sweep_temps(items: list[Item]) -> None:
    """Remove the temporaries of these items' outputs, whichever attempt wrote them (one
    listing per folder: a batch may put thousands of outputs in one)."""
    folders: dict[Path, set[str]] = {}
    for item in items:
        out = _portable(item).output
        folders.setdefault(out.parent, set()).add(out.name)
    for folder, names in folders.items():
        try:
            found = [p for p in folder.iterdir() if names.intersection(temp_targets(p.name))]
        except OSError:  # no such folder (yet): nothing left there
            continue
        for path in found:
            path.unlink(missing_ok=True)


def _portable(item: Item) -> Item:
    """The item with absolute paths: a worker's working directory may be on another machine."""
    source = item.source.absolute() if item.source is not None else None
    return replace(item, output=item.output.absolute(), source=source)


def _death(ray: Any, exc: Any, node_id: str | None) -> str:
    """Why a worker died, in three words (Ray's notice lists OOM as a mere possible cause)."""
    if "low on memory" in str(exc).lower():  # Ray's memory monitor killed it
        return "out of memory"
    alive = {n["NodeID"]: n["Alive"] for n in ray.nodes()}
    return "its node was lost" if node_id and not alive.get(node_id, False) else "killed"


def _info(opts: Any, message: str) -> None:
    import sys

    if not opts.quiet:
        print(message, file=sys.stderr, flush=True)
