"""What an edit of a runcard will rerun, and why, in words (``replifold plan``).

The workflow reruns a stage when the view it reads changes (replifold.views) or when its own
inputs do; this module applies the same rules to the old and the new expanded runcard, so a
physicist can see before submitting that raising ``hyperopt.rounds`` adds one round and
reruns the final fit, or that a postfit threshold costs seconds. ``snakemake -n`` lists the
exact jobs; this says why they are there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from replifold.errors import format_key_path
from replifold.plan import FitPlan
from replifold.views import STAGES, changed_paths, stage_view

SCAN_JOBS = "suggest, train_fold, reduce_trial, collect"


@dataclass(frozen=True)
class EditPlan:
    changed: dict[str, list[str]]  # stage -> changed key paths of its view
    lines: tuple[str, ...]  # the explanation, one consequence per line

    @property
    def nothing(self) -> bool:
        return not any(self.changed.values()) and not self.lines


def _paths(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [format_key_path(path) for path in changed_paths(old, new)]


def _round_jobs(plan: FitPlan, rounds: range) -> str:
    scan = plan.scan
    trials = [t for r in rounds for t in scan.trial_ids(r)]
    return (
        f"suggest x{len(rounds)}, train_fold x{len(trials) * plan.folds}, reduce_trial x{len(trials)} "
        f"(trials {trials[0]}-{trials[-1]}), then collect"
    )


def _after_postfit(runcard: Mapping[str, Any]) -> str:
    """The stages that follow postfit: an imnn fit has no LHAPDF export."""
    return "report, archive" if runcard.get("problem") == "imnn" else "evolve, report, archive"


def explain(old: Mapping[str, Any], new: Mapping[str, Any]) -> EditPlan:
    """The consequences of replacing the expanded runcard ``old`` by ``new``."""
    changed = {stage: _paths(stage_view(old, stage), stage_view(new, stage)) for stage in STAGES}
    everything = _paths(old, new)
    before, after = FitPlan.from_runcard(old), FitPlan.from_runcard(new)
    lines: list[str] = []
    if changed["data"]:
        lines.append(
            f"the data change ({', '.join(changed['data'])}): setup_fit and every stage after it rerun"
        )
        return EditPlan(changed, tuple(lines))
    fit_reruns = False
    if changed["search"]:
        lines.append(
            f"the scan's settings change ({', '.join(changed['search'])}): every trial reruns ({SCAN_JOBS}), "
            "then the final fit"
        )
        fit_reruns = True
    elif before.scan and after.scan and after.scan.rounds != before.scan.rounds:
        if after.scan.rounds > before.scan.rounds:
            added = range(before.scan.rounds, after.scan.rounds)
            which = (
                f"round {added[0]} is" if len(added) == 1 else f"rounds {added[0]}-{added[-1]} are"
            )
            lines.append(
                f"hyperopt.rounds {before.scan.rounds} -> {after.scan.rounds}: {which} added "
                f"({_round_jobs(after, added)}); the finished trials are kept as they are; the final fit "
                "reruns with the best trial of the longer scan"
            )
        else:
            lines.append(
                f"hyperopt.rounds {before.scan.rounds} -> {after.scan.rounds}: collect rebuilds the store from the "
                f"first {after.scan.n_trials} trials only (the others stay on disk, unused); the final fit reruns"
            )
        fit_reruns = True
    if changed["fit"] and not fit_reruns:
        lines.append(
            f"the final fit's settings change ({', '.join(changed['fit'])}): every batch reruns"
        )
        fit_reruns = True
    if after.draws != before.draws:
        # not in any view: draw 0 is the fit itself, and each draw is a fit folder of its own
        added = [d for d in after.extra_draws if d not in before.extra_draws]
        then = "multiclosure, report, archive" if after.draws > 1 else "report, archive"
        lines.append(
            f"closure.level1_draws {before.draws} -> {after.draws}: "
            + (
                f"draws {added[0]}-{added[-1]} are set up, fitted and post-fitted (the fit, draw 0, is kept), "
                if added
                else "no draw is fitted again, "
            )
            + f"then {then}"
        )
        everything = [
            path for path in everything if path != format_key_path(("closure", "level1_draws"))
        ]
    if fit_reruns:
        lines.append(f"after the final fit: split_replicas, postfit, {_after_postfit(new)}")
    else:
        new_batches = [b for b in after.batches if b not in before.batches]
        if new_batches:
            ranges = ", ".join(f"{b[0]}-{b[-1]}" for b in new_batches)
            kept = len(after.batches) - len(new_batches)
            lines.append(
                f"replicas {len(before.replicas)} -> {len(after.replicas)} (replicas_per_job "
                f"{old.get('replicas_per_job')} -> {new.get('replicas_per_job')}): fit_batch and split_replicas "
                f"for replicas {ranges} only ({kept} batch(es) kept), then postfit, "
                f"{_after_postfit(new)}"
            )
        elif after.replicas != before.replicas:
            lines.append(
                f"fewer replicas: postfit, {_after_postfit(new)} rerun on the remaining ones"
            )
        elif changed["postfit"]:
            lines.append(
                f"postfit's settings change ({', '.join(changed['postfit'])}): postfit, "
                f"{_after_postfit(new)}"
            )
        elif changed["evolve"] and new.get("problem") != "imnn":
            lines.append(
                f"the LHAPDF export's settings change ({', '.join(changed['evolve'])}): {_after_postfit(new)}"
            )
        elif everything:
            lines.append(
                f"only the report's inputs change ({', '.join(everything)}): report, archive"
            )
    return EditPlan(changed, tuple(lines))
