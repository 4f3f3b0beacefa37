"""The theory jobs of every real-data fit of a workflow run, for ``rules/common.smk``.

Planning writes every entry's ``key.json`` (which the theory rules take as input) and returns,
per cache entry, the job that computes it and, per fit, the FK tables and t0 inputs its setup
needs. Entries shared by several fits (same data set, cuts and theory) are one job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replifold.dis.jobs import TheoryJob, register_plan
from replifold.dis.request import DisRequest
from replifold.dis.t0 import t0_files
from replifold.dis.theory_plan import plan_theory
from replifold.theory.cache import TheoryCache


@dataclass
class WorkflowTheory:
    jobs: dict[tuple[str, str], TheoryJob] = field(default_factory=dict)  # (kind, digest) -> job
    fktables: dict[str, list[str]] = field(
        default_factory=dict
    )  # fit -> FK-table digests, data-set order
    t0: dict[str, Path] = field(default_factory=dict)  # fit -> the t0 fit's folder

    def job(self, kind: str, digest: str) -> TheoryJob:
        return self.jobs[(kind, digest)]

    def t0_inputs(self, fit: str, replicas: list[int] | None) -> list[str]:
        """The t0 fit's selection and replica grids (``replicas``: all of that fit's, when it is part
        of this run and its selection is not known yet)."""
        if fit not in self.t0:
            return []
        return [str(p) for p in t0_files(self.t0[fit], replicas)]


def plan_workflow_theory(
    runcards: Mapping[str, dict[str, Any]], cache: TheoryCache, max_scales: int
) -> WorkflowTheory:
    """``runcards``: fit name -> expanded runcard; only ``problem: dis`` ones need theory."""
    theory = WorkflowTheory()
    for name, runcard in runcards.items():
        if runcard.get("problem") != "dis":
            continue
        request = DisRequest.from_runcard(runcard)
        plan = plan_theory(request, max_scales)
        for job in register_plan(plan, cache):
            theory.jobs.setdefault((job.kind, job.digest), job)
        theory.fktables[name] = [d.fktable.digest for d in plan.datasets]
        if request.t0fit is not None:
            theory.t0[name] = request.t0fit
    return theory
