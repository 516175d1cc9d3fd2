"""A hard time limit on a blocking call, for the two places a request waits on the outside world.

Socket timeouts alone do not bound a call: a DNS lookup ignores them, and a client that retries
multiplies them. So the store and the certificate download run on a small pool of worker threads
and the request waits at most ``seconds``; a late call is abandoned (cancelled if it has not
started) and reported as :class:`DeadlineExceeded`, which callers treat exactly like a failure.
The pool is bounded, so a store that hangs ties up a few threads, never one per request.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    """The call did not finish in time; whatever it was doing may still finish in the background."""


class Deadline:
    """Runs calls on up to ``workers`` threads and waits for each at most ``seconds``."""

    def __init__(self, seconds: float, name: str, workers: int = 8) -> None:
        self.seconds = seconds
        self._name = name
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    def call(self, function: Callable[[], T]) -> T:
        """``function()``'s result or exception, or :class:`DeadlineExceeded` after ``seconds``."""
        future = self._pool.submit(function)
        try:
            return future.result(timeout=self.seconds)
        except FutureTimeout as error:
            if future.done():  # the call itself raised a TimeoutError (a socket timeout): pass it on
                raise
            future.cancel()  # still queued behind hung calls: it must not run late
            raise DeadlineExceeded(f"{self._name} took longer than {self.seconds:.1f} s") from error
