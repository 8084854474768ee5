"""book.py without the model: the subtitle cues it keeps on disk while a book renders."""

from __future__ import annotations

from pathlib import Path

from kokoro_cli.audio.sinks import Cue, render_subtitles
from kokoro_cli.audio.timing import CueSpool


def test_cues_spooled_to_disk_come_back_exactly(tmp_path: Path) -> None:
    """A book's cues wait in a temporary file, not in memory: the same cues, the same files."""
    cues = [
        Cue(0.0104, 1 / 3, "Anna’s", 0, 6, chapter=1),
        Cue(2 / 3, 3661.0005, "Two\nlines", 7, 16, caption="Two lines", chapter=2),
        Cue(5.0, 6.5, "plain"),
    ]
    timings = CueSpool(by_word=True)
    for cue in cues:
        timings.add(cue)
    assert list(timings.cues()) == cues
    for kind in ("srt", "vtt", "json"):
        timings.write(tmp_path / f"cues.{kind}", kind)
        assert (tmp_path / f"cues.{kind}").read_text("utf-8") == render_subtitles(cues, kind)
    timings.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cues.json", "cues.srt", "cues.vtt"]
