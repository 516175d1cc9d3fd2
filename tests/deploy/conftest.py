"""A real DynamoDB-compatible server for the persistence tests: dynalite on a free loopback port.

dynalite comes from the root package.json (``npm ci``); without it these tests skip and say why.
Each test gets its own server and data folder; the server can be stopped, killed and started again
on the same port and folder, which is how the tests take the store away and bring it back.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DYNALITE_CLI = Path(os.environ.get("NRC_DYNALITE_CLI") or ROOT / "node_modules" / "dynalite" / "cli.js")
START_TIMEOUT_SECONDS = 15.0
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dynalite:
    """One dynalite server; ``stop``/``kill`` and ``start`` again keep the port and the data folder.
    Without a data folder it keeps everything in memory, so a restart loses every table."""

    def __init__(self, node: str, data_dir: Path | None, create_table_ms: int = 0) -> None:
        self.node = node
        self.data_dir = data_dir
        self.port = free_port()
        self.create_table_ms = create_table_ms
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [self.node, str(DYNALITE_CLI), "--host", "127.0.0.1", "--port", str(self.port),
                   "--createTableMs", str(self.create_table_ms)]
        if self.data_dir is not None:
            command += ["--path", str(self.data_dir)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        """Poll the port until it accepts a connection; waiting on the process doubles as the pause
        between attempts and notices at once if dynalite died."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                pass
            try:
                self.process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
            raise RuntimeError(f"dynalite exited with {self.process.returncode}: {stderr}")
        self.stop()
        raise RuntimeError(f"dynalite did not listen on port {self.port} within {START_TIMEOUT_SECONDS:.0f} s")

    def kill(self) -> None:
        """Take the store away abruptly, as a crash or a network cut would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and no instance-metadata lookups: nothing may reach real AWS."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture
def dynalite_factory(tmp_path: Path, aws_env: None) -> Iterator[Callable[..., Dynalite]]:
    """Start dynalite servers for one test (stopped at teardown, whatever happened)."""
    if not DYNALITE_CLI.is_file():
        pytest.skip(f"dynalite is not installed ({DYNALITE_CLI} missing): run `npm ci` in the repository root")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH; dynalite needs Node 20")
    started: list[Dynalite] = []

    def make(create_table_ms: int = 0, in_memory: bool = False) -> Dynalite:
        server = Dynalite(node, None if in_memory else tmp_path / f"dynalite-{len(started)}", create_table_ms)
        started.append(server)
        server.start()
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def dynalite(dynalite_factory: Callable[..., Dynalite]) -> Dynalite:
    return dynalite_factory()
