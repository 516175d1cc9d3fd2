"""Command line for running the skill on a laptop: ``python -m skill.local <command>``.

Commands: chat (terminal conversation; --voice speaks and runs routines on by themselves), serve
(Alexa endpoint and web simulator), say (one turn, spoken or written to a WAV), render (a whole
routine to one WAV and a timeline), tracks (every routine and pace as long-form tracks for the
local AudioPlayer devices), listen (one turn spoken in a WAV file).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from skill.config import SkillConfig
from skill.content import ROUTINE_IDS
from skill.speech.plan import DEFAULT_PACE, PACE_ORDER


def _conversation(args: argparse.Namespace, env: dict[str, str] | None = None):
    from skill.alexa import build_skill
    from skill.device.conversation import Conversation, in_process
    from skill.persistence.factory import local_adapter_from_env

    skill = build_skill(local_adapter_from_env(), SkillConfig.from_env(env))
    return Conversation(in_process(skill), locale=args.locale)


def cmd_chat(args: argparse.Namespace) -> int:
    import os

    from skill.cli.chat import run_chat

    if not args.voice:
        return run_chat(_conversation(args))
    from skill.routine.tracks import MANIFEST_NAME
    from skill.voice.render import progress_bar
    from skill.voice.speaker import Speaker
    from skill.voice.trackplayer import LOCAL_BASE_URL
    from skill.voice.tracks import Renderer, tracks_dir_from_env

    folder = tracks_dir_from_env()
    with Speaker(output_dir=args.audio_dir) as speaker:
        # An AudioPlayer device: routines stream as one track, rendered here first (only what changed).
        Renderer(folder, speaker.as_voice).render_all(args.locale, progress=progress_bar(unit="tracks"))
        env = {**os.environ, "NRC_AUDIO_BASE_URL": LOCAL_BASE_URL, "NRC_TRACKS_MANIFEST": str(folder / MANIFEST_NAME)}
        return run_chat(_conversation(args, env), speaker=speaker, tracks=folder)


def cmd_say(args: argparse.Namespace) -> int:
    from skill.speech.parse import plan_from_response
    from skill.voice.speaker import Speaker

    exchange = _conversation(args).say(args.text)
    print(f"alexa> {exchange.transcript}")
    plan = plan_from_response(exchange.response)
    if not plan:
        return 0
    with Speaker(output_dir=args.audio_dir) as speaker:
        if args.wav:
            print(f"wrote {speaker.render_wav(plan, args.wav)}")
        else:
            print("(speaking... add --wav FILE to write it to a file instead)", flush=True)
            playback = speaker.play(plan)
            playback.wait()
            if playback.error:
                print(f"error: {playback.error}", file=sys.stderr)
                return 1
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    import json

    from skill.voice.render import render_routine
    from skill.voice.speaker import Speaker

    with Speaker() as speaker:
        summary = render_routine(args.routine, args.pace, args.wav, args.timeline, locale=args.locale,
                                 progress=not args.quiet, speaker=speaker)
    print(json.dumps(summary, indent=1))
    return 0


def cmd_tracks(args: argparse.Namespace) -> int:
    from pathlib import Path

    from skill.voice.render import progress_bar
    from skill.voice.speaker import Speaker
    from skill.voice.tracks import Renderer, tracks_dir_from_env

    folder = Path(args.dir).expanduser() if args.dir else tracks_dir_from_env()
    with Speaker() as speaker:
        renderer = Renderer(folder, speaker.as_voice)
        catalog = renderer.render_all(args.locale, args.routine or (), args.pace or (),
                                      progress=None if args.quiet else progress_bar(unit="tracks"))
    for track in sorted(catalog.tracks.values(), key=lambda t: t.token):
        print(f"{folder / track.file_name}  {track.duration_ms / 1000:7.1f} s  steps at "
              + ", ".join(f"{start / 1000:.1f}" for start in track.steps))
    return 0


def cmd_listen(args: argparse.Namespace) -> int:
    from skill.cli.listen import run_listen

    return run_listen(args.wav, lambda: _conversation(args), locale=args.locale)


def cmd_serve(args: argparse.Namespace) -> int:
    from skill.web.server import run

    return run(args.host, args.port, verify=False if args.no_verify else None, alexa_only=args.alexa_only)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m skill.local", description="Run Neck Relief Coach locally.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests (never their text)")
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="talk to the skill in the terminal")
    chat.add_argument("--locale", default="en-US")
    chat.add_argument("--voice", action="store_true",
                      help="speak every answer; a routine runs on without 'continue' (type to interrupt)")
    chat.add_argument("--audio-dir", help="with no sound card, write the spoken audio here (default: a temp folder)")
    chat.set_defaults(func=cmd_chat)
    say = sub.add_parser("say", help="one turn: print the answer and speak it (or write it with --wav)")
    say.add_argument("text", help="what you would say to Alexa, e.g. 'what is occipital neuralgia'")
    say.add_argument("--wav", help="write the answer to this WAV file instead of playing it")
    say.add_argument("--locale", default="en-US")
    say.add_argument("--audio-dir", help="with no sound card, write the spoken audio here (default: a temp folder)")
    say.set_defaults(func=cmd_say)
    render = sub.add_parser("render", help="render a whole routine to one WAV with real silences")
    render.add_argument("routine", choices=ROUTINE_IDS)
    render.add_argument("--pace", choices=PACE_ORDER, default=DEFAULT_PACE)
    render.add_argument("--wav", required=True, help="the WAV file to write")
    render.add_argument("--timeline", help="also write a JSON timeline of every segment here")
    render.add_argument("--locale", default="en-US")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.set_defaults(func=cmd_render)
    tracks = sub.add_parser("tracks", help="render every routine and pace as long-form tracks for the local "
                                           "AudioPlayer devices (only what changed)")
    tracks.add_argument("--locale", default="en-US")
    tracks.add_argument("--routine", action="append", choices=ROUTINE_IDS, help="only this routine (repeatable)")
    tracks.add_argument("--pace", action="append", choices=PACE_ORDER, help="only this pace (repeatable)")
    tracks.add_argument("--dir", help="the tracks folder (default: NRC_LOCAL_TRACKS or ~/.neck-relief-coach/tracks)")
    tracks.add_argument("--quiet", action="store_true", help="no progress bar")
    tracks.set_defaults(func=cmd_tracks)
    listen = sub.add_parser("listen", help="one turn spoken in a WAV file: recognise it offline, then answer")
    listen.add_argument("wav", help="a WAV recording of one phrase, e.g. 'how much longer'")
    listen.add_argument("--locale", default="en-US")
    listen.set_defaults(func=cmd_listen)
    serve = sub.add_parser("serve", help="serve /alexa (verified) and the web simulator")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--no-verify", action="store_true",
                       help="skip Alexa request verification (local testing only; also NRC_NO_VERIFY=1)")
    serve.add_argument("--alexa-only", action="store_true", help="serve /alexa and /healthz only (deployment)")
    serve.set_defaults(func=cmd_serve)
    return parser


def _exit_on_terminate(signum: int, _frame: object) -> None:
    """SIGTERM (``kill``, a service manager) ends the program like Ctrl-C does: through ``finally`` blocks
    and exit handlers, so the temporary audio folders are removed. The default would end it on the spot."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if __name__ == "__main__":  # only as the program itself: an embedding host keeps its own handlers
        signal.signal(signal.SIGTERM, _exit_on_terminate)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
