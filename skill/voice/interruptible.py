"""What every local playback thread shares: it can be cut off at any moment and waited for.

The spoken answers (``speaker.Playback``) and the routine tracks of ``chat --voice``
(``trackplayer.FilePlayback``) both play through an external player process on their own thread; a
stop must end the sound playing now and keep anything later from starting, with no race between the
stop and a process being started.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from typing import IO


class Interruptible:
    """A stop flag, an end flag and the player process now running, guarded together."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        """Stop now: the current sound is cut off and no later one starts."""
        self._stop.set()
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                self._process.terminate()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until playback ends (finished, stopped or failed); ``False`` if ``timeout`` passed first."""
        return self._done.wait(timeout)

    def _launch(self, command: list[str], *, stderr: int | IO[bytes] = subprocess.DEVNULL,
                on_start: Callable[[], None] | None = None) -> subprocess.Popen[bytes] | None:
        """Start ``command`` unless a stop came first (then ``None``). Under the lock, so a stop either
        comes before the process starts or terminates it; ``on_start`` runs just before it starts."""
        with self._lock:
            if self._stop.is_set():
                return None
            if on_start is not None:
                on_start()
            self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
            return self._process
