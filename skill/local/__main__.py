"""Command line for running the skill on a laptop: ``python -m skill.local <command>``.

Commands: chat (terminal conversation). Later issues add serve, say, render and listen.
"""

from __future__ import annotations

import argparse
import logging
import sys

from skill.config import SkillConfig, db_path_from_env


def _conversation(args: argparse.Namespace):
    from skill.alexa import build_skill
    from skill.local.conversation import Conversation, in_process
    from skill.persistence import SqliteAdapter

    skill = build_skill(SqliteAdapter(db_path_from_env()), SkillConfig.from_env())
    return Conversation(in_process(skill), locale=args.locale)


def cmd_chat(args: argparse.Namespace) -> int:
    from skill.local.chat import run_chat

    return run_chat(_conversation(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m skill.local", description="Run Neck Relief Coach locally.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests (never their text)")
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="talk to the skill in the terminal")
    chat.add_argument("--locale", default="en-US")
    chat.set_defaults(func=cmd_chat)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
