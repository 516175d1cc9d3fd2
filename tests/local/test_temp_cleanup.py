"""Temporary audio folders are removed when the program ends: normally, by Ctrl-C, by ``kill``, or on an error.

Each case runs the real command line (``python -m skill.local ...``) in a child process whose
``TMPDIR`` is a fresh folder, with no sound card (so spoken audio is written to a temporary
folder), and checks that the folder really held audio while the program ran and is empty after.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from skill.speech.plan import Plan
from skill.voice.speaker import Speaker

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120

# The program as ``python -m skill.local`` runs it, with the sound card detection answering "none".
# With FAIL_WRITES set, writing a WAV lists the temporary folder on stderr and then fails.
DRIVER = """
import os, runpy, sys
from skill.voice import audio, speaker
speaker.sound_card_available = lambda cards=None: False
if os.environ.get("FAIL_WRITES"):
    def broken(path, samples, rate=audio.SAMPLE_RATE):
        print("in tmp:", sorted(os.listdir(os.environ["TMPDIR"])), file=sys.stderr, flush=True)
        raise OSError("disk full")
    audio.write_wav = broken
sys.argv = ["skill.local", *sys.argv[1:]]
runpy.run_module("skill.local", run_name="__main__", alter_sys=True)
"""


def launch(tmp_path: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    folder = tmp_path / "tmp"
    folder.mkdir()
    environment = {**os.environ, "TMPDIR": str(folder), "NRC_DB_PATH": str(tmp_path / "db.sqlite3"), **env}
    return subprocess.Popen([sys.executable, "-c", DRIVER, *args], cwd=ROOT, env=environment, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_ctrl_c_as_at_a_terminal)


def _ctrl_c_as_at_a_terminal() -> None:
    """The child starts with Ctrl-C's default disposition, as a program run at a terminal does. A suite
    started in the background by a shell without job control inherits SIGINT ignored, and Python then
    never turns Ctrl-C into KeyboardInterrupt: the Ctrl-C case would test the shell, not the program."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def audio_folder_announced(process: subprocess.Popen[str]) -> tuple[Path, str]:
    """Read the child's log until it names the folder it writes audio to (the folder exists by then)."""
    assert process.stderr is not None
    for line in process.stderr:
        if "No sound card found: writing audio to " in line:
            return Path(line.split("writing audio to ", 1)[1].split(" (", 1)[0].strip()), line
    raise AssertionError(f"the program ended without writing audio: {process.wait(TIMEOUT)}")


def leftovers(tmp_path: Path) -> list[str]:
    return sorted(os.listdir(tmp_path / "tmp"))


@pytest.mark.audio
def test_say_removes_its_audio_folder_on_a_normal_exit(tmp_path: Path) -> None:
    process = launch(tmp_path, "say", "stop")
    folder, notice = audio_folder_announced(process)
    assert folder.parent == tmp_path / "tmp" and folder.name.startswith("neck-relief-audio-")
    assert "removed on exit" in notice  # the person is told the files will not stay
    _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert leftovers(tmp_path) == []


@pytest.mark.audio
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_voice_chat_removes_its_audio_folders_when_interrupted(tmp_path: Path, sig: signal.Signals) -> None:
    process = launch(tmp_path, "chat", "--voice")
    folder, _ = audio_folder_announced(process)
    assert folder.is_dir() and len(leftovers(tmp_path)) == 2  # the audio folder and the engine's own
    process.send_signal(sig)
    # Wait with stdin still open: communicate() would close it at once, and a child on a loaded machine
    # could read that end of input (a normal exit, 0) before it handled the signal.
    process.wait(timeout=TIMEOUT)
    process.communicate(timeout=TIMEOUT)
    assert process.returncode == (130 if sig == signal.SIGINT else 128 + signal.SIGTERM)
    assert leftovers(tmp_path) == []


@pytest.mark.audio
@pytest.mark.parametrize("wav", [False, True], ids=["while-playing", "uncaught"])
def test_an_error_still_removes_the_audio_folders(tmp_path: Path, wav: bool) -> None:
    """A write failing while playing is reported (exit 1); with --wav it is uncaught (a traceback)."""
    process = launch(tmp_path, "say", "stop", *(["--wav", str(tmp_path / "a.wav")] if wav else []),
                     FAIL_WRITES="1")
    _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 1 and ("OSError: disk full" if wav else "error: disk full") in err
    listed = next(line for line in err.splitlines() if line.startswith("in tmp:"))
    assert "nrc-tts-" in listed and (wav or "neck-relief-audio-" in listed)  # they existed when it failed
    assert leftovers(tmp_path) == []


@pytest.mark.audio
def test_closing_a_speaker_removes_its_temporary_folder_but_not_a_named_one(tmp_path: Path) -> None:
    named = tmp_path / "keep"
    with Speaker(sound_card=lambda: False, realtime=False) as temporary, \
            Speaker(sound_card=lambda: False, realtime=False, output_dir=named) as kept:
        for speaker in (temporary, kept):
            assert speaker.play(Plan.of("Hello.")).wait(TIMEOUT)
        folder = temporary.output_dir
        assert any(folder.iterdir()) and any(named.iterdir())
    assert not folder.exists() and any(named.iterdir())
