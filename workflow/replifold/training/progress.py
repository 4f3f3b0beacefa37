"""Training progress a person reads: a live bar in a terminal, a plain line now and then in a log.

Each update says how many replicas are done, the epoch, the best validation chi2 per point so
far and an estimate of the time left: the epochs still allowed (``epochs``) at the speed of
the chunks after the first (which pays for tracing and compilation). Replicas stop early on
patience, so the estimate is an upper bound. Progress goes to stderr or the log, never into an
output file, so it cannot touch reproducibility.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TextIO

import numpy as np

BAR_WIDTH = 30
log = logging.getLogger(__name__)


def duration(seconds: float) -> str:
    """'45s', '12m05s', '3h07m'."""
    seconds = int(round(max(seconds, 0.0)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def summary(active: int, total: int, vl_per_point: np.ndarray) -> str:
    """'done 1/8 | chi2_vl/pt best 1.021 median 1.103' over the replicas with a finite value."""
    finite = vl_per_point[np.isfinite(vl_per_point)]
    if finite.size:
        chi2 = f"chi2_vl/pt best {finite.min():.4g} median {np.median(finite):.4g}"
    else:
        chi2 = "chi2_vl/pt -"
    return f"done {total - active}/{total} | {chi2}"


class Progress:
    """Reports after each compiled chunk of epochs: ``update`` then ``close`` once."""

    def __init__(
        self,
        epochs: int,
        *,
        stream: TextIO | None = None,
        log_every: int = 500,
        label: str = "fit",
        clock: Callable[[], float] = time.monotonic,
    ):
        self.epochs = epochs
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.log_every = log_every
        self.label = label
        self.clock = clock
        self._started = clock()
        self._rate: tuple[int, float] | None = None  # (epoch, time) at the end of the first chunk
        self._next_log = 0
        self._last = ""
        self._final: tuple[int, str] | None = None

    def time_left(self, epoch: int, now: float) -> str:
        if self._rate is None or epoch <= self._rate[0]:
            return "time left: estimating"
        speed = (epoch - self._rate[0]) / max(now - self._rate[1], 1e-9)
        return f"at most {duration((self.epochs - epoch) / speed)} left"

    def update(self, epoch: int, active: int, total: int, vl_per_point: np.ndarray) -> None:
        now = self.clock()
        if self._rate is None:
            self._rate = (epoch, now)
        text = f"{summary(active, total, vl_per_point)} | {self.time_left(epoch, now) if active else 'finished'}"
        if self.live:
            filled = int(BAR_WIDTH * min(epoch, self.epochs) / max(self.epochs, 1))
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            line = f"\r{self.label} [{bar}] epoch {epoch}/{self.epochs} | {text}"
            self.stream.write(line.ljust(len(self._last)))
            self._last = line
            self.stream.flush()
        elif epoch >= self._next_log:
            log.info(f"{self.label}: epoch {epoch}/{self.epochs} | {text}")
            self._next_log = epoch + self.log_every
        self._final = (epoch, text)

    def close(self) -> None:
        final = self._final
        if self.live:
            self.stream.write("\n")
            self.stream.flush()
        if final is not None:
            log.info(
                f"{self.label}: stopped at epoch {final[0]} after {duration(self.clock() - self._started)} | {final[1]}"
            )
