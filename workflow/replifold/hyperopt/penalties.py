"""Penalties added to a fold's per-replica losses, with n3fit's meaning.

Each penalty is a pure function of a fold's recorded outcome, so ``reduce`` can recompute it
from ``result.json`` alone. The ones that look at the PDF name the x points and evolution-basis
combinations they need (``PdfProbe``); ``train-fold`` evaluates the trained model there and
stores the values as the fold's penalty inputs.

* ``saturation``: a PDF that goes flat at small x (slope of x f against log10 x between
  ``min_x`` and ``max_x`` close to zero, with little spread) is penalised by
  ``sum_flavours 1 / (1e-7 + |mean slope| + std slope)`` over the singlet and the gluon.
* ``patience``: ``vl_loss * exp(alpha * |epochs - patience - best_epoch|)``: just the
  validation loss (chi2 per point at the best epoch) when the best epoch is the last one from
  which early stopping can still end the run before ``epochs``, growing exponentially the
  further the best epoch is from it: too many epochs or too much patience for the trial.
* ``integrability``: the integrability numbers of ``replifold.integrability`` (the very
  definition postfit vetoes on and training constrains); the numbers above its threshold 0.5
  are summed into ``overflow`` and the penalty is ``exp(min(overflow, 50)) - 1``: zero for an
  integrable PDF, growing exponentially.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np

from replifold.errors import RuncardError, nearest
from replifold.integrability import (
    INTEG_THRESHOLD,
    INTEGRABILITY_X,
    INTEGRABLE,
    integrability_numbers,
)

SATURATION_OFFSET = 1.0e-7  # keeps a perfectly flat PDF's penalty finite
INTEGRABILITY_CAP = 50.0  # exp(50): far beyond any threshold, still a finite float


@dataclass(frozen=True)
class PdfProbe:
    """Where a penalty needs the trained PDF: x points and evolution-basis combinations."""

    x: tuple[float, ...]
    flavours: tuple[str, ...]


@dataclass(frozen=True)
class PenaltyInputs:
    """A fold's per-replica quantities the penalties are computed from (R replicas)."""

    best_epoch: np.ndarray  # (R,)
    vl_loss: np.ndarray  # (R,) validation chi2 per point at the best epoch
    epochs: int
    patience: int  # in epochs
    pdf: Mapping[
        str, np.ndarray
    ]  # penalty name -> (R, len(flavours), len(x)) x f in the evolution basis


class Penalty(Protocol):
    name: str

    def probe(self) -> PdfProbe | None: ...

    def values(self, inputs: PenaltyInputs) -> np.ndarray: ...


@dataclass(frozen=True)
class Saturation:
    n: int = 100
    min_x: float = 1.0e-6
    max_x: float = 1.0e-4
    name: str = "saturation"

    def probe(self) -> PdfProbe:
        return PdfProbe(
            tuple(float(x) for x in np.geomspace(self.min_x, self.max_x, self.n)), ("sng", "g")
        )

    def values(self, inputs: PenaltyInputs) -> np.ndarray:
        return saturation(np.asarray(inputs.pdf[self.name]), np.asarray(self.probe().x))


@dataclass(frozen=True)
class Patience:
    alpha: float = 1.0e-4
    name: str = "patience"

    def probe(self) -> None:
        return None

    def values(self, inputs: PenaltyInputs) -> np.ndarray:
        return patience(
            inputs.best_epoch, inputs.patience, inputs.epochs, inputs.vl_loss, self.alpha
        )


@dataclass(frozen=True)
class Integrability:
    name: str = "integrability"

    def probe(self) -> PdfProbe:
        return PdfProbe(INTEGRABILITY_X, INTEGRABLE)

    def values(self, inputs: PenaltyInputs) -> np.ndarray:
        return integrability(np.asarray(inputs.pdf[self.name]), INTEG_THRESHOLD)


def saturation(xf: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``xf`` (R, flavours, n) at log-spaced ``x`` (n,) -> (R,)."""
    slope = np.diff(xf, axis=-1) / np.diff(np.log10(x))
    flatness = np.abs(np.mean(slope, axis=-1)) + np.std(slope, axis=-1)
    return np.sum(1.0 / (SATURATION_OFFSET + flatness), axis=-1)


def patience(
    best_epoch: np.ndarray | float,
    patience_epochs: float,
    epochs: float,
    vl_loss: np.ndarray | float,
    alpha: float,
) -> np.ndarray:
    distance = np.abs(epochs - patience_epochs - np.asarray(best_epoch, dtype=np.float64))
    return np.asarray(vl_loss, dtype=np.float64) * np.exp(alpha * distance)


def integrability(xf: np.ndarray, threshold: float) -> np.ndarray:
    """``xf`` (R, combinations, x) at the probe's x -> (R,), as n3fit's ``penalties.integrability``."""
    numbers = integrability_numbers(xf)
    overflow = np.sum(np.where(numbers > threshold, numbers, 0.0), axis=-1)
    return np.exp(np.minimum(overflow, INTEGRABILITY_CAP)) - 1.0


PENALTIES: dict[str, type] = {
    "saturation": Saturation,
    "patience": Patience,
    "integrability": Integrability,
}


def parse_penalties(entries: Sequence[str | Mapping[str, Any]]) -> tuple[Penalty, ...]:
    """``kfold.penalties``: bare names take the defaults, objects ``{name, ...}`` override them."""
    penalties = []
    for i, entry in enumerate(entries):
        path = ("kfold", "penalties", i)
        settings = {"name": entry} if isinstance(entry, str) else dict(entry)
        name = settings.pop("name", None)
        if name not in PENALTIES:
            raise RuncardError.unknown((*path, "name"), "unknown penalty", name, PENALTIES)
        cls = PENALTIES[name]
        known = [f.name for f in fields(cls) if f.name != "name"]
        for key in settings:
            if key not in known:
                raise RuncardError(
                    (*path, key),
                    f"unknown setting of penalty {name!r}",
                    allowed=", ".join(known),
                    suggestion=nearest(key, known),
                )
        penalties.append(cls(**settings))
    return tuple(penalties)
