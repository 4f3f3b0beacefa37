"""The training settings of a runcard (``parameters``, ``integrability``, ``history``), read once and typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from replifold.errors import RuncardError
from replifold.integrability import INTEGRABILITY_SETS, UPDATE_FREQ
from replifold.training.lagrange import IntegrabilitySet, LagrangeSchedule, initial_and_multiplier


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int
    stopping_patience: float
    optimizer_name: str
    learning_rate: float
    clipnorm: float | None
    positivity: LagrangeSchedule
    positivity_threshold: float
    threshold_chi2: float
    integrability: tuple[IntegrabilitySet, ...] = ()
    history_stride: int = 10

    @property
    def patience(self) -> int:
        """n3fit's ``int(epochs * stopping_patience)``: a replica stops once this many epochs
        *more than* this have passed without a new best (``Stopping``: ``degrees > patience``)."""
        return int(self.epochs * self.stopping_patience)

    @property
    def history_rows(self) -> int:
        """Epochs 0, stride, 2 stride, ... below ``epochs``: the rows of the recorded history."""
        return -(-self.epochs // self.history_stride)

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> TrainingSettings:
        try:
            parameters = runcard["parameters"]
            optimizer = parameters["optimizer"]
            positivity = parameters.get("positivity", {})
            epochs = int(parameters["epochs"])
            settings = cls(
                epochs=epochs,
                stopping_patience=float(parameters["stopping_patience"]),
                optimizer_name=str(optimizer["optimizer_name"]),
                learning_rate=float(optimizer["learning_rate"]),
                clipnorm=float(optimizer["clipnorm"]) if optimizer.get("clipnorm") else None,
                positivity=LagrangeSchedule(
                    float(positivity.get("initial", 1.0)),
                    float(positivity.get("multiplier", 1.0)),
                    int(positivity.get("update_freq", 100)),
                ),
                positivity_threshold=float(positivity.get("threshold", 1.0e-6)),
                threshold_chi2=float(parameters["threshold_chi2"]),
                integrability=integrability_sets(runcard, epochs),
                history_stride=int((runcard.get("history") or {}).get("stride", 10)),
            )
        except KeyError as missing:
            raise RuncardError(
                ("parameters", str(missing.args[0])), "required training setting is missing"
            ) from None
        if settings.epochs < 1:
            raise RuncardError(
                ("parameters", "epochs"), "must be at least 1", found=settings.epochs
            )
        if settings.positivity.update_freq < 1:
            raise RuncardError(
                ("parameters", "positivity", "update_freq"),
                "must be at least 1",
                found=settings.positivity.update_freq,
            )
        if settings.history_stride < 1:
            raise RuncardError(
                ("history", "stride"), "must be at least 1", found=settings.history_stride
            )
        return settings


def integrability_sets(runcard: Mapping[str, Any], epochs: int) -> tuple[IntegrabilitySet, ...]:
    """The runcard's ``integrability.integdatasets``, each with n3fit's multiplier schedule."""
    entries = (runcard.get("integrability") or {}).get("integdatasets") or []
    common = runcard["parameters"].get("integrability") or {}
    initial, multiplier = common.get("initial"), common.get("multiplier")
    sets = []
    for i, entry in enumerate(entries):
        name = entry["dataset"]
        if name not in INTEGRABILITY_SETS:
            raise RuncardError.unknown(
                ("integrability", "integdatasets", i, "dataset"),
                "unknown integrability set",
                name,
                INTEGRABILITY_SETS,
            )
        first, factor = initial_and_multiplier(
            None if initial is None else float(initial),
            None if multiplier is None else float(multiplier),
            float(entry["maxlambda"]),
            int(epochs / UPDATE_FREQ),
        )
        sets.append(
            IntegrabilitySet(
                name, INTEGRABILITY_SETS[name], LagrangeSchedule(first, factor, UPDATE_FREQ)
            )
        )
    return tuple(sets)
