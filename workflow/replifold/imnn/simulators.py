"""The simulators an IMNN runcard may name, and what each knows about itself.

A simulator turns base noise, drawn from one seed, into data at parameters ``theta``. Keeping
the noise apart from ``theta`` is what makes derivatives cheap and exact: ``gradient`` mode
uses the simulator's own ``dd/dtheta`` at fixed noise, and ``numerical`` mode reuses one
simulation's noise at ``theta -/+ dtheta/2`` (seed matching), so the difference measures the
parameter's effect rather than two independent draws. Where the Fisher information of the data
is known in closed form, ``fisher`` returns it: the report and the tests measure the trained
summaries against it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from replifold.errors import RuncardError


@dataclass(frozen=True)
class Simulator(ABC):
    """Data of ``n_data`` points per simulation; ``theta`` has one entry per name in ``parameters``."""

    n_data: int

    name: ClassVar[str]
    parameters: ClassVar[tuple[str, ...]]
    default_theta: ClassVar[tuple[float, ...]]

    @property
    def n_params(self) -> int:
        return len(self.parameters)

    @property
    def input_size(self) -> int:
        return self.n_data

    @abstractmethod
    def noise(self, generator: np.random.Generator) -> np.ndarray:
        """One simulation's base draws ``(n_data,)``, independent of ``theta``."""

    @abstractmethod
    def simulate(self, noise: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Data ``(m, n_data)`` from noise ``(m, n_data)`` at one parameter point."""

    @abstractmethod
    def jacobian(self, noise: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """``dd/dtheta`` ``(m, n_data, n_params)`` at fixed noise."""

    def fisher(self, theta: np.ndarray) -> np.ndarray | None:
        """The data's Fisher information ``(n_params, n_params)`` at ``theta``; None when unknown."""
        return None

    def theta_problem(self, theta: np.ndarray) -> str | None:
        """Why ``theta`` is outside the parameter space, if it is."""
        return None

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "n_data": self.n_data, "parameters": list(self.parameters)}


@dataclass(frozen=True)
class Gaussian(Simulator):
    """``d = mean + sqrt(variance) z`` with ``z ~ N(0, 1)``: the reference's example.

    Sample mean and variance are sufficient, so a perfect compression reaches
    ``F = n_data diag(1/variance, 1/(2 variance^2))`` (det F = 50 at (0, 1) with 10 points).
    """

    name: ClassVar[str] = "gaussian"
    parameters: ClassVar[tuple[str, ...]] = ("mean", "variance")
    default_theta: ClassVar[tuple[float, ...]] = (0.0, 1.0)

    def noise(self, generator: np.random.Generator) -> np.ndarray:
        return generator.standard_normal(self.n_data)

    def simulate(self, noise: np.ndarray, theta: np.ndarray) -> np.ndarray:
        return theta[0] + np.sqrt(theta[1]) * noise

    def jacobian(self, noise: np.ndarray, theta: np.ndarray) -> np.ndarray:
        return np.stack([np.ones_like(noise), noise / (2.0 * np.sqrt(theta[1]))], axis=-1)

    def fisher(self, theta: np.ndarray) -> np.ndarray:
        return self.n_data * np.diag([1.0 / theta[1], 1.0 / (2.0 * theta[1] ** 2)])

    def theta_problem(self, theta: np.ndarray) -> str | None:
        return None if theta[1] > 0 else f"the variance must be positive, found {theta[1]}"


@dataclass(frozen=True)
class StudentT(Simulator):
    """``d = location + scale t`` with ``t`` Student-t distributed (``dof`` degrees of freedom).

    Heavy tails and no sufficient statistic of fixed size: the summaries have to learn the
    score's redescending shape. Per point the Fisher information of a location-scale family
    with Student-t shape is ``(dof + 1)/((dof + 3) scale^2)`` for the location and
    ``2 dof/((dof + 3) scale^2)`` for the scale, uncorrelated (the density is symmetric).
    """

    dof: float = 3.0

    name: ClassVar[str] = "student_t"
    parameters: ClassVar[tuple[str, ...]] = ("location", "scale")
    default_theta: ClassVar[tuple[float, ...]] = (0.0, 1.0)

    def noise(self, generator: np.random.Generator) -> np.ndarray:
        return generator.standard_t(self.dof, self.n_data)

    def simulate(self, noise: np.ndarray, theta: np.ndarray) -> np.ndarray:
        return theta[0] + theta[1] * noise

    def jacobian(self, noise: np.ndarray, theta: np.ndarray) -> np.ndarray:
        return np.stack([np.ones_like(noise), noise], axis=-1)

    def fisher(self, theta: np.ndarray) -> np.ndarray:
        nu, scale = self.dof, theta[1]
        per_point = np.diag(
            [(nu + 1.0) / ((nu + 3.0) * scale**2), 2.0 * nu / ((nu + 3.0) * scale**2)]
        )
        return self.n_data * per_point

    def theta_problem(self, theta: np.ndarray) -> str | None:
        return None if theta[1] > 0 else f"the scale must be positive, found {theta[1]}"

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "dof": self.dof}


SIMULATORS: dict[str, type[Simulator]] = {cls.name: cls for cls in (Gaussian, StudentT)}


def make_simulator(spec: Mapping[str, Any]) -> Simulator:
    """The simulator of a runcard's ``imnn.simulator`` mapping (name plus its settings)."""
    settings = dict(spec)
    name = settings.pop("name", None)
    if name not in SIMULATORS:
        raise RuncardError.unknown(
            ("imnn", "simulator", "name"), "unknown simulator", name, SIMULATORS
        )
    try:
        return SIMULATORS[name](**settings)
    except TypeError as error:
        raise RuncardError(
            ("imnn", "simulator"), f"bad settings for simulator {name!r}: {error}"
        ) from None


def check_theta(
    simulator: Simulator, theta: Sequence[float], path: Sequence[str | int]
) -> np.ndarray:
    """``theta`` as an array, or a ``RuncardError`` at ``path`` when it has the wrong length or value."""
    values = np.asarray(theta, dtype=np.float64)
    if values.shape != (simulator.n_params,):
        raise RuncardError(
            path,
            f"simulator {simulator.name!r} has {simulator.n_params} parameters ({', '.join(simulator.parameters)})",
            found=list(theta),
            allowed=f"a list of {simulator.n_params} numbers",
        )
    problem = simulator.theta_problem(values)
    if problem is not None:
        raise RuncardError(path, problem, found=list(theta))
    return values
