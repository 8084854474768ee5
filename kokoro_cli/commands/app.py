"""The `kokoro` command: parse options, route text and audio streams, map errors to exit codes.

Only the commands that synthesize import torch and the model (inside their bodies), so
`kokoro --help` and `kokoro voices` stay instant. All user-facing errors go through `main()`.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kokoro_cli import pauses
from kokoro_cli.errors import KokoroError, UsageError
from kokoro_cli.inputs import (
    FLUSH_AFTER,
    MAX_FLUSH_AFTER,
    live_source,
    read_pieces,
    read_text,
    with_flushes,
)
from kokoro_cli.version import __version__

if TYPE_CHECKING:
    from kokoro_cli.api import Kokoro
    from kokoro_cli.pipeline import AudioChunk


def _flags_without_metavar(params: list[Any]) -> list[Any]:
    # Typer's help prints a type after every option, flags too ("--play <bool>"); a flag takes
    # no value, so it shows none. -h/--help is made inside typer: hence here, not per option.
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class _Command(typer.core.TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _flags_without_metavar(super().get_params(ctx))


class _Group(typer.core.TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _flags_without_metavar(super().get_params(ctx))


class _Typer(typer.Typer):
    """typer.Typer whose commands show no metavar after their flags (see _Command)."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", _Command)
        return super().command(*args, **kwargs)


