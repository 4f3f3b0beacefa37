"""The simulation sets of an IMNN fit, where each one's draws come from, and how they are made.

Sets are disjoint by construction: simulation ``i`` of a set is drawn from
``seeding.sim_seed(simseed, role, fold, i)``, so no two sets (or two folds) share a seed. The
final fit trains on ``fit/training`` and stops early on ``fit/validation``; hyperopt fold k
trains on ``fold<k>/training``, stops on ``fold<k>/validation`` and is judged on
``fold<k>/test``. Each set holds ``n_s`` fiducial simulations; the first ``n_d`` also carry
derivatives (exact ``dd/dtheta``, or seed-matched simulations at ``theta_fid -/+ dtheta/2``).
The held-out simulations the report compresses to estimates are drawn at other parameter
points from their own role.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from replifold import seeding
from replifold.imnn.settings import ImnnSettings

ROLES = {"training": 0, "validation": 1, "test": 2, "held_out": 3}
FIT_FOLD = -1
BLOCK = 4096  # simulations drawn at once: bounds memory, does not change any value


@dataclass(frozen=True)
class SimulationSet:
    role: str
    fold: int  # FIT_FOLD for the final fit's sets, k for hyperopt fold k
    n_s: int
    n_d: int

    @property
    def name(self) -> str:
        """``fit/training``, ``fold1/test``: also the set's folder under ``simulations/``."""
        return f"{'fit' if self.fold == FIT_FOLD else f'fold{self.fold}'}/{self.role}"

    def seed(self, simseed: int, index: int) -> int:
        return seeding.sim_seed(simseed, ROLES[self.role], self.fold, index)


def fit_sets(settings: ImnnSettings) -> tuple[SimulationSet, SimulationSet]:
    """The final fit's (training, validation) sets."""
    return tuple(
        SimulationSet(role, FIT_FOLD, settings.n_s, settings.n_d)
        for role in ("training", "validation")
    )


def fold_sets(
    settings: ImnnSettings, fold: int
) -> tuple[SimulationSet, SimulationSet, SimulationSet]:
    """Hyperopt fold ``fold``'s (training, validation, test) sets."""
    return tuple(
        SimulationSet(role, fold, settings.n_s, settings.n_d)
        for role in ("training", "validation", "test")
    )


def all_sets(settings: ImnnSettings, folds: int) -> list[SimulationSet]:
    """Every set the workflow needs: the fit's, then each of ``folds`` hyperopt folds'."""
    return [*fit_sets(settings), *(s for k in range(folds) for s in fold_sets(settings, k))]


def noise(
    settings: ImnnSettings, simulation_set: SimulationSet, start: int, stop: int
) -> np.ndarray:
    """Base draws ``(stop - start, n_data)`` of simulations ``start..stop-1``, one generator per seed."""
    simulator = settings.simulator
    return np.stack(
        [
            simulator.noise(seeding_generator(simulation_set.seed(settings.simseed, index)))
            for index in range(start, stop)
        ]
    )


def seeding_generator(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


@dataclass(frozen=True)
class Block:
    """Simulations ``start..start+len-1`` of a set: fiducial data and, below n_d, derivatives.

    ``derivative`` is ``(m, n_data, p)`` (gradient mode: ``dd/dtheta``) or ``(m, 2, p, n_data)``
    (numerical mode: data at ``theta_fid -/+ dtheta_a/2``), float32 like the data; it covers the
    block's simulations with index < n_d and is None when there are none.
    """

    start: int
    fiducial: np.ndarray
    derivative: np.ndarray | None


def blocks(
    settings: ImnnSettings, simulation_set: SimulationSet, block: int = BLOCK
) -> Iterator[Block]:
    """The set's simulations in index order, ``block`` at a time (values independent of ``block``)."""
    simulator, theta = settings.simulator, settings.theta_fid
    for start in range(0, simulation_set.n_s, block):
        stop = min(start + block, simulation_set.n_s)
        draws = noise(settings, simulation_set, start, stop)
        fiducial = simulator.simulate(draws, theta).astype(np.float32)
        with_derivative = draws[: max(0, min(stop, simulation_set.n_d) - start)]
        derivative = None
        if len(with_derivative):
            if settings.numerical:
                points = settings.derivative_thetas()  # (2, p, p)
                derivative = np.stack(
                    [
                        np.stack(
                            [simulator.simulate(with_derivative, point) for point in side], axis=1
                        )
                        for side in points
                    ],
                    axis=1,
                ).astype(np.float32)
            else:
                derivative = simulator.jacobian(with_derivative, theta).astype(np.float32)
        yield Block(start, fiducial, derivative)


def held_out(settings: ImnnSettings) -> tuple[np.ndarray, np.ndarray]:
    """``theta`` ``(points, p)`` and data ``(points, simulations, n_data)`` of the held-out draws."""
    count = settings.held_out_simulations
    draws = noise(
        settings,
        SimulationSet("held_out", FIT_FOLD, count * len(settings.held_out_theta), 0),
        0,
        count * len(settings.held_out_theta),
    )
    data = np.stack(
        [
            settings.simulator.simulate(draws[j * count : (j + 1) * count], theta)
            for j, theta in enumerate(settings.held_out_theta)
        ]
    ).astype(np.float32)
    return settings.held_out_theta.copy(), data
