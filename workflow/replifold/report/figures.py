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
from replifold.report.histories import ReplicaHistory
from replifold.report.scan import Trial, best_trials, varied_parameters
from replifold.training.history import QUANTITIES

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
        axes.scatter(
            [t.trial for t in failed],
            [1.0] * len(failed),
            marker="x",
            color="red",
            transform=axes.get_xaxis_transform(),
            clip_on=False,
            label="failed",
        )
    best = best_trials(list(trials), 1)
    if best:
        axes.scatter(
            [best[0].trial],
            [best[0].loss],
            marker="*",
            s=250,
            facecolor="none",
            edgecolor="black",
            label=f"best (trial {best[0].trial})",
        )
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
    for ax in axes[len(names) :]:
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
        axes.bar(
            np.arange(len(losses)) + i * width,
            losses,
            width,
            label=f"trial {trial.trial} (loss {trial.loss:.3g})",
        )
    if best:
        folds = len(best[0].fold_losses)
        axes.set_xticks(
            np.arange(folds) + width * (len(best) - 1) / 2, [f"fold {k}" for k in range(folds)]
        )
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


def training_curves(histories: Sequence[ReplicaHistory], selected: Sequence[int]) -> bytes:
    """Per replica, against the epoch: training and validation chi2 per point and the positivity
    and integrability losses; a dot marks the best (kept) epoch, vetoed replicas are red."""
    figure = Figure(figsize=(12, 7), layout="constrained")
    axes = figure.subplots(2, 2).ravel()
    titles = ("training χ²/point", "validation χ²/point", "positivity loss", "integrability loss")
    keep = set(selected)
    for ax, name, title in zip(axes, QUANTITIES, titles, strict=True):
        for history in histories:
            values = history.values[name]
            color = "tab:blue" if history.replica in keep else "tab:red"
            ax.plot(history.epochs, values, color=color, alpha=0.5, linewidth=0.7)
            if history.best_epoch >= 0 and np.any(np.isfinite(values)):
                row = min(
                    int(np.searchsorted(history.epochs, history.best_epoch, side="right")) - 1,
                    len(values) - 1,
                )
                ax.plot([history.epochs[row]], [values[row]], "o", color="black", markersize=3)
        finite = np.concatenate(
            [h.values[name][np.isfinite(h.values[name])] for h in histories] or [np.zeros(0)]
        )
        if name == "integrability_loss" and not np.any(finite):
            ax.text(
                0.5,
                0.5,
                "no integrability sets in the runcard",
                transform=ax.transAxes,
                ha="center",
            )
        if name.startswith("chi2") and finite.size and finite.min() > 0:
            ax.set_yscale("log")
        elif finite.size and np.any(finite != 0):
            ax.set_yscale("symlog", linthresh=1e-6)
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("epoch")
    axes[0].plot([], [], "o", color="black", markersize=3, label="best epoch (kept weights)")
    if any(h.replica not in keep for h in histories):
        axes[0].plot([], [], color="tab:red", label="vetoed by postfit")
    axes[0].legend(fontsize="small")
    return png(figure)


def pdf_bands(xgrid: np.ndarray, xf: np.ndarray, truth: np.ndarray | None) -> bytes:
    """x f(x) per flavour: selected replicas, their mean and 1-sigma band, and the truth (if any)."""
    figure = Figure(figsize=(12, 6), layout="constrained")
    axes = figure.subplots(2, 4).ravel()
    mean, std = xf.mean(axis=0), xf.std(axis=0)
    for f, (ax, name) in enumerate(zip(axes, FLAVOURS)):
        for replica in xf:
            ax.plot(xgrid, replica[f], color="tab:blue", alpha=0.25, linewidth=0.6)
        ax.fill_between(
            xgrid,
            mean[f] - std[f],
            mean[f] + std[f],
            color="tab:blue",
            alpha=0.3,
            label="mean ± 1σ",
        )
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


def multiclosure_summary(estimators: dict) -> bytes:
    """R_bv and xi_1sigma per dataset and for all data, with bootstrap errors and their faithful values."""
    rows = [*estimators["datasets"].items(), ("total", estimators["total"])]
    names = [name for name, _ in rows]
    positions = np.arange(len(rows))
    figure = Figure(figsize=(11, 3.8), layout="constrained")
    ratio_axes, xi_axes = figure.subplots(1, 2)
    for ax, key, expected, label in (
        (ratio_axes, "R_bv", estimators["expected"]["R_bv"], "R_bv = sqrt(bias / variance)"),
        (xi_axes, "xi_1sigma", estimators["expected"]["xi_1sigma"], "ξ_1σ"),
    ):
        ax.errorbar(
            positions,
            [r[key] for _, r in rows],
            yerr=[r[f"{key}_error"] for _, r in rows],
            fmt="o",
            capsize=3,
        )
        ax.axhline(expected, color="black", linestyle="--", label=f"faithful: {expected:.2f}")
        ax.set_ylabel(label)
        ax.set_xticks(positions, names, rotation=45, ha="right", fontsize="small")
        ax.legend(fontsize="small")
    xi_axes.plot(
        positions,
        [r["xi_expected_from_R_bv"] for _, r in rows],
        "x",
        color="tab:orange",
        label="erf(1 / (√2 R_bv))",
    )
    xi_axes.legend(fontsize="small")
    return png(figure)


def multiclosure_chi2(estimators: dict) -> bytes:
    """The replica chi2 per point of every draw, delta chi2 per draw, and xi per point (diagonal basis)."""
    figure = Figure(figsize=(13, 3.8), layout="constrained")
    chi2_axes, delta_axes, xi_axes = figure.subplots(1, 3)
    chi2 = estimators["replica_chi2"]
    values = np.asarray(chi2["per_draw_and_replica"], dtype=np.float64).ravel()
    chi2_axes.hist(values, bins=30, color="tab:blue", alpha=0.7, label="replicas, all draws")
    for value, style, label in (
        (np.mean(chi2["truth_per_draw"]), "--", "truth (noise level)"),
        (np.mean(chi2["central_per_draw"]), ":", "central fit"),
    ):
        chi2_axes.axvline(value, color="black", linestyle=style, label=label)
    chi2_axes.set_xlabel("χ²/point against the draw's level-1 data")
    chi2_axes.legend(fontsize="small")
    delta = np.asarray(estimators["delta_chi2"]["per_draw"], dtype=np.float64)
    delta_axes.bar(estimators["draws"], delta)
    delta_axes.axhline(0.0, color="black", linewidth=0.8)
    delta_axes.set_xlabel("draw")
    delta_axes.set_ylabel("Δχ² = (χ²[<T>] − χ²[T*]) / χ²[T*]")
    xi = np.asarray(estimators["total"]["xi_per_point"], dtype=np.float64)
    xi_axes.plot(np.arange(xi.size), xi, ".", markersize=3)
    xi_axes.axhline(estimators["expected"]["xi_1sigma"], color="black", linestyle="--")
    xi_axes.set_xlabel("point (eigenvectors of C, ascending eigenvalue)")
    xi_axes.set_ylabel("ξ_1σ per point")
    xi_axes.set_ylim(-0.05, 1.05)
    return png(figure)