app = _Typer(
    cls=_Group,
    name="kokoro",
    help="Speak text with Kokoro-82M: to the speaker, to audio files, or down a pipe.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # a crash must never dump tensors to the terminal
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Device(str, Enum):
    cpu = "cpu"
    cuda = "cuda"
    mps = "mps"
    auto = "auto"


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class Precision(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"
    int8 = "int8"


@dataclass
class GlobalOptions:
    model: str | None = None
    device: str = "cpu"
    precision: str | None = None
    quiet: bool = False
    verbose: bool = False


OPTS = GlobalOptions()


# Typer >= 0.20 vendors click; older releases re-export click's. Find the class either way.
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def info(message: str) -> None:
    """A status line on stderr (never stdout, which may carry audio); silenced by -q."""
    if not OPTS.quiet:
        print(message, file=sys.stderr, flush=True)


def _version(value: bool) -> None:
    if value:
        print(f"kokoro-cli {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    model: Annotated[
        str | None,
        typer.Option(
            envvar="KOKORO_MODEL",
            help='Weights: "embedded" (default), "hf", "hf:owner/repo", or a .pth path.',
        ),
    ] = None,
    device: Annotated[Device, typer.Option(help="Where to run the model.")] = Device.cpu,
    precision: Annotated[
        Precision,
        typer.Option(
            envvar="KOKORO_PRECISION",
            help="Decoder arithmetic. auto: int8 resblock convolutions on CPUs with native bf16 "
            "and VNNI (as faithful as bf16, about 10% faster), bf16 on CPUs with native bf16 "
            "only (about 1.8x faster than fp32), else fp32, the reference. All parity-tested.",
        ),
    ] = Precision.auto,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only errors on stderr.")] = False,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="More detail; tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Speak text with Kokoro-82M: to the speaker, to audio files, or down a pipe."""
    OPTS.model, OPTS.device, OPTS.quiet, OPTS.verbose = model, device.value, quiet, verbose
    OPTS.precision = precision.value
    os.environ["KOKORO_PRECISION"] = precision.value  # for `doctor`, which reads it from there
    library = logging.getLogger("kokoro_cli")
    if verbose:  # the library's progress messages (model loading, weight conversion) on stderr
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("kokoro: %(message)s"))
        library.addHandler(handler)
        library.setLevel(logging.INFO)
    elif not library.handlers:  # its warnings (SSML it cannot honour...) as one line each
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("kokoro: warning: %(message)s"))
        library.addHandler(handler)
        library.setLevel(logging.ERROR if quiet else logging.WARNING)


# ---------------------------------------------------------------- shared helpers


def engine() -> Kokoro:
    """The API object for --model, --device and --precision (the model loads on first use)."""
    from kokoro_cli.api import Kokoro

    return Kokoro(OPTS.model, device=OPTS.device, precision=OPTS.precision)


VoiceOpt = Annotated[
    str,
    typer.Option(
        envvar="KOKORO_VOICE",
        help="Voice name, .pt file, or blend (af_bella:0.6,af_sarah:0.4 or af_bella+af_sarah).",
    ),
]
SpeedOpt = Annotated[float, typer.Option(help="Speaking rate (0.25-4).")]
PitchOpt = Annotated[
    float,
    typer.Option(
        "--pitch",
        metavar="SEMITONES",
        help="Move the voice's pitch up (+) or down (-) by this many semitones, -12 to 12; "
        "timing stays the same.",
    ),
]
LangOpt = Annotated[
    str | None, typer.Option("--lang", "-l", help="Language code; default: the voice's own.")
]
PauseSentenceOpt = Annotated[
    float | None,
    typer.Option(
        "--pause-sentence",
        help="Seconds of silence after each sentence "
        f"(default: the model's own, about {pauses.SENTENCE_PAUSE:g}).",
        show_default=False,
    ),
]
PauseParagraphOpt = Annotated[
    float, typer.Option("--pause-paragraph", help="Seconds of silence at a blank line.")
]
LeadInOpt = Annotated[
    float | None,
    typer.Option(
        "--lead-in",
        metavar="SECONDS",
        help=f"Silence before the speech (default {pauses.LEAD_IN:g}: a device waking up keeps"
        " the first syllable).",
        show_default=False,
    ),
]
TailOpt = Annotated[
    float | None,
    typer.Option(
        "--tail",
        metavar="SECONDS",
        help=f"Silence after the speech (default {pauses.TAIL:g}, a sentence's pause).",
        show_default=False,
    ),
]
TrimOpt = Annotated[
    bool,
    typer.Option(
        "--trim", help="Tight edges: no lead-in, no tail (the speech's 10 ms fades only)."
    ),
]
SsmlOpt = Annotated[
    bool | None,
    typer.Option(
        "--ssml/--no-ssml",
        help="Read the text as SSML (default: when it starts with <speak>); --no-ssml reads it"
        " as plain text.",
        show_default=False,
    ),
]
LexiconOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--lexicon",
        metavar="FILE",
        help="Pronunciations, one 'word<TAB>/phonemes/' or 'word<TAB>respelling' a line"
        " (repeatable; also $KOKORO_LEXICON and ~/.config/kokoro-cli/lexicon.txt; see README).",
    ),
]


def margins(lead_in: float | None, tail: float | None, trim: bool) -> dict[str, float]:
    """SynthesisConfig's lead_in and tail from --lead-in, --tail and --trim."""
    if trim and (lead_in is not None or tail is not None):
        raise UsageError("--trim means no lead-in and no tail; give --trim or --lead-in/--tail")
    if trim:
        return {"lead_in": 0.0, "tail": 0.0}
    return {
        "lead_in": pauses.LEAD_IN if lead_in is None else lead_in,
        "tail": pauses.TAIL if tail is None else tail,
    }


def load_lexicon(files: list[Path] | None) -> Any:
    """The user's lexicon files, checked before any work (a bad line is a usage error)."""
    from kokoro_cli.text.lexicon import load

    return load(files or [])


def warn_unused(lexicon: Any) -> None:
    """After a run: one warning line naming lexicon entries that matched nothing."""
    warning = lexicon.warning() if lexicon else None
    if warning:
        info(warning)


# ---------------------------------------------------------------- say


@app.command()
def say(
    text: Annotated[
        str | None, typer.Argument(help='Text to speak; "-" or omit for stdin.')
    ] = None,
    file: Annotated[
        Path | None, typer.Option("-f", "--file", help="Read the text from FILE.")
    ] = None,
    voice: VoiceOpt = "af_heart",
    speed: SpeedOpt = 1.0,
    pitch: PitchOpt = 0.0,
    lang: LangOpt = None,
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help='Audio file (format from extension), "-" = stdout.'),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="wav|raw for stdout; overrides the extension.")
    ] = None,
    play: Annotated[bool, typer.Option("--play", help="Also play while writing -o.")] = False,
    subtitles: Annotated[
        Path | None,
        typer.Option(help="Write timings: .srt, .vtt or .json (sentences; with --words, words)."),
    ] = None,
    words: Annotated[
        bool, typer.Option("--words", help="One subtitle cue per word, not per sentence.")
    ] = False,
    pause_sentence: PauseSentenceOpt = None,
    pause_paragraph: PauseParagraphOpt = pauses.PARAGRAPH_PAUSE,
    lead_in: LeadInOpt = None,
    tail: TailOpt = None,
    trim: TrimOpt = False,
    show_phonemes: Annotated[bool, typer.Option(help="Print phonemes to stderr.")] = False,
    phonemes: Annotated[bool, typer.Option(help="The input is phonemes, not text.")] = False,
    no_server: Annotated[
        bool, typer.Option("--no-server", help="Synthesize here even if `kokoro serve` runs.")
    ] = False,
    lexicon: LexiconOpt = None,
    flush_after: Annotated[
        float,
        typer.Option(
            "--flush-after",
            metavar="SECONDS",
            help="Text from a pipe is spoken sentence by sentence as it arrives (speaker, -o -); "
            "an unfinished one once the writer is quiet this long. 0: read to the end first.",
        ),
    ] = FLUSH_AFTER,
    ssml: SsmlOpt = None,
) -> None:
    """Speak text: play it, or write it to a file or stdout.

    Examples: kokoro say "Hi." -o hi.mp3;
    kokoro say -f talk.txt -o talk.wav --subtitles talk.json --words --pause-paragraph 1.5;
    ollama run llama3 "Tell me a story." | kokoro say   (speaks while the model writes)
    kokoro say "Beep." -o beep.wav --trim   (no silence before or after the speech)
    kokoro say "A little lower." --pitch -2
    kokoro say '<speak>Wait <break time="1s"/> <prosody rate="slow">now</prosody>.</speak>'

    With `kokoro serve` running (or KOKORO_SERVER=unix:PATH|http://HOST:PORT), the text goes to
    that warm model and the audio comes back as it is made; otherwise it is synthesized here.
    """
    from kokoro_cli.audio import sinks as audio

    if not 0 <= flush_after <= MAX_FLUSH_AFTER:
        raise UsageError(
            f"--flush-after {flush_after:g} is out of range; use 0 to {MAX_FLUSH_AFTER:g} seconds"
        )
    # A pipe still being written is read as it comes, for someone who listens (issue 23). A
    # file alone is made at full speed from the whole text, as from any file: nobody hears it
    # sooner, and sentence by sentence costs about twice the CPU (bench/README.md).
    listens = output == "-" or play or not output
    live = live_source(text, file) if flush_after > 0 and listens else None
    content = read_text(text, file) if live is None else ""
    received: list[str] = []  # the live text so far: what subtitles index
    if words and not subtitles:
        raise UsageError("--words needs --subtitles FILE (.srt, .vtt or .json) to write them to")
    edges = margins(lead_in, tail, trim)
    pause_options = {"pause_sentence": pause_sentence, "pause_paragraph": pause_paragraph}
    pause_options["pitch"] = pitch  # checked and passed on with the pauses
    pause_options["ssml"] = ssml
    # word timings and pause settings are made here (the server's chunks carry neither)
    local = no_server or lexicon or subtitles or pause_sentence is not None
    local = local or pause_paragraph != pauses.PARAGRAPH_PAUSE
    server = None if local else _server_address(voice)
    tts = lex = None
    if server is None:
        tts, lex = engine(), load_lexicon(lexicon)
        tts.check(
            voice, speed, lang, phonemes=phonemes, **pause_options, **edges
        )  # fail fast, before slow steps
    else:  # the server checks voice and language (the same messages); no text/ import here
        from kokoro_cli.pipeline import SynthesisConfig, check_pauses, check_pitch, check_speed

        check_speed(speed)
        check_pitch(pitch)
        check_pauses(SynthesisConfig(**edges))
    kind = audio.subtitle_kind(subtitles) if subtitles else None
    if subtitles and not subtitles.parent.is_dir():
        raise UsageError(f"subtitles folder {subtitles.parent} does not exist; create it first")
    to_stdout = output == "-"
    if to_stdout:
        stdout_fmt = (fmt or "wav").lower()
        audio.StreamSink(stdout_fmt)  # refuses a terminal or a bad format before the model loads
    elif output:
        file_fmt = audio.format_for(Path(output), fmt)
        if not Path(output).parent.is_dir():
            raise UsageError(f"output folder {Path(output).parent} does not exist; create it first")
    if play or not output:
        from kokoro_cli.audio.playback import output_device

        output_device()
    # Short first chunks only when someone hears the audio as it comes (speaker or a pipe).
    fast_start = to_stdout or play or not output
    speech = None
    # Live text is read from now on, while the model loads (or the server is asked), so that
    # the writer's pauses are seen when they happen; the same reader serves either way.
    pieces = with_flushes(_kept(read_pieces(*live), received), flush_after) if live else None
    if server is not None and pieces is not None:
        speech = _server_live(
            server, pieces, voice, speed, lang, phonemes, fast_start, edges, pitch, ssml
        )
    elif server is not None:
        speech = _server_speech(
            server, content, voice, speed, lang, phonemes, fast_start, edges, pitch, ssml
        )
    if speech is None:
        if tts is None:  # the server did not answer: check everything here after all
            tts, lex = engine(), load_lexicon(lexicon)
            tts.check(voice, speed, lang, phonemes=phonemes, **pause_options, **edges)
        # Reads the voice, then loads the model.
        if pieces is not None:  # flushes are marked in `pieces` already
            speech = tts.stream_text(
                pieces, voice, speed, lang, phonemes=phonemes, lexicon=lex,
                fast_start=fast_start, **pause_options, **edges,
            )  # type: ignore[assignment]  # fmt: skip
        else:
            speech = tts.stream(
                content, voice, speed, lang, phonemes=phonemes, lexicon=lex,
                fast_start=fast_start, **pause_options, **edges,
            )  # fmt: skip
    sinks: list[Any] = []
    spoken: list[Any] = []  # the words, with their timings
    marks: list[tuple[str, int]] = []  # SSML marks: (name, sample)
    try:
        if to_stdout:
            sinks.append(audio.StreamSink(stdout_fmt))
        elif output:
            sinks.append(audio.FileSink(Path(output), file_fmt))
        if play or not output:
            from kokoro_cli.audio.playback import Player

            sinks.append(Player())
        _speak(speech, None if live else len(content), sinks, spoken, show_phonemes, marks)
        for sink in sinks:  # files first: a Ctrl-C while the speaker drains keeps a whole file
            sink.commit()
        content = content or "".join(received)
        if subtitles and kind:
            _write_subtitles(subtitles, kind, content, spoken, marks, words, ssml)
    except BaseException:
        for sink in sinks:
            with suppress(Exception):
                sink.abort()
        raise
    warn_unused(lex)


