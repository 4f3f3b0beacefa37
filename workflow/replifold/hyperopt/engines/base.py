"""The interface both scan engines satisfy (see the package docstring for what they share)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.proposals import Proposal
from replifold.hyperopt.records import TrialOutcome
from replifold.hyperopt.store import write_store


class ScanEngine(ABC):
    name: ClassVar[str]

    def __init__(self, ctx: ScanContext):
        self.ctx = ctx

    @abstractmethod
    def history(self, before: int) -> list[TrialOutcome]:
        """The finished trials with ids below ``before``, in id order, as this engine knows them."""

    @abstractmethod
    def propose(self, trials: Sequence[int], history: Sequence[TrialOutcome]) -> list[Proposal]:
        """Parameters for ``trials`` from ``history``, with this engine's algorithm seeds."""

    @abstractmethod
    def submit(self, proposals: Sequence[Proposal]) -> None:
        """Hand proposed trials to whatever evaluates them."""

    @abstractmethod
    def params(self, trial: int) -> dict[str, Any]:
        """The parameters trial ``trial`` was given."""

    def write_store(self) -> TrialOutcome:
        """tries.json, tries.pkl and best.json from every finished trial; the best one."""
        return write_store(self.ctx, self.history(self.ctx.scan.n_trials))
