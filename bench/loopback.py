"""One keep-alive HTTP connection to a server on 127.0.0.1, shared by the web benchmarks."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable


class Loopback:
    """POSTs to ``/alexa`` on one connection, reopened when the server closes it or it breaks
    (werkzeug speaks HTTP/1.0 and closes after each reply)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = self._open()

    def _open(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def post(self, body: bytes) -> tuple[int, bytes, float]:
        """(status, body, seconds); a broken connection raises after it has been reopened."""
        started = time.perf_counter()
        try:
            self.conn.request("POST", "/alexa", body=body, headers={"Content-Type": "application/json"})
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = self._open()
            raise
        elapsed = time.perf_counter() - started
        if response.getheader("Connection", "").lower() == "close" or response.version == 10:
            self.conn.close()
            self.conn = self._open()
        return response.status, data, elapsed


def run_clients(work: Callable[[], None], clients: int) -> float:
    """Run ``work`` on ``clients`` threads at once; the wall-clock seconds until all have finished."""
    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