def _write_subtitles(
    path: Path, kind: str, content: str, spoken: list, marks: list, by_word: bool,
    ssml: bool | None,
) -> None:  # fmt: skip
    """The cues (and SSML marks, in .json) of what was said, indexing the input as given."""
    from kokoro_cli.audio import sinks as audio
    from kokoro_cli.audio.timing import cues, source_cues
    from kokoro_cli.model.config import SAMPLE_RATE
    from kokoro_cli.text.ssml import detect

    if detect(content, ssml):
        found = source_cues(spoken, content, by_word=by_word)
    else:
        found = cues(spoken, content, by_word=by_word)
    events = audio.with_marks(found, [audio.Mark(n, at / SAMPLE_RATE) for n, at in marks])
    audio.write_text_atomic(path, audio.render_subtitles(events, kind))


def _server_address(voice: str) -> Any:
    """Where a running `kokoro serve` may answer `say` (client.Address), or None."""
    from kokoro_cli import paths
    from kokoro_cli.model import voices
    from kokoro_cli.serve import client

    if OPTS.model or OPTS.device != "cpu" or OPTS.precision != "auto":
        return None  # the server runs its own model; honour an explicit choice here
    if any(paths.is_voice_file(term) for term in voices.parse_blend(voice)[0]):
        return None  # a .pt path means this machine's file, relative to this folder
    if paths.lexicon_in_use():
        return None  # lexicon files are read, checked and reported on (unused entries) here
    return client.server_address()


