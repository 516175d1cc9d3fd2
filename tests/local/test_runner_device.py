"""``chat --voice`` as an AudioPlayer device: the real skill streams a routine track, the runner plays
it (fake streams with a position the test sets), tells the skill where it is, and reports events."""

from __future__ import annotations

import threading
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from skill.alexa import build_skill
from skill.cli.runner import Runner
from skill.config import SkillConfig
from skill.device.conversation import Conversation, in_process
from skill.persistence import SqliteAdapter
from skill.routine.tracks import MANIFEST_NAME, load_catalog
from skill.voice import audio
from skill.voice.trackplayer import LOCAL_BASE_URL, FilePlayback, resolver
from skill.voice.tracks import Renderer
from tests.local.test_audio_device import FakeVoice, stored_profile
from tests.local.test_speaker import FakeSpeaker

TOKEN = "nrc-track:en-US:quick:normal"


class FakeStream:
    """A track "playing": the test moves its position and finishes it."""

    def __init__(self, path: Path, offset: float, on_done: Any) -> None:
        self.path, self.offset, self.position = path, offset, offset
        self.completed = self.stopped = False
        self._on_done = on_done
        self._done = threading.Event()

    def stop(self) -> None:
        if not self._done.is_set():
            self.stopped = True
            self._done.set()
            self._on_done(self)

    def finish(self) -> None:
        self.completed = True
        self._done.set()
        self._on_done(self)

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


@pytest.fixture
def device(tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "tracks"
    Renderer(folder, FakeVoice()).render_all("en-US", routines=["quick"], paces=["normal"])
    db = tmp_path / "skill.sqlite3"
    skill = build_skill(SqliteAdapter(db), SkillConfig(seed=3, audio_base_url=LOCAL_BASE_URL,
                                                       catalog=load_catalog(folder / MANIFEST_NAME)))
    talk = Conversation(in_process(skill))
    sent: list[dict[str, Any]] = []
    send = talk.send
    talk.send = lambda body: sent.append(body) or send(body)
    streams: list[FakeStream] = []
    speaker = FakeSpeaker()
    out = StringIO()

    def start(path: Path, offset: float, done: Any) -> FakeStream:
        streams.append(FakeStream(path, offset, done))
        return streams[-1]

    runner = Runner(talk, speaker, out, tracks=folder, start_stream=start)
    return {"runner": runner, "speaker": speaker, "streams": streams, "sent": sent, "db": db, "out": out,
            "folder": folder}


def speak(d: dict[str, Any], text: str) -> dict[str, Any]:
    """Type ``text`` and let its answer be spoken to the end; returns the response."""
    exchange = d["runner"].say(text)
    d["speaker"].playbacks[-1].finish()
    return exchange.response


def test_a_routine_streams_as_one_track_and_pause_resume_use_its_real_position(device: dict[str, Any]) -> None:
    runner, streams, sent = device["runner"], device["streams"], device["sent"]
    runner.launch()
    device["speaker"].playbacks[-1].finish()
    speak(device, "start the quick routine")
    play = speak(device, "no")["response"]["directives"][0]
    assert play["audioItem"]["stream"]["token"] == TOKEN
    assert streams[0].path == device["folder"] / "en-US" / "quick-normal.wav" and streams[0].offset == 0
    assert "playing the quick routine track from 0:00" in device["out"].getvalue()
    assert [b["request"]["type"] for b in sent[-2:]] == ["AudioPlayer.PlaybackStarted",
                                                         "AudioPlayer.PlaybackNearlyFinished"]

    streams[0].position = 70.4  # where the speaker has got to
    paused = runner.say("pause")  # speaking stops the track first, where it really was
    assert paused.request["context"]["AudioPlayer"] == {"token": TOKEN, "offsetInMilliseconds": 70_400,
                                                        "playerActivity": "STOPPED"}
    assert streams[0].stopped and sent[-2]["request"]["type"] == "AudioPlayer.PlaybackStopped"
    assert stored_profile(device["db"]).place.offset_ms == 70_400
    device["speaker"].playbacks[-1].finish()
    assert len(streams) == 1  # paused: nothing starts by itself

    speak(device, "resume")
    assert streams[-1].offset == pytest.approx(70.4) and len(streams) == 2
    streams[-1].finish()  # to the end, with no "continue" typed
    assert sent[-1]["request"]["type"] == "AudioPlayer.PlaybackFinished"
    assert stored_profile(device["db"]).completed == {"quick": 1}
    assert runner.wait_idle(0)


def test_typing_over_the_track_stops_it_first_and_the_reply_decides_what_plays(device: dict[str, Any]) -> None:
    runner, streams, sent = device["runner"], device["streams"], device["sent"]
    runner.launch()
    device["speaker"].playbacks[-1].finish()
    speak(device, "start the quick routine")
    speak(device, "no")
    streams[0].position = 30.0
    progress = speak(device, "how much longer")  # the skill answers and hands the track back at its offset
    asked = next(b for b in reversed(sent) if b["request"]["type"] == "IntentRequest")
    stopped = sent[sent.index(asked) - 1]
    assert stopped["request"] == {**stopped["request"], "type": "AudioPlayer.PlaybackStopped",
                                  "offsetInMilliseconds": 30_000}  # reported before the question went out
    assert asked["context"]["AudioPlayer"]["playerActivity"] == "STOPPED"
    assert progress["response"]["directives"][0]["audioItem"]["stream"]["offsetInMilliseconds"] == 30_000
    assert streams[0].stopped and len(streams) == 2 and streams[1].offset == pytest.approx(30.0)
    streams[1].position = 41.0
    answer = speak(device, "should I use heat or ice")  # an answer with no directive: the track stays stopped
    assert "directives" not in answer["response"] and len(streams) == 2
    assert runner.device.state() == {"token": TOKEN, "offsetInMilliseconds": 41_000, "playerActivity": "STOPPED"}
    speak(device, "resume")
    assert len(streams) == 3 and streams[2].offset == pytest.approx(41.0)


def test_a_stream_url_is_a_file_in_the_folder_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "en-US").mkdir()
    wav = audio.write_wav(tmp_path / "en-US" / "quick-normal.wav", audio.silence(0.1))
    resolve = resolver(tmp_path)
    assert resolve(f"{LOCAL_BASE_URL}/en-US/quick-normal.wav") == wav.resolve()
    assert resolve(f"{LOCAL_BASE_URL}/en-US/full-normal.wav") is None
    assert resolve(f"{LOCAL_BASE_URL}/../etc/passwd") is None
    assert resolve("https://example.com/en-US/quick-normal.wav") is None


def test_a_file_playback_knows_its_position_and_freezes_it_when_stopped(tmp_path: Path) -> None:
    wav = audio.write_wav(tmp_path / "t.wav", audio.silence(60.0))
    now = [100.0]
    ended: list[Any] = []
    playback = FilePlayback(wav, 12.0, ended.append, player=None, clock=lambda: now[0])
    now[0] = 103.5
    assert playback.position == pytest.approx(15.5)
    playback.stop()
    assert playback.wait(5) and ended == [playback] and not playback.completed
    now[0] = 200.0
    assert playback.position == pytest.approx(15.5)
