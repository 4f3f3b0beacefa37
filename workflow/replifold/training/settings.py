"""The training settings of a runcard's ``parameters`` section, read once and typed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from replifold.errors import RuncardError


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int
    stopping_patience: float
    optimizer_name: str
    learning_rate: float
    clipnorm: float | None
    positivity_initial: float
    positivity_multiplier: float
    positivity_update_freq: int
    positivity_threshold: float
    threshold_chi2: float

    @property
    def patience(self) -> int:
        """Epochs without a new best validation chi2 after which a replica stops."""
        return max(1, math.ceil(self.stopping_patience * self.epochs))

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> TrainingSettings:
        try:
            parameters = runcard["parameters"]
            optimizer = parameters["optimizer"]
            positivity = parameters.get("positivity", {})
            settings = cls(
                epochs=int(parameters["epochs"]),
                stopping_patience=float(parameters["stopping_patience"]),
                optimizer_name=str(optimizer["optimizer_name"]),
                learning_rate=float(optimizer["learning_rate"]),
                clipnorm=float(optimizer["clipnorm"]) if optimizer.get("clipnorm") else None,
                positivity_initial=float(positivity.get("initial", 1.0)),
                positivity_multiplier=float(positivity.get("multiplier", 1.0)),
                positivity_update_freq=int(positivity.get("update_freq", 100)),
                positivity_threshold=float(positivity.get("threshold", 1.0e-6)),
                threshold_chi2=float(parameters["threshold_chi2"]),
            )
        except KeyError as missing:
            raise RuncardError(("parameters", str(missing.args[0])), "required training setting is missing") from None
        if settings.epochs < 1:
            raise RuncardError(("parameters", "epochs"), "must be at least 1", found=settings.epochs)
        if settings.positivity_update_freq < 1:
            raise RuncardError(
                ("parameters", "positivity", "update_freq"), "must be at least 1", found=settings.positivity_update_freq
            )
        return settings