def _server_speech(
    address: Any, content: str, voice: str, speed: float, lang: str | None, phonemes: bool,
    fast_start: bool, edges: dict[str, float], pitch: float = 0.0, ssml: bool | None = None,
) -> Iterator[AudioChunk] | None:  # fmt: skip
    """The chunks from the server (see client.py), or None when it does not answer."""
    from kokoro_cli.serve import client

    body = {
        "input": content, "voice": voice, "speed": speed, "lang": lang, "phonemes": phonemes,
        "fast_start": fast_start, "response_format": client.FRAMES, "ssml": ssml, **edges,
    }  # fmt: skip
    if pitch:
        body["pitch"] = pitch
    response = client.request_speech(address, body)
    if OPTS.verbose:
        where = "speaking through" if response else "no answer from"
        info(f"kokoro: {where} the server at {address}")
    return None if response is None else client.stream_chunks(response)


def _kept(pieces: Iterator[str], into: list[str]) -> Iterator[str]:
    """`pieces`, each also appended to `into` (the text received, for subtitles)."""
    for piece in pieces:
        into.append(piece)
        yield piece


def _server_live(
    address: Any, pieces: Iterator[Any], voice: str, speed: float, lang: str | None,
    phonemes: bool, fast_start: bool, edges: dict[str, float], pitch: float = 0.0,
    ssml: bool | None = None,
) -> Iterator[AudioChunk] | None:  # fmt: skip
    """Chunks from the server as the text streams up to it, or None when it does not answer
    (then nothing was read yet, and the text is spoken here)."""
    from kokoro_cli.serve import client

    settings = {
        "voice": voice, "speed": speed, "lang": lang, "phonemes": phonemes,
        "fast_start": fast_start, "response_format": client.FRAMES, "ssml": ssml, **edges,
    }  # fmt: skip
    if pitch:
        settings["pitch"] = pitch
    response = client.request_live(address, settings, lambda: pieces)
    if OPTS.verbose:
        where = "speaking live through" if response else "no answer from"
        info(f"kokoro: {where} the server at {address}")
    return None if response is None else client.stream_chunks(response)


