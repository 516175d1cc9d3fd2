"""Load on /alexa behind a production WSGI server (waitress) and the development server (werkzeug).

Each server runs the real app (``create_app(alexa_only=True)``, verification off, SQLite store) in a
process of its own, so the clients here do not share its interpreter lock. Clients send a mix of
launch, a question, and a routine completion that saves progress for one shared user per row; so a
row also checks that concurrent saves for one user are not lost (the stored completion count must
equal the completions answered). Prints a markdown table: req/s and p50/p95/p99 latency.

    .venv/bin/python -m bench.load [--requests 1500] [--clients 1 10 50] [--servers waitress werkzeug]
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loopback import Loopback, run_clients  # noqa: E402
from skill.content import load  # noqa: E402
from skill.device import envelopes  # noqa: E402

WAITRESS_THREADS = 16
WARMUP_REQUESTS = 30
SERVERS = ("waitress", "werkzeug")


def serve(kind: str, db_path: str) -> None:
    """Child process: serve the app on a free loopback port and print it once listening."""
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # an access-log line per request would be measured too
    from skill.web.server import create_app

    app = create_app(verify=False, alexa_only=True, db_path=db_path, env={})
    if kind == "waitress":
        import waitress

        server: Any = waitress.create_server(app, host="127.0.0.1", port=0, threads=WAITRESS_THREADS)
        print(f"READY {server.effective_port}", flush=True)
        server.run()
    else:
        from werkzeug.serving import make_server

        server = make_server("127.0.0.1", 0, app, threaded=True)
        print(f"READY {server.server_port}", flush=True)
        server.serve_forever()


@contextmanager
def server_process(kind: str, db_path: Path) -> Iterator[int]:
    process = subprocess.Popen([sys.executable, "-m", "bench.load", "--serve", kind, str(db_path)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the child is listening
        if not line.startswith("READY "):
            raise RuntimeError(f"{kind} server did not start: {line!r}")
        yield int(line.split()[1])
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def request_mix(user: str) -> list[tuple[str, bytes]]:
    """(kind, body): a launch and a question for a client's own user, and a completion for ``user``."""
    own = envelopes.new_session()
    last = len(load("en-US").routines["quick"].steps) - 1
    shared = {**envelopes.new_session(user), "new": False,
              "attributes": {"routine": {"id": "quick", "step": last, "pace": "normal", "paused": False}}}
    asked = envelopes.intent_request("AskQuestionIntent", {"question": "how hard should i press"})
    return [
        ("launch", json.dumps(envelopes.envelope(envelopes.launch_request(), own)).encode()),
        ("question", json.dumps(envelopes.envelope(asked, {**own, "new": False})).encode()),
        ("completion", json.dumps(envelopes.envelope(envelopes.intent_request("AMAZON.ResumeIntent"),
                                                     shared)).encode()),
    ]


class Client(Loopback):
    """A load client: a reply counts only as a 200 with strict JSON (no NaN)."""

    def ok(self, body: bytes) -> bool:
        try:
            status, data, _ = self.post(body)
        except (OSError, http.client.HTTPException):
            return False
        try:
            json.loads(data, parse_constant=_refuse)
        except ValueError:
            return False
        return status == 200


def _refuse(name: str) -> Any:
    raise ValueError(name)


def measure(port: int, clients: int, requests: int, user: str) -> dict[str, Any]:
    mix = request_mix(user)
    warm = Client(port)
    for i in range(WARMUP_REQUESTS):
        warm.ok(mix[i % 2][1])  # launches and questions only: the completion count stays exact
    latencies: list[float] = []
    errors = completions = 0
    lock = threading.Lock()
    counter = iter(range(requests))

    def work() -> None:
        nonlocal errors, completions
        client = Client(port)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            kind, body = mix[index % len(mix)]
            started = time.perf_counter()
            ok = client.ok(body)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += not ok
                completions += ok and kind == "completion"

    wall = run_clients(work, clients)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"requests": len(latencies), "seconds": wall, "rps": len(latencies) / wall, "errors": errors,
            "completions": completions, "p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000}


def stored_completions(db_path: Path, user: str) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT attributes FROM attributes WHERE id = ?", (user,)).fetchone()
    return int(json.loads(row[0]).get("completed", {}).get("quick", 0)) if row else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="requests per row (default 1500)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50], help="concurrent clients per row")
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(*args.serve)
        return 0

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.servers:
            db_path = Path(folder) / f"{kind}.sqlite3"
            with server_process(kind, db_path) as port:
                for clients in args.clients:
                    user = f"amzn1.ask.account.BENCH-{kind}-{clients}"
                    result = measure(port, clients, args.requests, user)
                    result["lost"] = result["completions"] - stored_completions(db_path, user)
                    rows.append((kind, clients, result))

    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}; /alexa on 127.0.0.1, "
          f"verification off, SQLite; mix: launch, question, routine completion (saves, one shared user per row); "
          f"waitress with {WAITRESS_THREADS} threads, werkzeug threaded\n")
    print("| server | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors | lost saves |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, clients, r in rows:
        print(f"| {kind} | {clients} | {r['requests']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['p99']:.1f} | {r['errors']} | {r['lost']} |")
    return 0 if all(r["errors"] == 0 and r["lost"] == 0 for _, _, r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
