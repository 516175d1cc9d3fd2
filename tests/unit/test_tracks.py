"""The long-form track contract: tokens, manifest round trip and timeline arithmetic."""

from __future__ import annotations

import json

import pytest

from skill.errors import ContentError
from skill.routine.tracks import Catalog, Track, load_catalog, parse_token

TRACK = Track("en-US", "quick", "normal", 100_000, (0, 20_000, 55_000))


def test_token_round_trip_names_the_track() -> None:
    assert parse_token(TRACK.token) == ("en-US", "quick", "normal")
    assert Catalog({("en-US", "quick", "normal"): TRACK}).by_token(TRACK.token) is TRACK


@pytest.mark.parametrize("token", [None, "", "nrc-heard-last-response", "nrc-track:en-US:quick:brisk",
                                   "other:en-US:quick:normal", "nrc-track:en-US:quick"])
def test_foreign_tokens_name_no_track(token: str | None) -> None:
    assert parse_token(token) is None


@pytest.mark.parametrize(("offset", "step"), [(-5, 0), (0, 0), (19_999, 0), (20_000, 1), (54_999, 1),
                                              (55_000, 2), (99_999, 2), (250_000, 2)])
def test_step_at_places_offsets_on_the_timeline(offset: int, step: int) -> None:
    assert TRACK.step_at(offset) == step


def test_fraction_within_a_step_survives_a_pace_change() -> None:
    slower = Track("en-US", "quick", "slower", 125_000, (0, 25_000, 68_750))
    fraction = TRACK.into_step(37_500)  # half way through step 2 (20 s to 55 s)
    assert fraction == pytest.approx(0.5)
    assert slower.at_fraction(TRACK.step_at(37_500), fraction) == 46_875
    assert TRACK.start_of(3) == TRACK.duration_ms == TRACK.end_of(2)
    assert TRACK.remaining_ms(90_000) == 10_000


@pytest.mark.parametrize("steps", [(), (5, 10), (0, 10, 10), (0, 200_000)])
def test_bad_timelines_are_refused(steps: tuple[int, ...]) -> None:
    with pytest.raises(ContentError):
        Track("en-US", "quick", "normal", 100_000, steps)


def test_manifest_round_trip_and_missing_or_damaged_files(tmp_path) -> None:
    catalog = Catalog({("en-US", "quick", "normal"): TRACK}, engine="test")
    path = catalog.write(tmp_path)
    assert load_catalog(tmp_path) == load_catalog(path) == catalog
    assert load_catalog(tmp_path / "nowhere").tracks == {}
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ContentError):
        load_catalog(path)
    path.write_text(json.dumps({"version": 99}), encoding="utf-8")
    with pytest.raises(ContentError):
        load_catalog(path)


def test_a_local_wav_track_keeps_its_suffix_through_the_manifest(tmp_path) -> None:
    wav = Track("en-US", "quick", "normal", 100_000, (0, 20_000), suffix=".wav")
    assert wav.file_name == "en-US/quick-normal.wav"
    assert wav.url("http://127.0.0.1:5000/tracks/") == "http://127.0.0.1:5000/tracks/en-US/quick-normal.wav"
    assert "suffix" not in TRACK.to_dict()  # manifests written before the field read as MP3
    assert load_catalog(Catalog({("en-US", "quick", "normal"): wav}).write(tmp_path)).get(
        "en-US", "quick", "normal") == wav
    with pytest.raises(ContentError):
        Track("en-US", "quick", "normal", 100_000, (0,), suffix=".exe")