def _speak(
    speech: Iterator[AudioChunk], chars: int | None, sinks: list, words: list, show: bool,
    marks: list | None = None,
) -> None:  # fmt: skip
    with _progress(chars) as advance:
        for chunk in speech:
            if show and chunk.phonemes:
                print(chunk.phonemes, file=sys.stderr, flush=True)
            for sink in sinks:
                sink.write(chunk.audio)
            words += chunk.words
            if marks is not None:
                marks += getattr(chunk, "marks", [])
            advance(len(chunk.text))


@contextmanager
def _progress(total: int | None) -> Iterator[Callable[[int], None]]:
    """A transient rich bar over input characters, only when stderr is a terminal (and the
    length is known: not for live text)."""
    if OPTS.quiet or not sys.stderr.isatty() or total is None:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("speaking", total=total)
        yield lambda n: bar.advance(task, n)


# ---------------------------------------------------------------- batch


@app.command()
def batch(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(help="Text files, folders (.txt/.md/.ssml inside) or globs."),
    ] = None,
    outdir: Annotated[Path, typer.Option("-o", "--output-dir", help="Where outputs go.")] = Path(
        "out"
    ),
    fmt: Annotated[str, typer.Option("--format", help="wav, flac, ogg, opus, mp3, m4a.")] = "wav",
    voice: VoiceOpt = "af_heart",
    speed: SpeedOpt = 1.0,
    pitch: PitchOpt = 0.0,
    lang: LangOpt = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            help='JSONL lines of {"text"|"file", "output", "voice", "speed", "pitch", "ssml"}.'
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Redo outputs that already exist.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "-j",
            "--jobs",
            help="Items synthesized at once, sharing one model (default: 2 on 2+ cores, else 1).",
            show_default=False,
        ),
    ] = None,
    pause_sentence: PauseSentenceOpt = None,
    pause_paragraph: PauseParagraphOpt = pauses.PARAGRAPH_PAUSE,
    lead_in: LeadInOpt = None,
    tail: TailOpt = None,
    trim: TrimOpt = False,
    lexicon: LexiconOpt = None,
    ssml: SsmlOpt = None,
    engine_: Annotated[
        Engine,
        typer.Option(
            "--engine", help="local: this process; ray: Ray actors, on one or many machines."
        ),
    ] = Engine.local,
    address: Annotated[
        str | None,
        typer.Option(
            help="ray: join this cluster (auto, host:port, ray://host:port) and leave it "
            "running; default: a private local cluster for the run.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="ray: actors, each with its own model (default: cluster CPUs / threads).",
            show_default=False,
        ),
    ] = None,
    threads_per_worker: Annotated[
        int, typer.Option(help="ray: torch threads (and CPUs reserved) per actor.")
    ] = 1,
) -> None:
    """Synthesize many inputs to files, resuming where a previous run stopped.

    Examples: kokoro batch chapters/ -o audio --format mp3;
    kokoro batch prompts/*.ssml -o audio   (.ssml files, and manifest texts starting with <speak>,
    are read as SSML);
    kokoro batch docs/ -o /shared/out --engine ray --address auto (see README, Scaling out).
    """
    from kokoro_cli.audio.sinks import format_for
    from kokoro_cli.commands.progress import BatchProgress
    from kokoro_cli.jobs import batch as batching
    from kokoro_cli.pipeline import SynthesisConfig, check_pauses

    if bool(inputs) == bool(manifest):
        raise UsageError("give input files/folders/globs, or --manifest FILE (one of them)")
    cluster = None
    if engine_ == Engine.ray:
        from kokoro_cli.jobs import batch_ray

        if jobs is not None:
            raise UsageError("--jobs is for --engine local; with ray, use --workers")
        cluster = batch_ray.Cluster(address, workers, threads_per_worker)
        batch_ray.import_ray(cluster)  # exits 2 with the install line before any work
    elif address is not None or workers is not None or threads_per_worker != 1:
        raise UsageError("--address, --workers and --threads-per-worker need --engine ray")
    if jobs is None:
        jobs = batching.default_jobs()
    elif jobs < 1:
        raise UsageError(f"--jobs {jobs} is not allowed; use 1 or more")
    format_for(Path(f"x.{fmt}"))  # validates the name
    tts = engine()
    tts.check(voice, speed, lang, pitch=pitch)  # validate the defaults once, before any work
    # lang stays as given (maybe None): a manifest line's own voice then picks its language.
    lex = load_lexicon(lexicon)
    config = SynthesisConfig(
        voice=voice,
        speed=speed,
        pitch=pitch,
        lang=lang,
        fast_start=False,
        lexicon=lex,
        pause_sentence=pause_sentence,
        pause_paragraph=pause_paragraph,
        **margins(lead_in, tail, trim),
        ssml=ssml,
    )
    check_pauses(config)
    if manifest:
        items = batching.items_from_manifest(manifest, outdir, fmt)
    else:
        items = batching.items_from_inputs(inputs or [], outdir, fmt)
    show = lambda items, todo: BatchProgress(items, todo, quiet=OPTS.quiet)  # noqa: E731
    if cluster is not None:
        failed = batch_ray.run(
            items, config, force=force, cluster=cluster, opts=OPTS, progress=show
        )
    else:
        failed = batching.run(items, config, force=force, jobs=jobs, tts=tts, progress=show)
    warn_unused(lex)
    if failed:
        raise KokoroError(f"{failed} of {len(items)} items failed (listed above)")


