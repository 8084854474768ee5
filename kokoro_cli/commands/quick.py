"""The `kokoro` command's front door: one-liners go to a running `kokoro serve` at once.

A warm server speaks a sentence in about 0.3 s; loading the full CLI (typer, click, numpy,
soundfile) would add 0.2 s before the request even left. So the common shapes of `kokoro say`
are handled here with the standard library alone: the text as an argument, -f FILE or stdin;
--voice, --speed, --lang, --phonemes; and -o FILE or -o - (a pipe). The server returns the
very bytes `say` would write: the file made by the same sink (client.FILE), or the stdout
stream. Anything else goes to the full CLI, which does the same thing more slowly: other
options, --help, no server, audio for the speaker, a terminal as stdout, a voicepack file, a
lexicon, a folder that does not exist, and long input on a terminal (it shows progress).
"""

from __future__ import annotations

import io
import os
import signal
import sys
from pathlib import Path
from typing import Any

# say's options understood here, by their names on the command line
VALUES = {
    "-f": "file",
    "--file": "file",
    "--voice": "voice",
    "--speed": "speed",
    "-l": "lang",
    "--lang": "lang",
    "-o": "output",
    "--output": "output",
    "--format": "format",
    "--flush-after": "flush_after",
}
FLAGS = {"--phonemes": True, "--no-phonemes": False}
PROGRESS_CHARS = 2000  # longer input on a terminal goes to the full CLI, for its progress bar
BLOCK = 256 * 1024


def main() -> None:
    """Console entry point: the fast path when it applies, else the full CLI."""
    args = sys.argv[1:]
    if args[:1] == ["say"]:
        options = parse_say(args[1:])
        if options is not None:
            code = say(options)
            if code is not None:
                sys.exit(code)
    from kokoro_cli.commands.app import main as cli_main

    cli_main()


def parse_say(args: list[str]) -> dict[str, Any] | None:
    """say's options as a dict, or None if any of them is not one this path knows."""
    found: dict[str, Any] = {}
    rest = iter(args)
    for arg in rest:
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in VALUES:
            if not eq:
                value = next(rest, None)
                if value is None:
                    return None  # click's "requires an argument" message
            found[VALUES[name]] = value
        elif name in FLAGS and not eq:
            found["phonemes"] = FLAGS[name]
        elif arg == "-" or not arg.startswith("-"):
            if "text" in found:
                return None  # an extra argument: click's error
            found["text"] = arg
        else:
            return None  # --help, --play, --subtitles, "--", "-ofile" ...
    return found


