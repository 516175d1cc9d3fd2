"""The terminal chat: what a person types, what they read, and how they leave."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

from skill.alexa import build_skill
from skill.cli.chat import run_chat
from skill.config import SkillConfig
from skill.device.conversation import Conversation, in_process
from skill.persistence.sqlite_adapter import SqliteAdapter


def chat(tmp_path: Path, lines: list[str]) -> str:
    talk = Conversation(in_process(build_skill(SqliteAdapter(tmp_path / "db.sqlite3"), SkillConfig(seed=1))))
    out = StringIO()
    assert run_chat(talk, StringIO("".join(f"{line}\n" for line in lines)), out) == 0
    return out.getvalue()


@pytest.mark.parametrize("word", ["quit", "exit", "Quit", ":q"])
def test_quit_and_exit_leave_and_the_prompt_says_so(tmp_path: Path, word: str) -> None:
    out = chat(tmp_path, [word, "how hard should i press"])
    assert "quit or exit leaves" in out
    assert out.count("alexa> ") == 1  # only the launch: nothing after quitting is answered


def test_after_goodbye_any_input_opens_the_skill_again_with_a_welcome(tmp_path: Path) -> None:
    out = chat(tmp_path, ["stop", "how hard should i press"])
    after = out.split("(session ended")[1]
    assert "Welcome" in after or "Hi again" in after or "welcome" in after.lower()
    assert after.count("alexa> ") == 2  # the welcome, then the answer to what was typed


@pytest.mark.parametrize("greeting", ["hello", "Hi there!", "good morning"])
def test_a_greeting_after_goodbye_only_opens_the_skill(tmp_path: Path, greeting: str) -> None:
    after = chat(tmp_path, ["stop", greeting]).split("(session ended")[1]
    assert after.count("alexa> ") == 1  # the welcome answers the greeting; no "that's outside what I know"
    assert "outside what i know" not in after.lower()
