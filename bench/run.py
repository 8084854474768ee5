"""Speed and memory of the kokoro-cli engine, side by side with onnxruntime on the int8 graph.

Every measurement runs in its own subprocess with 2 threads, so peak RSS is per task and one
task's caches do not help another. Prints one table; nothing here is asserted by the tests.

The real-time factors are measured on the chunks `kokoro say -f text -o file` makes (full
size), alternating the two engines; a second row uses the chunks made for a listener (short
first chunks), where fixed per-forward costs weigh more.

    python bench/run.py            # everything (a few minutes)
    python bench/run.py --quick    # a shorter text, fewer batch files
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
THREADS = 2
FIRST_RUNS = 3  # fresh processes timed for first audio; the median counts
ROUNDS = 2  # alternating runs of our engine and onnxruntime; the best of each counts
VOICE = "af_heart"


# ---------------------------------------------------------------- workers (run in subprocesses)


def _text_chunks(args: argparse.Namespace) -> list[list[int]]:
    """The token chunks `say` makes of the text: full size when writing a file (the default
    here), short first chunks with --listening (speaker or stdout)."""
    from kokoro_cli.text import chunks

    text = Path(args.text).read_text("utf-8")
    return [c.tokens for c in chunks(text, "en-us", fast_start=args.listening) if c.tokens]


def worker_load(args: argparse.Namespace) -> dict:
    t = time.perf_counter()
    import torch

    torch.set_num_threads(THREADS)
    from kokoro_cli.model.weights import load_model

    imported = time.perf_counter()
    load_model()
    done = time.perf_counter()
    from kokoro_cli.model import native

    return {"seconds": done - imported, "imports": imported - t, "native": native.status}


def worker_engine(args: argparse.Namespace) -> dict:
    import torch

    torch.set_num_threads(THREADS)
    from kokoro_cli.model.voices import load_voice
    from kokoro_cli.model.weights import load_model, pick_precision

    model, pack = load_model(), load_voice(VOICE)
    token_chunks = _text_chunks(args)
    model.speak(token_chunks[0][:20], pack)  # warm-up: first-call allocations
    t = time.perf_counter()
    samples = sum(len(model.speak(toks, pack)) for toks in token_chunks)
    synth = time.perf_counter() - t
    return {
        "synth": synth,
        "audio": samples / 24_000,
        "chunks": len(token_chunks),
        "precision": pick_precision(None, "cpu"),
    }


def worker_ort(args: argparse.Namespace) -> dict:
    import numpy as np
    import onnxruntime as ort

    from kokoro_cli.model.voices import load_voice
    from kokoro_cli.model.weights import embedded_graph_bytes

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = THREADS
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(embedded_graph_bytes(), opts, providers=["CPUExecutionProvider"])
    pack = load_voice(VOICE).numpy()
    token_chunks = _text_chunks(args)

    def run(toks: list[int]) -> int:
        feed = {
            "tokens": np.array([[0, *toks, 0]], dtype=np.int64),
            "style": pack[len(toks) - 1],
            "speed": np.array([1.0], dtype=np.float32),
        }
        return session.run(None, feed)[0].size

    run(token_chunks[0][:20])
    t = time.perf_counter()
    samples = sum(run(toks) for toks in token_chunks)
    return {
        "synth": time.perf_counter() - t,
        "audio": samples / 24_000,
        "chunks": len(token_chunks),
    }


def worker_first_audio(args: argparse.Namespace) -> dict:
    """Time from 'model ready' to the first chunk of speech of a long input through the
    pipeline (the lead-in's silence before it goes out at once: see bench/margins.py)."""
    import torch

    torch.set_num_threads(THREADS)
    import threading

    from kokoro_cli.model.weights import load_model
    from kokoro_cli.pipeline import SynthesisConfig, synthesize
    from kokoro_cli.text import warm_up

    front_end = threading.Thread(target=warm_up, args=("en-us",))  # as `kokoro say` does
    front_end.start()
    model = load_model()
    front_end.join()
    text = Path(args.text).read_text("utf-8")
    t = time.perf_counter()
    first = next(c for c in synthesize(text, SynthesisConfig(voice=VOICE), model) if c.text)
    return {"seconds": time.perf_counter() - t, "first_chunk_audio": len(first.audio) / 24_000}


WORKERS = {
    "load": worker_load,
    "engine": worker_engine,
    "ort": worker_ort,
    "first": worker_first_audio,
}


# ---------------------------------------------------------------- driver


def run_measured(cmd: list[str], env: dict | None = None, stdin=None) -> tuple[float, int, str]:
    """Run a command; return wall seconds, peak RSS in MB (from wait4) and its stdout."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env, stdin=stdin)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        out.seek(0)
        text = out.read().decode(errors="replace")
        err = p.stderr.read().decode(errors="replace") if p.stderr else ""
        p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:4])} failed:\n{err[-2000:]}")
    return wall, usage.ru_maxrss // 1024, text


def worker(name: str, text: str, env: dict, listening: bool = False) -> tuple[dict, int]:
    cmd = [sys.executable, __file__, "--worker", name, "--text", text]
    _, rss, out = run_measured(cmd + ["--listening"] * listening, env)
    return json.loads(out.strip().splitlines()[-1]), rss


def cpu_flags() -> str:
    try:
        flags = next(line for line in open("/proc/cpuinfo") if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    wanted = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8"]
    return " ".join(f for f in wanted if f in flags) or "none of " + ",".join(wanted)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--listening", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument(
        "--text", default=str(HERE / "long_text.txt"), help="English text to synthesize"
    )
    ap.add_argument("--quick", action="store_true", help="a third of the text, 20 batch files")
    ap.add_argument("--batch-files", type=int, default=100, help="short files for the batch test")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return

    # KOKORO_SERVER=off: the in-process rows must not go through a `kokoro serve` left running
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(THREADS)}
    env["KOKORO_SERVER"] = "off"
    env.setdefault("KOKORO_CACHE_DIR", str(Path(tempfile.gettempdir()) / "kokoro-bench-cache"))
    text = args.text
    n_batch = 20 if args.quick else args.batch_files
    if args.quick:
        full = Path(text).read_text("utf-8")
        text = str(Path(tempfile.mkdtemp()) / "short.txt")
        Path(text).write_text(full[: len(full) // 3], "utf-8")

    rows: list[tuple[str, str, str]] = [("CPU flags", cpu_flags(), f"{THREADS} threads")]

    with tempfile.TemporaryDirectory() as cold_dir:
        cold, cold_rss = worker("load", text, {**env, "KOKORO_CACHE_DIR": cold_dir})
        warm, warm_rss = worker("load", text, {**env, "KOKORO_CACHE_DIR": cold_dir})
    note = "load_model() alone; imports {:.2f} s more; peak RSS {} MB"
    rows.append(
        (
            "load, cold (convert int8 graph)",
            f"{cold['seconds']:.2f} s",
            note.format(cold["imports"], cold_rss),
        )
    )
    rows.append(
        ("load, warm cache", f"{warm['seconds']:.2f} s", note.format(warm["imports"], warm_rss))
    )
    rows.append(
        ("native kernels (snake.c)", warm["native"].split(" (")[0], "cold load builds them")
    )
    worker("load", text, env)  # make sure the shared cache exists for the rest

    # Alternate the two engines twice and keep each one's best run: the machine's speed drifts
    # by 10-20 % within an hour, and a slow spell should not land on one engine only.
    runs: dict[str, list[tuple[dict, int]]] = {"engine": [], "ort": []}
    for _ in range(ROUNDS):
        for name, done in runs.items():
            done.append(worker(name, text, env))
    (eng, _), (ort, _) = (min(done, key=lambda run: run[0]["synth"]) for done in runs.values())
    eng_rss, ort_rss = (max(rss for _, rss in done) for done in runs.values())
    rtf_e, rtf_o = eng["synth"] / eng["audio"], ort["synth"] / ort["audio"]
    rows.append(
        (
            f"RTF kokoro-cli (torch, auto = {eng['precision']})",
            f"{rtf_e:.3f}",
            f"{eng['audio']:.1f} s audio in {eng['chunks']} file-sized chunks, peak RSS {eng_rss} MB",
        )
    )
    rows.append(
        (
            "RTF onnxruntime (int8 graph)",
            f"{rtf_o:.3f}",
            f"{ort['audio']:.1f} s audio, peak RSS {ort_rss} MB",
        )
    )
    rows.append(
        (
            "RTF ratio (ours / onnxruntime)",
            f"{rtf_e / rtf_o:.2f}",
            f"target <= 0.5; best of {ROUNDS} alternating runs each",
        )
    )
    # where auto picks int8, also measure the bf16 it replaces
    alt = {**env, "KOKORO_PRECISION": "bf16"} if eng["precision"] == "int8" else None
    if alt:
        b16, b16_rss = worker("engine", text, alt)
        rtf_b = b16["synth"] / b16["audio"]
        rows.append(
            (
                "RTF kokoro-cli, --precision bf16",
                f"{rtf_b:.3f}",
                f"ratio {rtf_b / rtf_o:.2f}; peak RSS {b16_rss} MB",
            )
        )

    # the same text in the chunks `say` makes for a listener: short first chunks, then growing
    lis, _ = worker("engine", text, env, listening=True)
    lis_o, _ = worker("ort", text, env, listening=True)
    rtf_l, rtf_lo = lis["synth"] / lis["audio"], lis_o["synth"] / lis_o["audio"]
    rows.append(
        (
            "RTF ratio, listening chunks",
            f"{rtf_l / rtf_lo:.2f}",
            f"ours {rtf_l:.3f}, onnxruntime {rtf_lo:.3f}; {lis['chunks']} chunks, one run each",
        )
    )

    # one process per run: it is the first chunk of a fresh process that a listener waits for
    firsts = [worker("first", text, env) for _ in range(FIRST_RUNS)]
    secs = sorted(f["seconds"] for f, _ in firsts)
    rows.append(
        (
            "first audio after model ready",
            f"{statistics.median(secs):.2f} s",
            f"median of {FIRST_RUNS} processes ({secs[0]:.2f}-{secs[-1]:.2f}); peak RSS"
            f" {max(rss for _, rss in firsts)} MB",
        )
    )
    if alt:
        secs = sorted(worker("first", text, alt)[0]["seconds"] for _ in range(FIRST_RUNS))
        rows.append(
            (
                "first audio, --precision bf16",
                f"{statistics.median(secs):.2f} s",
                f"median of {FIRST_RUNS} ({secs[0]:.2f}-{secs[-1]:.2f})",
            )
        )

    kokoro = [sys.executable, "-m", "kokoro_cli"]
    with tempfile.TemporaryDirectory() as tmp:
        wall, _, _ = run_measured([*kokoro, "--help"], env)
        rows.append(("kokoro --help", f"{wall:.2f} s", "wall"))
        wall, rss, _ = run_measured([*kokoro, "say", "Hello there.", "-o", f"{tmp}/hello.wav"], env)
        rows.append(
            (
                'say "Hello there." -o hello.wav',
                f"{wall:.2f} s",
                f"wall, warm cache, peak RSS {rss} MB",
            )
        )
        src = Path(tmp) / "in"
        src.mkdir()
        for i in range(n_batch):
            (src / f"{i:03d}.txt").write_text(
                f"This is short file number {i}. It has two sentences.\n"
            )
        # the same job as one-liners: one `say` per file, timed on a few files and scaled up
        sample = min(3, n_batch)
        t = time.perf_counter()
        for i in range(sample):
            run_measured(
                [*kokoro, "say", "-f", str(src / f"{i:03d}.txt"), "-o", f"{tmp}/one{i}.wav"], env
            )
        one = (time.perf_counter() - t) / sample
        bwall, brss, _ = run_measured([*kokoro, "-q", "batch", str(src), "-o", f"{tmp}/out"], env)
        rows.append(
            (
                f"batch of {n_batch} short files",
                f"{bwall:.1f} s",
                f"{one * n_batch / bwall:.1f}x the throughput of {n_batch} `say` calls "
                f"({one:.2f} s each), peak RSS {brss} MB",
            )
        )

    sys.path.insert(0, str(HERE))
    from serve import rows as serve_rows  # bench/serve.py: one-liners with a warm server
    from table import print_table

    rows += serve_rows(env)
    print_table(rows)


if __name__ == "__main__":
    main()
