"""Lagrange multipliers of the positivity and integrability constraints, as n3fit schedules them.

A multiplier starts at ``initial`` and is multiplied by ``multiplier`` every ``update_freq``
epochs, so at epoch e it is ``initial * multiplier ** (e // update_freq)``. An integrability
set of n3fit names only its final value ``maxlambda``; a missing ``initial`` or ``multiplier``
is then derived so that the multiplier reaches ``maxlambda`` after ``int(epochs / 100)``
updates (``n3fit.model_trainer._LM_initial_and_multiplier``).
"""

from __future__ import annotations

from dataclasses import dataclass


def initial_and_multiplier(
    initial: float | None, multiplier: float | None, maxlambda: float, steps: int
) -> tuple[float, float]:
    """n3fit's rule: both given are kept; a missing one is derived from ``maxlambda`` after ``steps`` updates."""
    if multiplier is None:
        initial = 1.0 if initial is None else initial
        return initial, (maxlambda / initial) ** (1.0 / max(steps, 1))
    if initial is None:
        return maxlambda / multiplier**steps, multiplier
    return initial, multiplier


@dataclass(frozen=True)
class LagrangeSchedule:
    initial: float
    multiplier: float
    update_freq: int

    def at(self, epoch: int) -> float:
        """The multiplier in force at ``epoch``."""
        return self.initial * self.multiplier ** (epoch // self.update_freq)


@dataclass(frozen=True)
class IntegrabilitySet:
    """One training integrability set: the combination it constrains and its multiplier schedule."""

    name: str
    combination: str
    schedule: LagrangeSchedule
