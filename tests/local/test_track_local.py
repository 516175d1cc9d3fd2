"""The track build with the laptop's voice: ``python -m skill.tools.tracks --engine local``.

The same renderer as on AWS, with pyttsx3 (espeak-ng) as the engine: the manifest's step starts
are where the audio has them, and every planned silence is in the MP3's source audio exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.content import load
from skill.routine.compose import Style
from skill.routine.tracks import load_catalog
from skill.speech.estimate import estimate_seconds
from skill.tools import tracks


@pytest.mark.audio
def test_the_local_engine_builds_a_track_and_manifest_close_to_the_plan(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--engine", "local", "--locale", "en-US", "--routine", "quick", "--pace", "normal", "--out", str(tmp_path)]
    assert tracks.main(argv) == 0
    assert "1 track and" in capsys.readouterr().out
    catalog = load_catalog(tmp_path)
    [track] = catalog.tracks.values()
    assert catalog.engine.startswith("pyttsx3:")
    plan = load("en-US").composer("quick").whole(Style("normal"))
    assert track.duration_ms / 1000 == pytest.approx(estimate_seconds(plan), rel=0.05)
    mp3 = (tmp_path / track.file_name).read_bytes()
    assert tracks.mp3_info(mp3).seconds == pytest.approx(track.duration_ms / 1000, abs=0.1)
    assert track.steps[0] == 0 and len(track.steps) == len(load("en-US").routines["quick"].steps)
