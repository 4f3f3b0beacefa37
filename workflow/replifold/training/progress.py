"""Training progress: a live bar in a terminal, a periodic plain line in logs.

Progress goes to stderr and never into an output file, so it cannot break reproducibility.
"""

from __future__ import annotations

import sys
from typing import TextIO

import numpy as np

BAR_WIDTH = 30


def summary(active: int, total: int, vl_per_point: np.ndarray) -> str:
    """'active 7/8 | chi2_vl/pt best 1.021 median 1.103' over the replicas with a finite value."""
    finite = vl_per_point[np.isfinite(vl_per_point)]
    if finite.size:
        chi2 = f"chi2_vl/pt best {finite.min():.4g} median {np.median(finite):.4g}"
    else:
        chi2 = "chi2_vl/pt -"
    return f"active {active}/{total} | {chi2}"


class Progress:
    """Reports after each compiled chunk of epochs: ``update`` then ``close`` once."""

    def __init__(self, epochs: int, *, stream: TextIO | None = None, log_every: int = 500, label: str = "fit"):
        self.epochs = epochs
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.log_every = log_every
        self.label = label
        self._next_log = 0
        self._last = ""
        self._final: tuple[int, str] | None = None

    def update(self, epoch: int, active: int, total: int, vl_per_point: np.ndarray) -> None:
        text = summary(active, total, vl_per_point)
        if self.live:
            filled = int(BAR_WIDTH * min(epoch, self.epochs) / max(self.epochs, 1))
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            line = f"\r{self.label} [{bar}] {epoch}/{self.epochs} | {text}"
            self.stream.write(line.ljust(len(self._last)))
            self._last = line
            self.stream.flush()
        elif epoch >= self._next_log:
            self.stream.write(f"{self.label}: epoch {epoch}/{self.epochs} | {text}\n")
            self.stream.flush()
            self._next_log = epoch + self.log_every
        self._final = (epoch, text)

    def close(self) -> None:
        final = self._final
        if self.live:
            self.stream.write("\n")
        elif final is not None:
            self.stream.write(f"{self.label}: finished at epoch {final[0]} | {final[1]}\n")
        self.stream.flush()