# ---------------------------------------------------------------- serve


@app.command()
def serve(
    socket_path: Annotated[
        Path | None,
        typer.Option(
            "--socket", help="Unix socket (default: $XDG_RUNTIME_DIR/kokoro-cli/kokoro.sock)."
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option(help="Also listen on TCP at this address (default 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Also listen on TCP at this port (8880).")
    ] = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="Requests synthesized at once.")] = 1,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="KOKORO_API_KEY", help="Require Authorization: Bearer KEY."),
    ] = None,
    wyoming: Annotated[
        str | None,
        typer.Option(
            metavar="tcp://HOST:PORT",
            help="Also speak the Wyoming protocol (Home Assistant) there, e.g. "
            "tcp://0.0.0.0:10200 for the network (the protocol has no keys).",
        ),
    ] = None,
    wyoming_zeroconf: Annotated[
        bool,
        typer.Option(
            "--wyoming-zeroconf", help="Announce the Wyoming service by mDNS (needs zeroconf)."
        ),
    ] = False,
) -> None:
    """Keep the model warm and serve speech: `kokoro say` uses it, so do OpenAI clients.

    Examples: kokoro serve &   (then: kokoro say "Done." answers at once)
              kokoro serve --port 8880   (also POST http://127.0.0.1:8880/v1/audio/speech)
              kokoro serve --wyoming tcp://0.0.0.0:10200   (Home Assistant: Wyoming Protocol)
    """
    try:
        from kokoro_cli.serve.listen import start
    except ModuleNotFoundError as exc:
        raise KokoroError(
            f"kokoro serve needs {exc.name}; install the extra: pip install 'kokoro-cli[serve]'"
        ) from None
    start(
        socket_path, host, port, jobs, api_key, load=engine, verbose=OPTS.verbose, info=info,
        wyoming=wyoming, zeroconf=wyoming_zeroconf,
    )  # fmt: skip


# ---------------------------------------------------------------- book