def say(options: dict[str, Any]) -> int | None:
    """Speak through the server; the exit status, or None to leave it to the full CLI."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        request = _request(options)
        if request is None:
            return None
        from kokoro_cli.errors import KokoroError
        from kokoro_cli.serve import client

        try:
            address, live = request.pop("address"), request.pop("live", None)
            if live is not None:
                return _live(address, request, live, options)
            response = client.request_speech(address, request)
            if response is None:
                return None  # nobody answered after all: synthesize here
            if options["output"] == "-":
                _to_stdout(response)
            else:
                _to_file(response, Path(options["output"]))
        except KokoroError as exc:
            print(f"kokoro: error: {exc}", file=sys.stderr)
            return exc.exit_code
    except KeyboardInterrupt:
        print("kokoro: interrupted", file=sys.stderr)
        return 130
    return 0


def _request(options: dict[str, Any]) -> dict[str, Any] | None:
    """The speech request for `options`, or None when the full CLI must take them."""
    env = os.environ
    output = options.get("output")
    if output is None or env.get("KOKORO_MODEL") or env.get("KOKORO_PRECISION", "auto") != "auto":
        return None  # the speaker, or a model other than the server's
    voice = options.get("voice") or env.get("KOKORO_VOICE") or "af_heart"
    from kokoro_cli import paths

    if ".pt" in voice or paths.is_voice_file(voice) or os.path.exists(voice):
        return None  # a voicepack file of this machine, relative to this folder (or in a blend)
    from kokoro_cli.inputs import FLUSH_AFTER, MAX_FLUSH_AFTER, live_source

    try:
        speed = float(options.get("speed", 1.0))
        flush_after = float(options.get("flush_after", FLUSH_AFTER))
    except ValueError:
        return None
    if not 0 <= flush_after <= MAX_FLUSH_AFTER:
        return None  # the full CLI explains
    body = {
        "voice": voice, "speed": speed, "lang": options.get("lang"),
        "phonemes": options.get("phonemes", False), "fast_start": output == "-",
    }  # fmt: skip
    if output == "-":
        stream = (options.get("format") or "wav").lower()
        if sys.stdout.isatty() or stream not in ("wav", "raw"):
            return None  # the full CLI explains
        body["response_format"] = "pcm" if stream == "raw" else "wav"
    else:
        if not Path(output).parent.is_dir():
            return None
        body.update(response_format="x-kokoro-file", output=output, format=options.get("format"))

    from kokoro_cli import paths
    from kokoro_cli.errors import UsageError
    from kokoro_cli.serve import client

    try:
        address = client.server_address()
    except UsageError:
        return None  # a malformed KOKORO_SERVER: the full CLI reports it
    if address is None or paths.lexicon_in_use():
        return None
    text, file = options.get("text"), options.get("file")
    live = flush_after > 0 and output == "-"  # a file alone is made from the whole text
    source = live_source(text, Path(file) if file else None) if live else None
    if source is not None:  # a pipe: its text streams up as it comes (issue 23)
        return {**body, "address": address, "live": (source, flush_after)}
    text = _read_text(options)
    if text is None or (sys.stderr.isatty() and len(text) > PROGRESS_CHARS):
        return None
    return {**body, "input": text, "address": address}


def _read_text(options: dict[str, Any]) -> str | None:
    """The input as `say` reads it; stdin stays readable for the full CLI if it takes over."""
    from kokoro_cli.inputs import read_text

    text, file = options.get("text"), options.get("file")
    replay = None
    if (text in (None, "-")) and (file in (None, "-")) and not (text and file):
        if sys.stdin is None or sys.stdin.isatty():
            return None  # the full CLI says there is no text
        replay = io.BytesIO(sys.stdin.buffer.read())
        sys.stdin = io.TextIOWrapper(replay, encoding="utf-8")
    from kokoro_cli.errors import UsageError

    try:
        return read_text(text, Path(file) if file is not None else None)
    except UsageError:
        return None  # the full CLI reports it
    finally:
        if replay is not None:
            replay.seek(0)  # for the full CLI, should it take over


def _live(address: Any, settings: dict[str, Any], live: Any, options: dict[str, Any]) -> int | None:
    """A live request (-o -): the pipe's text goes up as it comes, the audio comes down as it
    is made; None when the server does not answer after all."""
    from kokoro_cli.inputs import read_pieces, with_flushes
    from kokoro_cli.serve import client

    (fd, where), flush_after = live
    pieces = lambda: with_flushes(read_pieces(fd, where), flush_after)  # noqa: E731
    response = client.request_live(address, settings, pieces)
    if response is None:
        return None
    frames = client.read_raw_frames(response)
    try:
        _frames_to_stdout(frames)
    except BaseException as exc:
        failed = client.live_error(response)
        if failed is not None and isinstance(exc, (OSError, client.KokoroError)):
            raise failed from None  # the input's own error (not UTF-8...) comes first
        raise
    finally:
        response.close()
    failed = client.live_error(response)
    if failed is not None:
        raise failed
    return 0


def _frames_to_stdout(frames: Any) -> None:
    out = sys.stdout.buffer
    try:
        for _, payload in frames:
            out.write(payload)
            out.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        sys.exit(128 + signal.SIGPIPE)


def _to_stdout(response: Any) -> None:
    out = sys.stdout.buffer
    try:
        while block := response.read1(BLOCK):
            out.write(block)
            out.flush()
    except BrokenPipeError:
        # The reader left (| head): quiet, as the full CLI is. Silence the final flush too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        sys.exit(128 + signal.SIGPIPE)
    except OSError as exc:
        from kokoro_cli.errors import KokoroError

        raise KokoroError(
            f"the server closed the connection mid-stream ({exc}); see its log, or use --no-server"
        ) from None
    finally:
        response.close()


def _to_file(response: Any, target: Path) -> None:
    """Copy the finished file into a temporary beside `target`, then rename it over."""
    import http.client

    from kokoro_cli.atomic import temp_path
    from kokoro_cli.errors import KokoroError

    tmp = temp_path(target)
    try:
        with tmp.open("wb") as out:
            while block := response.read(BLOCK):
                out.write(block)
        os.replace(tmp, target)
    except (http.client.HTTPException, ConnectionError) as exc:
        raise KokoroError(
            f"the server closed the connection mid-file ({type(exc).__name__}); "
            "see its log, or use --no-server"
        ) from None
    except OSError as exc:
        raise KokoroError(
            f"cannot write {target}: {exc.strerror or exc}; check the folder"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
        response.close()


def _terminate(signum: int, frame: object) -> None:
    # As in the full CLI: SIGTERM unwinds like Ctrl-C, so the temporary is removed.
    raise SystemExit(128 + signum)
