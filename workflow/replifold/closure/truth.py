"""The known "true" PDF of the closure test, normalised analytically so its sum rules hold exactly.

Every component is a number density ``f(x) = A x^a (1-x)^b (1 + c sqrt(x) + d x)``. The 8
flavours of ``FLAVOURS`` are ``u = uv + ubar``, ``d = dv + dbar``, ``s = sbar``, ``c`` (which
stands for charm and anticharm alike) and ``g``. Sum rules fixed by the normalisations::

    int uv = 2,    int dv = 1,
    int x (u + ubar + d + dbar + s + sbar + 2 c + g) = 1     (gluon normalisation)

Exponents are NNPDF-like: valence ``f ~ x^-0.5`` and sea/gluon ``x f ~ x^-0.1..-0.2`` at small
x; ``dbar > ubar`` at moderate x, a strange sea suppressed at large x only, and a small charm.
The light sea components share their leading small-x term, so that the non-singlet
combinations ``x T3`` and ``x T8`` (and the valences) vanish as x -> 0: the integrability the
fit is asked to respect (and the hyperopt integrability penalty checks) holds for the truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from replifold.problem import FLAVOURS


@dataclass(frozen=True)
class Shape:
    """``A x^a (1-x)^b (1 + c sqrt(x) + d x)`` as a number density."""

    A: float
    a: float
    b: float
    c: float = 0.0
    d: float = 0.0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.A * x**self.a * (1.0 - x) ** self.b * (1.0 + self.c * np.sqrt(x) + self.d * x)

    def moment(self, n: int) -> float:
        """``int_0^1 x^n f(x) dx``, exact, from Beta functions."""
        p, q = self.a + n + 1.0, self.b + 1.0
        return self.A * (_beta(p, q) + self.c * _beta(p + 0.5, q) + self.d * _beta(p + 1.0, q))

    def scaled(self, factor: float) -> Shape:
        return Shape(self.A * factor, self.a, self.b, self.c, self.d)


def _beta(p: float, q: float) -> float:
    return math.exp(math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q))


COMPONENTS: tuple[str, ...] = ("uv", "dv", "ubar", "dbar", "s", "c", "g")

# Shapes before normalisation: A of uv, dv, g are fixed below by the sum rules.
_RAW = {
    "uv": Shape(1.0, -0.45, 3.0, 0.8, 2.5),
    "dv": Shape(1.0, -0.55, 3.8, 0.5, 1.2),
    "ubar": Shape(0.13, -1.16, 7.0, -0.5, 2.0),
    "dbar": Shape(0.13, -1.16, 6.0, -0.3, 3.0),
    "s": Shape(0.13, -1.16, 9.0, -0.4, 0.0),
    "c": Shape(0.025, -1.18, 9.0, 0.0, 0.0),
    "g": Shape(1.0, -1.12, 5.0, -0.7, 2.0),
}


@dataclass(frozen=True)
class Truth:
    components: dict[str, Shape]

    def flavours(self, x: np.ndarray) -> np.ndarray:
        """``f`` of every flavour of ``FLAVOURS`` at ``x``: shape (8, len(x))."""
        f = {name: shape(x) for name, shape in self.components.items()}
        by_flavour = {
            "u": f["uv"] + f["ubar"],
            "ubar": f["ubar"],
            "d": f["dv"] + f["dbar"],
            "dbar": f["dbar"],
            "s": f["s"],
            "sbar": f["s"],
            "c": f["c"],
            "g": f["g"],
        }
        return np.stack([by_flavour[name] for name in FLAVOURS])

    def xf(self, x: np.ndarray) -> np.ndarray:
        return x * self.flavours(x)

    def parameters(self) -> np.ndarray:
        """(component, [A, a, b, c, d]) in ``COMPONENTS`` order."""
        return np.array(
            [[s.A, s.a, s.b, s.c, s.d] for s in (self.components[n] for n in COMPONENTS)]
        )


def make_truth() -> Truth:
    shapes = dict(_RAW)
    shapes["uv"] = shapes["uv"].scaled(2.0 / shapes["uv"].moment(0))
    shapes["dv"] = shapes["dv"].scaled(1.0 / shapes["dv"].moment(0))
    quark_momentum = (
        shapes["uv"].moment(1)
        + shapes["dv"].moment(1)
        + 2.0
        * (
            shapes["ubar"].moment(1)
            + shapes["dbar"].moment(1)
            + shapes["s"].moment(1)
            + shapes["c"].moment(1)
        )
    )
    shapes["g"] = shapes["g"].scaled((1.0 - quark_momentum) / shapes["g"].moment(1))
    return Truth({name: shapes[name] for name in COMPONENTS})
