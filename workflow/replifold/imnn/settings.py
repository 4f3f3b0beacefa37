"""The ``imnn`` section of an expanded runcard, read once into typed settings.

Everything downstream (simulation, pipelines, training, hyperopt, report) reads these instead
of runcard keys, so the meaning of each key is decided here. The runcard has already passed
the schema and ``replifold.imnn.checks``; nothing here re-validates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold.imnn.simulators import Simulator, make_simulator

GRADIENT, NUMERICAL = "gradient", "numerical"
SOURCES = ("memory", "files", "tfrecords")
OUTPUT_ACTIVATION = "linear"


def regularisation_rate(coupling: float, closeness: float) -> float:
    """alpha from (lambda, epsilon), as the IMNN package sets it.

    With ``exp(-alpha epsilon) = epsilon (lambda - 1) + epsilon^2 / (1 + epsilon)`` the coupling
    r(Lambda2) = lambda Lambda2 / (Lambda2 + exp(-alpha Lambda2)) has risen to
    ``lambda (1 + epsilon) / (lambda (1 + epsilon) + epsilon)``, close to 1, once the covariance
    is within epsilon of the identity; the larger alpha, the sharper that switch.
    Raises ``ValueError`` when no positive alpha exists (the right-hand side is not in (0, 1)).
    """
    level = closeness * (coupling - 1.0) + closeness**2 / (1.0 + closeness)
    if not 0.0 < level < 1.0:
        raise ValueError(
            f"epsilon (lambda - 1) + epsilon^2 / (1 + epsilon) = {level:.6g} is not in (0, 1)"
        )
    return -math.log(level) / closeness


@dataclass(frozen=True)
class InputSettings:
    source: str
    record_size_mb: float
    cache: bool
    prefetch: bool


@dataclass(frozen=True)
class NetworkSettings:
    """Hidden layers; the output layer of ``n_summaries`` linear units is implied."""

    nodes_per_layer: tuple[int, ...]
    activation_per_layer: tuple[str, ...]
    initializer: str


@dataclass(frozen=True)
class OptimizerSettings:
    name: str
    learning_rate: float
    clipnorm: float | None


@dataclass(frozen=True)
class FoldSettings:
    folds: int
    replica_statistic: str
    fold_statistic: str


@dataclass(frozen=True)
class ImnnSettings:
    simseed: int
    simulator: Simulator
    theta_fid: np.ndarray
    n_s: int
    n_d: int
    n_summaries: int
    derivatives: str
    dtheta: np.ndarray | None
    coupling: float  # lambda
    closeness: float  # epsilon
    input: InputSettings
    n_per_device: int
    network: NetworkSettings
    optimizer: OptimizerSettings
    epochs: int
    patience: int
    min_epochs: int
    held_out_simulations: int
    held_out_theta: np.ndarray  # (points, n_params)
    kfold: FoldSettings
    detf_ratio: float

    @property
    def n_params(self) -> int:
        return self.simulator.n_params

    @property
    def rate(self) -> float:
        """alpha of the regularisation coupling."""
        return regularisation_rate(self.coupling, self.closeness)

    @property
    def numerical(self) -> bool:
        return self.derivatives == NUMERICAL

    @property
    def n_derivative_simulations(self) -> int:
        """Simulations in the derivative stream: n_d (gradient) or n_d x 2 x n_params (numerical)."""
        return self.n_d * 2 * self.n_params if self.numerical else self.n_d

    def derivative_thetas(self) -> np.ndarray:
        """``(2, n_params, n_params)``: theta_fid -/+ dtheta_a / 2 in parameter a (numerical mode)."""
        if self.dtheta is None:
            raise ValueError("numerical derivatives need dtheta")
        steps = np.diag(self.dtheta) / 2.0
        return np.stack([self.theta_fid - steps, self.theta_fid + steps])

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> ImnnSettings:
        section = runcard["imnn"]
        simulator = make_simulator(section["simulator"])
        theta_fid = np.asarray(section.get("theta_fid", simulator.default_theta), dtype=np.float64)
        network = section["network"]
        optimizer = section["optimizer"]
        held_out = section["held_out"]
        kfold = section["kfold"]
        return cls(
            simseed=int(section["simseed"]),
            simulator=simulator,
            theta_fid=theta_fid,
            n_s=int(section["n_s"]),
            n_d=int(section["n_d"]),
            n_summaries=int(section["n_summaries"]),
            derivatives=str(section["derivatives"]),
            dtheta=np.asarray(section["dtheta"], dtype=np.float64) if "dtheta" in section else None,
            coupling=float(section["regularisation"]["lambda"]),
            closeness=float(section["regularisation"]["epsilon"]),
            input=InputSettings(
                source=str(section["input"]["source"]),
                record_size_mb=float(section["input"]["record_size_mb"]),
                cache=bool(section["input"]["cache"]),
                prefetch=bool(section["input"]["prefetch"]),
            ),
            n_per_device=int(section["n_per_device"]),
            network=NetworkSettings(
                nodes_per_layer=tuple(int(n) for n in network["nodes_per_layer"]),
                activation_per_layer=tuple(str(a) for a in network["activation_per_layer"]),
                initializer=str(network["initializer"]),
            ),
            optimizer=OptimizerSettings(
                name=str(optimizer["optimizer_name"]),
                learning_rate=float(optimizer["learning_rate"]),
                clipnorm=float(optimizer["clipnorm"]) if optimizer.get("clipnorm") else None,
            ),
            epochs=int(section["epochs"]),
            patience=int(section["patience"]),
            min_epochs=int(section["min_epochs"]),
            held_out_simulations=int(held_out["simulations"]),
            held_out_theta=np.asarray(
                held_out.get("theta", [theta_fid.tolist()]), dtype=np.float64
            ),
            kfold=FoldSettings(
                folds=int(kfold["folds"]),
                replica_statistic=str(kfold["replica_statistic"]),
                fold_statistic=str(kfold["fold_statistic"]),
            ),
            detf_ratio=float(section["postfit"]["detf_ratio"]),
        )
