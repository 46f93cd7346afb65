"""The loop of the clock processes: call a tick every few seconds until SIGTERM or Ctrl-C."""

import signal
import threading
from collections.abc import Callable
from types import FrameType


def run_every(every: float, tick: Callable[[], None]) -> None:
    """Call `tick` now and then every `every` seconds; return on SIGTERM or Ctrl-C, with the
    SIGTERM handler that was there before put back."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stop.is_set():
            tick()
            stop.wait(every)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
