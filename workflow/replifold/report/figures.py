"""The report's figures, each returned as PNG bytes.

Figures are built on ``matplotlib.figure.Figure`` (rendered by Agg, no pyplot state) and saved
without the 'Software' stamp, so equal inputs give equal bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from replifold.postfit.replicas import ReplicaOutput
from replifold.problem import FLAVOURS
from replifold.report.closure import Estimators
from replifold.report.scan import Trial, best_trials, varied_parameters

DPI = 90
BEST_TRIALS = 3


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def scan_losses(trials: Sequence[Trial]) -> bytes:
    """Hyper-loss of every trial, coloured by round; failed trials on the top edge, best starred."""
    figure = Figure(figsize=(7, 3.5), layout="constrained")
    axes = figure.subplots()
    ok = [t for t in trials if t.ok and t.loss is not None]
    rounds = sorted({t.round for t in trials})
    for round_ in rounds:
        members = [t for t in ok if t.round == round_]
        axes.scatter([t.trial for t in members], [t.loss for t in members], label=f"round {round_}")
    failed = [t for t in trials if not t.ok]
    if failed:
        axes.scatter([t.trial for t in failed], [1.0] * len(failed), marker="x", color="red",
                     transform=axes.get_xaxis_transform(), clip_on=False, label="failed")
    best = best_trials(list(trials), 1)
    if best:
        axes.scatter([best[0].trial], [best[0].loss], marker="*", s=250, facecolor="none", edgecolor="black",
                     label=f"best (trial {best[0].trial})")
    axes.set_xlabel("trial")
    axes.set_ylabel("hyper-loss")
    axes.legend(fontsize="small")
    return png(figure)


def _numeric(values: Sequence[float | str]) -> tuple[list[float], list[str] | None]:
    """Numbers as they are; labels mapped to their sorted positions (with the labels for ticks)."""
    if all(isinstance(v, float) for v in values):
        return [float(v) for v in values], None
    labels = sorted({str(v) for v in values})
    return [float(labels.index(str(v))) for v in values], labels


def scan_parameters(trials: Sequence[Trial]) -> bytes:
    """Hyper-loss against each hyperparameter that varied over the scan."""
    ok = [t for t in trials if t.ok and t.loss is not None]
    names = varied_parameters(ok) or ["(no parameter varied)"]
    columns = min(3, len(names))
    rows = -(-len(names) // columns)
    figure = Figure(figsize=(4 * columns, 3 * rows), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False).ravel())
    for ax, name in zip(axes, names):
        present = [t for t in ok if name in t.params]
        x, labels = _numeric([t.params[name] for t in present])
        ax.scatter(x, [t.loss for t in present])
        if labels is not None:
            ax.set_xticks(range(len(labels)), labels, rotation=20, fontsize="small")
        elif x and min(x) > 0 and max(x) / min(x) > 20:
            ax.set_xscale("log")
        else:
            ax.locator_params(axis="x", nbins=4)
        ax.set_xlabel(name, fontsize="small")
        ax.set_ylabel("hyper-loss")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return png(figure)


def fold_losses(trials: Sequence[Trial]) -> bytes:
    """Each fold's loss for the best trials: a trial good on average but bad on one fold shows."""
    best = best_trials(list(trials), BEST_TRIALS)
    figure = Figure(figsize=(7, 3.5), layout="constrained")
    axes = figure.subplots()
    width = 0.8 / max(len(best), 1)
    for i, trial in enumerate(best):
        losses = [np.nan if v is None else v for v in trial.fold_losses]
        axes.bar(np.arange(len(losses)) + i * width, losses, width, label=f"trial {trial.trial} (loss {trial.loss:.3g})")
    if best:
        folds = len(best[0].fold_losses)
        axes.set_xticks(np.arange(folds) + width * (len(best) - 1) / 2, [f"fold {k}" for k in range(folds)])
        axes.legend(fontsize="small")
    axes.set_ylabel("fold loss")
    return png(figure)


def training_summary(replicas: Sequence[ReplicaOutput], selected: Sequence[int]) -> bytes:
    """Per replica: training/validation chi2 per point, and the best against the last epoch."""
    figure = Figure(figsize=(9, 3.5), layout="constrained")
    chi2_axes, epoch_axes = figure.subplots(1, 2)
    ids = np.array([r.replica for r in replicas])
    chi2_axes.bar(ids - 0.2, [r.chi2_tr_per_point for r in replicas], 0.4, label="training")
    chi2_axes.bar(ids + 0.2, [r.chi2_vl_per_point for r in replicas], 0.4, label="validation")
    vetoed = [r.replica for r in replicas if r.replica not in set(selected)]
    for replica in vetoed:
        chi2_axes.axvspan(replica - 0.5, replica + 0.5, color="red", alpha=0.15)
    chi2_axes.set_xlabel("replica (red: vetoed by postfit)" if vetoed else "replica")
    chi2_axes.set_ylabel("chi2 / point")
    chi2_axes.legend(fontsize="small")
    epoch_axes.bar(ids - 0.2, [r.fit["best_epoch"] for r in replicas], 0.4, label="best epoch")
    epoch_axes.bar(ids + 0.2, [r.fit["last_epoch"] for r in replicas], 0.4, label="last epoch")
    epoch_axes.set_xlabel("replica")
    epoch_axes.set_ylabel("epoch")
    epoch_axes.legend(fontsize="small")
    return png(figure)


def pdf_bands(xgrid: np.ndarray, xf: np.ndarray, truth: np.ndarray | None) -> bytes:
    """x f(x) per flavour: selected replicas, their mean and 1-sigma band, and the truth (if any)."""
    figure = Figure(figsize=(12, 6), layout="constrained")
    axes = figure.subplots(2, 4).ravel()
    mean, std = xf.mean(axis=0), xf.std(axis=0)
    for f, (ax, name) in enumerate(zip(axes, FLAVOURS)):
        for replica in xf:
            ax.plot(xgrid, replica[f], color="tab:blue", alpha=0.25, linewidth=0.6)
        ax.fill_between(xgrid, mean[f] - std[f], mean[f] + std[f], color="tab:blue", alpha=0.3, label="mean ± 1σ")
        ax.plot(xgrid, mean[f], color="tab:blue", linewidth=1.2)
        if truth is not None:
            ax.plot(xgrid, truth[f], color="black", linestyle="--", linewidth=1.2, label="truth")
        ax.set_xscale("log")
        ax.set_title(f"x {name}(x)")
        ax.set_xlabel("x")
    axes[0].legend(fontsize="small")
    return png(figure)


def closure_summary(rows: Sequence[Estimators]) -> bytes:
    """R_bv and 1-sigma coverage per dataset against their faithful values (1 and 0.68)."""
    figure = Figure(figsize=(10, 3.5), layout="constrained")
    ratio_axes, coverage_axes = figure.subplots(1, 2)
    names = [r.dataset for r in rows]
    positions = np.arange(len(rows))
    ratio_axes.bar(positions, [r.ratio for r in rows])
    ratio_axes.axhline(1.0, color="black", linestyle="--")
    ratio_axes.set_ylabel("R_bv = sqrt(bias / variance)")
    coverage_axes.bar(positions, [r.coverage for r in rows])
    coverage_axes.axhline(0.68, color="black", linestyle="--")
    coverage_axes.set_ylim(0, 1)
    coverage_axes.set_ylabel("1σ coverage ξ")
    for ax in (ratio_axes, coverage_axes):
        ax.set_xticks(positions, names, rotation=45, ha="right", fontsize="small")
    return png(figure)
