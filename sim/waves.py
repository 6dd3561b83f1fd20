"""How the chunks are run on this machine: in waves of blocks, with progress, ETA and Ctrl-C.

A wave runs the next few blocks of every chunk (:func:`ldmstop.sim.kernels.simulate_wave`,
``prange`` over chunks) and returns to Python, so that a progress bar (terminal) or a one-line
progress log (stderr not a terminal) is updated after each wave and SIGINT is honoured between
waves. Waves are sized from the measured rate to take about :data:`WAVE_SECONDS`; the cut does
not change any number (see :mod:`ldmstop.sim.kernels`). A run predicted to take longer than
:data:`ANNOUNCE_SECONDS` says so, with the number of paths that would take about a minute,
right after its first wave.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
from contextlib import contextmanager

import numpy as np
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does

__all__ = ["WAVE_SECONDS", "ANNOUNCE_SECONDS", "Reporter", "interruptible", "run_waves"]

#: Target duration of one wave (progress updates and SIGINT checks happen between waves).
WAVE_SECONDS = 0.5
#: Runs predicted to take longer than this print their estimate before going on.
ANNOUNCE_SECONDS = 60.0
#: Show progress (auto mode) only for runs predicted to take longer than this.
PROGRESS_SECONDS = 2.0
#: Seconds between two lines of the progress log (stderr not a terminal).
LOG_EVERY = 10.0


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Reporter:
    """Progress of one run over ``total`` paths: a tqdm bar on a terminal, a line every
    :data:`LOG_EVERY` s otherwise. ``mode``: ``"auto"`` (shown only when the run is predicted to
    take more than :data:`PROGRESS_SECONDS`), ``"on"`` or ``"off"``."""

    def __init__(self, total: int, *, mode: str = "auto", label: str = "", stream=None):
        if mode not in ("auto", "on", "off"):
            raise ProblemError(f"progress mode must be auto, on or off, got {mode!r}")
        self.total, self.mode, self.label = int(total), mode, label
        self.stream = sys.stderr if stream is None else stream
        self.bar = None
        self.shown = False
        self.t0 = time.perf_counter()
        self.last_log = -math.inf
        self.announced = False
        self.first = None

    def start(self) -> None:
        """Start the clock (after compiling or loading the kernels, which is not the run's rate)."""
        self.t0 = time.perf_counter()

    def _tty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def predict(self, done: int, elapsed: float) -> float | None:
        """Predicted total seconds, from the rate since the first update (the first wave or
        task carries start-up costs); ``None`` before two updates."""
        if self.first is None:
            self.first = (done, elapsed)
            return None
        d0, e0 = self.first
        if done <= d0 or elapsed <= e0:
            return None
        return e0 + (elapsed - e0) * (self.total - d0) / (done - d0)

    def update(self, done: int) -> None:
        elapsed = time.perf_counter() - self.t0
        total_s = self.predict(done, elapsed)
        # the first waves are tiny (calibration): predict from at least a second of running
        settled = total_s is not None and (elapsed >= 1.0 or done >= 0.1 * self.total)
        if not self.announced and settled and done < self.total and total_s > ANNOUNCE_SECONDS:
            self.announced = True
            minute = max(2, int(float(f"{self.total * 60.0 / total_s:.2g}")))
            self.stream.write(f"ldmstop simulate: this run will take about {_duration(total_s)} "
                              f"({self.label}); Ctrl-C stops it; about {minute} paths take a "
                              f"minute\n")
            self.stream.flush()
        if not self.shown:
            if self.mode == "off" or (self.mode == "auto" and (not settled or total_s <= PROGRESS_SECONDS)):
                return
            self.shown = True
            if self._tty():
                from tqdm import tqdm

                self.bar = tqdm(total=self.total, desc="simulate", unit="path", unit_scale=True,
                                file=self.stream, leave=False, dynamic_ncols=True, mininterval=0.2)
        if self.bar is not None:
            self.bar.n = done
            self.bar.refresh()
        elif (elapsed - self.last_log >= LOG_EVERY and done < self.total) or (
                done >= self.total and -math.inf < self.last_log < math.inf):
            self.last_log = elapsed if done < self.total else math.inf  # the last line once
            left = max(0.0, (total_s or elapsed) - elapsed)
            self.stream.write(f"ldmstop simulate: {100.0 * done / self.total:5.1f} % ({done} of "
                              f"{self.total} paths), {_duration(elapsed)} elapsed, about "
                              f"{_duration(left)} left\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@contextmanager
def interruptible():
    """While inside, SIGINT only sets ``flag["hit"]`` (in the main thread, unless SIGINT is
    ignored; elsewhere nothing changes); the caller checks it between waves and raises ``KeyboardInterrupt``, so that no
    exception is raised inside compiled code (which ended in a ``SystemError`` traceback)."""
    flag = {"hit": False}
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        # elsewhere than the main thread nothing can be installed; a process started with
        # SIGINT ignored (nohup, a background job of a non-interactive shell) keeps it ignored
        yield flag
        return

    def handler(signum, frame):
        flag["hit"] = True

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, old)


def run_waves(states: np.ndarray, sizes: np.ndarray, nb: int, kernel_args: tuple,
              s1: np.ndarray, s2: np.ndarray, s2f: np.ndarray, reporter: Reporter,
              threads: int = 1) -> None:
    """Every block of every chunk, in waves of about :data:`WAVE_SECONDS` (in place on
    ``states``, ``s1``, ``s2``, ``s2f``); ``KeyboardInterrupt`` between waves on SIGINT.

    The work is the grid (block ``b``, chunk ``g``), taken block-row by block-row; a wave is
    either whole rows ``[b0, b1)`` of all chunks or, when one row would take longer than a
    wave, part of one row (chunks ``[g0, g1)``, at least ``threads`` of them). Each chunk still
    runs its blocks in order, so the cut changes nothing.
    """
    from .kernels import simulate_wave

    G = sizes.size
    total = int(sizes.sum())
    nblocks = int((int(sizes.max()) + nb - 1) // nb)
    threads = max(1, int(threads))

    def call(b0, b1, g0, g1):
        simulate_wave(states[g0:g1], sizes[g0:g1], nb, b0, b1, *kernel_args, s1[g0:g1],
                      s2[g0:g1], s2f[g0:g1])

    call(0, 0, 0, G)  # compile or load the kernel before timing anything (an empty wave)
    reporter.start()
    b, g, width = 0, 0, min(G, threads)  # position in the (block, chunk) grid; units per wave
    with interruptible() as flag:
        while b < nblocks:
            t = time.perf_counter()
            if g == 0 and width >= G:
                rows = min(nblocks - b, width // G)
                call(b, b + rows, 0, G)
                units, b = rows * G, b + rows
            else:
                g1 = min(G, g + max(threads, width - width % threads))
                call(b, b + 1, g, g1)
                units, g = g1 - g, g1
                if g == G:
                    b, g = b + 1, 0
            per_unit = (time.perf_counter() - t) / units
            done = int(np.minimum(sizes, (b + (np.arange(G) < g)) * nb).sum())
            reporter.update(done)
            if flag["hit"]:
                raise KeyboardInterrupt
            if done == total:  # the rest of the last row is chunks one path shorter
                break
            # next wave: about WAVE_SECONDS at the rate just measured, at most 4x the last one
            width = int(max(threads, min(4 * units, WAVE_SECONDS / max(per_unit, 1e-9))))
