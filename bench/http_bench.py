"""Requests per second on /alexa over loopback: the real skill and shim against a hello-world baseline.

Both apps run in this process on threaded werkzeug servers, in the same run, with the same request
mix (a launch, then a question, alternating) and verification off, so the difference is the skill's
own work: content, ranking, SSML, persistence. The baseline is the smallest honest Flask host for an
ask-sdk-core skill: one handler answering "hello world" to launches and intents alike.
Bounded in requests and in seconds per row. Prints a markdown table.

    .venv/bin/python bench/http_bench.py [--requests 2000] [--seconds 20] [--clients 1 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import RequestEnvelope, Response
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loopback import Loopback, run_clients
from skill.device import envelopes
from skill.web.server import create_app

WARMUP_REQUESTS = 20


class HelloWorldHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input) or is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak("Hello world").ask("Hello?").response


def baseline_app() -> Flask:
    """A minimal Flask host: parse, invoke, serialise, like the shim's /alexa but with a one-handler skill."""
    sb = SkillBuilder()
    sb.add_request_handler(HelloWorldHandler())
    skill = sb.create()
    app = Flask("baseline")

    @app.post("/alexa")
    def alexa():  # type: ignore[no-untyped-def]
        envelope = skill.serializer.deserialize(payload=request.get_data(as_text=True), obj_type=RequestEnvelope)
        return jsonify(skill.serializer.serialize(skill.invoke(request_envelope=envelope, context=None)))

    return app


def request_mix() -> list[bytes]:
    """A launch and a question in one session, as bodies ready to send (building them is not measured)."""
    session = envelopes.new_session()
    launch = envelopes.envelope(envelopes.launch_request(), session)
    asked = envelopes.intent_request("AskQuestionIntent", {"question": "how hard should i press"})
    question = envelopes.envelope(asked, {**session, "new": False})
    return [json.dumps(launch).encode(), json.dumps(question).encode()]


@contextmanager
def serving(app: Flask) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)


class Client(Loopback):
    """A timing client: one retry on a dropped connection, and only a spoken 200 counts."""

    def timed(self, body: bytes) -> float:
        for attempt in range(2):
            try:
                status, data, elapsed = self.post(body)
            except (ConnectionError, http.client.HTTPException):
                if attempt:
                    raise
                continue
            if status != 200 or b'"outputSpeech"' not in data:
                raise RuntimeError(f"bad reply {status}: {data[:200]!r}")
            return elapsed
        raise AssertionError("unreachable")


def measure(port: int, bodies: list[bytes], clients: int, requests: int, seconds: float) -> dict[str, float]:
    """Send up to ``requests`` in total (stopping after ``seconds``) from ``clients`` threads."""
    warm = Client(port)
    for i in range(WARMUP_REQUESTS):
        warm.timed(bodies[i % len(bodies)])
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = iter(range(requests))

    def work() -> None:
        client = Client(port)
        while time.perf_counter() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            elapsed = client.timed(bodies[index % len(bodies)])
            with lock:
                latencies.append(elapsed)

    wall = run_clients(work, clients)
    ordered = sorted(latencies)
    return {"requests": len(ordered), "seconds": wall, "rps": len(ordered) / wall,
            "p50": statistics.median(ordered) * 1000, "p95": ordered[int(0.95 * (len(ordered) - 1))] * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per row (default 2000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per row (default 20)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4], help="concurrent clients per row")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request would swamp the table

    bodies = request_mix()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        apps = {
            "Neck Relief Coach (shim + skill + SQLite)": create_app(
                verify=False, alexa_only=True, db_path=Path(folder) / "bench.sqlite3", env={}),
            "hello-world baseline (Flask + ask-sdk-core)": baseline_app(),
        }
        for name, app in apps.items():
            with serving(app) as port:
                for clients in args.clients:
                    rows.append((name, clients, measure(port, bodies, clients, args.requests, args.seconds)))

    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}; "
          f"mix: launch + AskQuestionIntent alternating; verification off; werkzeug threaded server\n")
    print("| app | clients | requests | seconds | req/s | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, clients, r in rows:
        print(f"| {name} | {clients} | {r['requests']:.0f} | {r['seconds']:.2f} | {r['rps']:.0f} | "
              f"{r['p50']:.1f} | {r['p95']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