@app.command()
def book(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="A .epub, .md, .html, .pdf or .txt document.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Audiobook file (default: INPUT's name + .m4b)."),
    ] = None,
    split: Annotated[
        Path | None,
        typer.Option(help="Write one file per chapter into DIR, plus chapters.json."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="Format of --split files: wav, flac, mp3, ...")
    ] = "wav",
    chapters: Annotated[
        str | None, typer.Option("--chapters", "-c", help="Chapters to render, e.g. 1-3,7.")
    ] = None,
    plan: Annotated[
        bool, typer.Option("--plan", help="List chapters, words and estimated time; no audio.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="--plan as JSON.")] = False,
    voice: Annotated[
        str,
        typer.Option(
            envvar="KOKORO_VOICE",
            help="Voice name, .pt file, or blend (af_bella:0.6,af_sarah:0.4 or af_bella+af_sarah)."
            " Default: the book's language picks it (af_heart for English, jf_alpha for Japanese;"
            " see README).",
        ),
    ] = "af_heart",
    speed: SpeedOpt = 1.0,
    pitch: PitchOpt = 0.0,
    lang: LangOpt = None,
    lexicon: LexiconOpt = None,
    subtitles: Annotated[
        Path | None,
        typer.Option(
            help="Write timings in book time: .srt, .vtt or .json (sentences, or --words)."
        ),
    ] = None,
    words: Annotated[
        bool, typer.Option("--words", help="One subtitle cue per word, not per sentence.")
    ] = False,
    with_text: Annotated[
        bool,
        typer.Option("--text", help="--plan --json: add each chapter's text (what cues index)."),
    ] = False,
    pause_sentence: PauseSentenceOpt = None,
    pause_paragraph: PauseParagraphOpt = pauses.PARAGRAPH_PAUSE,
    pause_chapter: Annotated[
        float, typer.Option("--pause-chapter", help="Seconds of silence between chapters.")
    ] = pauses.CHAPTER_PAUSE,
    lead_in: LeadInOpt = None,
    tail: TailOpt = None,
    trim: TrimOpt = False,
    cache: Annotated[
        bool, typer.Option(help="Keep finished chunks on disk so a killed run resumes.")
    ] = True,
) -> None:
    """Turn a book or long document into an M4B audiobook with chapters.

    A killed run, started again with the same arguments, resumes where it stopped. The book's
    declared language picks the voice unless --voice or --lang is given.

    Examples:

      kokoro book novel.epub                  (writes novel.m4b)

      kokoro book notes.md --plan

      kokoro book paper.pdf --chapters 2-4 -o part.m4b

      kokoro book story.txt --split parts/ --format mp3

      kokoro book novel.epub --subtitles novel.json --words   (word timings; "chapter" is the
      chapter's number, char_start/char_end index its text: see --plan --json --text)
    """
    from kokoro_cli.commands import book as books

    if as_json and not plan:
        raise UsageError("--json goes with --plan")
    tts = engine()
    lex = load_lexicon(lexicon)
    pause_options = {"pause_sentence": pause_sentence, "pause_paragraph": pause_paragraph}
    pause_options["pause_chapter"] = pause_chapter
    edges = margins(lead_in, tail, trim)  # the book's (with --split: each file's)
    config = tts.check(
        voice, speed, lang, fast_start=False, lexicon=lex, pitch=pitch, **pause_options, **edges
    )
    source_of = ctx.get_parameter_source("voice")  # COMMANDLINE, ENVIRONMENT or DEFAULT
    given = getattr(source_of, "name", "")

    def narrate(book_language: str) -> Any:
        """The config for this book: its language picks the voice unless --voice/--lang did."""
        from kokoro_cli.jobs import narrator

        who = narrator.pick(
            book_language,
            voice=voice if given == "COMMANDLINE" else None,
            lang=lang,
            preferred=voice if given == "ENVIRONMENT" else None,
        )
        if (who.voice, who.lang) == (voice, lang):
            return config
        return tts.check(
            who.voice, speed, who.lang, fast_start=False, lexicon=lex, pitch=pitch,
            **pause_options, **edges,
        )  # fmt: skip

    def load(lang: str | None) -> Any:
        tts.load(lang)
        return tts.engine

    books.run(
        source,
        output=output,
        split=split,
        fmt=fmt.lower(),
        plan=plan,
        as_json=as_json,
        chapters=chapters,
        config=config,
        narrate=narrate,
        load_engine=load,
        model_key=(OPTS.model, OPTS.device, OPTS.precision),
        quiet=OPTS.quiet,
        use_cache=cache,
        subtitles=subtitles,
        words=words,
        with_text=with_text,
    )
    warn_unused(lex)


# ---------------------------------------------------------------- voices and mix


@app.command("voices")
def list_voices_cmd(
    lang: LangOpt = None,
    gender: Annotated[str | None, typer.Option(help="female or male (f/m).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the voices: bundled, your own, and mixed ones."""
    found = engine().voices(lang, gender)
    if as_json:
        rows = [
            {
                "name": v.name,
                "lang": v.lang,
                "gender": v.gender,
                "source": v.source,
                "path": str(v.path),
            }
            for v in found
        ]
        print(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "language", "gender", "source", box=None, header_style="bold")
    for v in found:
        table.add_row(v.name, v.lang, v.gender, v.source)
    Console().print(table)


@app.command()
def mix(
    voices_: Annotated[
        list[str], typer.Argument(metavar="VOICES...", help="Voices, optionally name:weight.")
    ],
    name: Annotated[str, typer.Option("--name", "-n", help="Name of the new voice.")],
    weights: Annotated[str | None, typer.Option(help="Comma-separated, e.g. 0.6,0.4.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing voice.")] = False,
) -> None:
    """Blend voices into a new one: kokoro mix af_bella af_sarah --name af"""
    names, inline = [], []
    for term in voices_:
        head, sep, tail = term.rpartition(":")
        names.append(head if sep else term)
        if sep:
            inline.append(_number(tail, term))
    if inline and len(inline) != len(names):
        raise UsageError("give a weight to every voice (name:60) or to none")
    if inline and weights:
        raise UsageError("give weights either inline (name:60) or with --weights, not both")
    ws = [_number(w, weights) for w in weights.split(",")] if weights else inline or None
    if ws is not None and len(ws) != len(names):
        raise UsageError(f"{len(ws)} weights for {len(names)} voices; give one weight per voice")
    saved = engine().mix(list(zip(names, ws, strict=True)) if ws else names, name, force=force)
    info(f"kokoro: saved voice '{name}' to {saved.path}; try: kokoro say 'Hello.' --voice {name}")


def _number(text: str, where: str | None) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"weight '{text}' in '{where}' is not a number") from None


# ---------------------------------------------------------------- helpers: phonemize, doctor


@app.command()
def phonemize(
    text: Annotated[str | None, typer.Argument(help='Text; "-" or omit for stdin.')] = None,
    file: Annotated[Path | None, typer.Option("-f", "--file")] = None,
    lang: Annotated[str, typer.Option("--lang", "-l")] = "en-us",
    tokens: Annotated[bool, typer.Option(help="Print token ids instead of phonemes.")] = False,
    lexicon: LexiconOpt = None,
) -> None:
    """Print the phonemes Kokoro would speak (to stdout), one chunk per line.

    Example: kokoro phonemize --lexicon names.txt "Kokoro reads 3.11.7 aloud."
    """
    from kokoro_cli import text as front_end
    from kokoro_cli.text.ssml import detect

    code = front_end.check_lang(lang)
    content = read_text(text, file)
    lex = load_lexicon(lexicon)
    pieces = [(content, code)]
    if detect(content):  # each stretch in its own language, as say reads it
        from kokoro_cli.pipeline import SynthesisConfig, plan

        script = plan(content, SynthesisConfig(lang=code, lexicon=lex))
        pieces = [(p.text, p.config.lang or code) for p in script.parts if p.text.strip()]
    for piece, piece_lang in pieces:
        for chunk in front_end.chunks(piece, piece_lang, lexicon=lex):
            if chunk.tokens:  # pure pauses have nothing to show
                print(" ".join(map(str, chunk.tokens)) if tokens else chunk.phonemes)
    warn_unused(lex)


@app.command()
def doctor() -> None:
    """Check espeak-ng, weights, voices and audio output, and say how to fix what is missing."""
    from kokoro_cli.commands.doctor import run_checks

    if not run_checks(OPTS.model):
        raise typer.Exit(1)


# ---------------------------------------------------------------- entry point


def _terminate(signum: int, frame: object) -> None:
    # Turn SIGTERM into an exception so the same cleanup as Ctrl-C runs (temporaries removed).
    raise SystemExit(128 + signum)


def main() -> None:
    """Console entry point: the one place where errors become messages and exit codes."""
    from kokoro_cli.errors import PipeClosed

    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = app(prog_name="kokoro", standalone_mode=False)
    except KokoroError as exc:
        _fail(str(exc), exc.exit_code)
    except _CLICK_ERROR as exc:  # bad options, missing arguments: usage errors
        ctx = getattr(exc, "ctx", None)
        hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
        _fail(f"{exc.format_message()}{hint}", exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("kokoro: interrupted", file=sys.stderr)
        sys.exit(130)
    except PipeClosed:
        # The reader left (| head). Point stdout at /dev/null so the final flush is silent.
        with suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + signal.SIGPIPE)
    except Exception as exc:
        _fail(f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)", 1)
    if code == 130:  # Typer turns a Ctrl-C inside a command into exit code 130
        print("kokoro: interrupted", file=sys.stderr)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    if OPTS.verbose:
        traceback.print_exc()
    print(f"kokoro: error: {message}", file=sys.stderr)
    sys.exit(code)
