"""Where a chunk's first audio waits: the model's stages, timed one by one (issue 23).

A chunk's audio comes out only when its whole forward is done, so the latency of a sentence
is the front end plus every stage below. Each stage is timed by hooks on the model's modules
(median of --runs forwards after a warm-up, each text in its own fresh process), with
2 threads (wall time, what a listener waits) and with 1 thread (CPU time of that thread: a
shared machine disturbs it far less than the wall time). Nothing here is asserted by tests.

    python bench/latency.py                # both texts, 2 threads and 1 thread
    python bench/latency.py --threads 1    # only the 1-thread CPU figures
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VOICE = "af_heart"
# the measure: a 10-word sentence, and the first chunk `say` makes of the bench text
SENTENCE = "The quick brown fox jumps over the lazy dog near the river."
# name: (text, fast_start); None is bench/long_text.txt
TEXTS = {"10-word sentence, one chunk": (SENTENCE, False), "bench text's first chunk": (None, True)}

# (label, path of a module in the model): each stage is the time inside those modules' calls
STAGES = [
    ("PL-BERT", ["bert", "bert_encoder"]),
    ("duration encoder (3 BiLSTM)", ["predictor.text_encoder"]),
    ("durations (BiLSTM)", ["predictor.lstm", "predictor.duration_proj"]),
    (
        "F0 and energy (BiLSTM + 6 AdaIN blocks)",
        [
            "predictor.shared",
            "predictor.F0",
            "predictor.N",
            "predictor.F0_proj",
            "predictor.N_proj",
        ],
    ),  # fmt: skip
    ("text encoder (CNN + BiLSTM)", ["text_encoder"]),
    ("harmonic source", ["decoder.generator.m_source"]),
    (
        "decoder, frame rate (5 AdaIN blocks)",
        [
            "decoder.encode",
            "decoder.decode",
            "decoder.F0_conv",
            "decoder.N_conv",
            "decoder.asr_res",
        ],
    ),  # fmt: skip
    (
        "generator stage 1 (256 ch)",
        [
            "decoder.generator.ups.0",
            "decoder.generator.noise_convs.0",
            "decoder.generator.noise_res.0",
            "resblocks:0",
        ],
    ),  # fmt: skip
    (
        "generator stage 2 (128 ch)",
        [
            "decoder.generator.ups.1",
            "decoder.generator.noise_convs.1",
            "decoder.generator.noise_res.1",
            "resblocks:1",
        ],
    ),  # fmt: skip
    ("conv_post", ["decoder.generator.conv_post"]),
]

REST = "the rest (STFT, inverse STFT, alignment, glue)"

# ---------------------------------------------------------------- worker (a fresh process)


def _modules(model, path: str) -> list:
    gen = model.decoder.generator
    if path.startswith("resblocks:"):  # a stage's resblocks: the int8 ones and the float ones
        i, k = int(path.split(":")[1]), gen.num_kernels
        found = list(gen.resblocks[i * k : (i + 1) * k])
        if gen.float_blocks:
            found += list(gen.float_blocks[i][0]) + [gen.float_blocks[i][1]]
        return found
    m = model
    for part in path.split("."):
        m = m[int(part)] if part.isdigit() else getattr(m, part)
    return list(m) if path in ("predictor.F0", "predictor.N", "decoder.decode") else [m]


def worker(args: argparse.Namespace) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    from kokoro_cli.model import int8, istftnet, kmodel, memory
    from kokoro_cli.model.voices import load_voice
    from kokoro_cli.model.weights import load_model
    from kokoro_cli.pipeline import SynthesisConfig, synthesize
    from kokoro_cli.text import chunks, warm_up

    # wall time with 2 threads; with 1, that thread's CPU time (all the work runs on it)
    clock = time.thread_time if args.threads == 1 else time.perf_counter
    model, pack = load_model(), load_voice(VOICE)
    warm_up("en-us")
    text = args.text or (HERE / "long_text.txt").read_text("utf-8")
    t = clock()
    first = next(c for c in chunks(text, "en-us", fast_start=not args.whole) if c.tokens)
    front = clock() - t
    tokens = first.tokens

    spent: dict[str, float] = defaultdict(float)
    started: dict[int, float] = {}
    for label, paths in STAGES:
        for path in paths:
            for mod in _modules(model, path):

                def pre(m, _args) -> None:
                    started[id(m)] = clock()

                def post(m, _args, _out, label=label) -> None:
                    spent[label] += clock() - started.pop(id(m))

                mod.register_forward_pre_hook(pre)
                mod.register_forward_hook(post)

    def timed(name: str, fn):
        def wrapper(*a, **k):
            t = clock()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += clock() - t

        return wrapper

    trim = timed("of which: malloc_trim (2 calls)", memory.release_free_memory)
    kmodel.release_free_memory = istftnet.release_free_memory = trim
    int8.QConv1d._pack = timed("of which: int8 weight packing", int8.QConv1d._pack)

    model.speak(tokens, pack)  # warm-up: first-call allocations, oneDNN primitives
    runs = []
    for _ in range(args.runs):
        spent.clear()
        t = clock()
        audio = model.speak(tokens, pack)
        total = clock() - t
        runs.append({**spent, "total": total})
    # the pipeline around the forward: voicepack, speech edges, word timings
    config = SynthesisConfig(voice=VOICE, fast_start=not args.whole)
    piped = []
    for _ in range(args.runs):
        t = clock()
        next(iter(synthesize(first.text, config, model)))
        piped.append(clock() - t)
    stages = [label for label, _ in STAGES]
    for r in runs:  # what no hook saw: STFT, inverse STFT, alignment, glue between the stages
        r[REST] = r["total"] - sum(r.get(k, 0.0) for k in stages)
    keys = [*stages, REST] + sorted(k for k in runs[0] if k.startswith("of"))
    out = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in keys}
    out["total"] = statistics.median(r["total"] for r in runs)
    out["front end (normalize, split, espeak)"] = front
    out["synthesize(), first chunk"] = statistics.median(piped)
    out["tokens"], out["audio"] = len(tokens), len(audio) / 24_000
    if args.curve:  # lever 2: a forward's time against the first chunk's length
        words = SENTENCE.split()
        out["curve"] = []
        for n in (2, 3, 4, 5, 6, 8, 10, len(words)):
            toks = next(c for c in chunks(" ".join(words[:n]), "en-us", fast_start=False)).tokens
            times = []
            for _ in range(args.runs):
                t = clock()
                audio = model.speak(toks, pack)
                times.append(clock() - t)
            out["curve"].append((n, len(toks), len(audio) / 24_000, statistics.median(times)))
    return out


# ---------------------------------------------------------------- driver


def run_worker(text: str | None, fast_start: bool, threads: int, runs: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(threads)}
    env["KOKORO_SERVER"] = "off"
    cmd = [sys.executable, __file__, "--worker", "--threads", str(threads), "--runs", str(runs)]
    if text:
        cmd += ["--text", text, *(["--curve"] if text == SENTENCE else [])]
    if not fast_start:
        cmd.append("--whole")
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"bench: worker failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--text", help=argparse.SUPPRESS)
    ap.add_argument("--curve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--whole", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, choices=(1, 2), help="only this thread count")
    ap.add_argument("--runs", type=int, default=5, help="timed forwards per text (median)")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    sys.path.insert(0, str(HERE))
    from table import print_table

    print(f"load average {os.getloadavg()[0]:.1f} at start", file=sys.stderr)
    for threads in [args.threads] if args.threads else [2, 1]:
        unit = "wall" if threads == 2 else "CPU"
        for name, (text, fast_start) in TEXTS.items():
            r = run_worker(text, fast_start, threads, args.runs)
            rows = []
            for key, value in r.items():
                if key in ("tokens", "audio", "curve"):
                    continue
                share = f"{100 * value / r['total']:.0f} % of the forward" if key != "total" else ""
                rows.append((key, f"{1000 * value:.1f} ms", share))
            heading = f"{name}: {r['tokens']} tokens, {r['audio']:.2f} s audio, {threads} thread(s), {unit}"
            print_table(rows, heading)
            if "curve" in r:
                full = r["curve"][-1][3]
                rows = [
                    (
                        f"first {n} words, {toks} tokens",
                        f"{1000 * secs:.0f} ms",
                        f"{audio:.2f} s audio; {100 * secs / full:.0f} % of the whole sentence's",
                    )
                    for n, toks, audio, secs in r["curve"]
                ]
                print_table(rows, f"a forward against the first chunk's length, {unit}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end", file=sys.stderr)


if __name__ == "__main__":
    main()
