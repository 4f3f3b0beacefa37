"""The report of an imnn fit: Fisher information reached, summaries' covariance, held-out estimates.

Sections: the problem and its analytic Fisher information (where the simulator has one);
postfit; the hyperopt scan (the PDF report's figures, fed from the same trials store); det F
of training and validation per epoch for every replica against the analytic value, with the
covariance regularisation Lambda2; the summaries' covariance of each selected replica; and
score-compressed estimates of theta for the held-out simulations with their Fisher errors
``sqrt(diag F^-1)``. Like the PDF report it holds nothing machine-dependent beyond provenance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from replifold.archive.provenance import build_provenance
from replifold.io import read_json, read_npz
from replifold.layout import FitLayout
from replifold.report import figures
from replifold.report.build import Report, scan_sections
from replifold.report.html import image, number, page, paragraph, provenance_rows, section, table
from replifold.report.inputs import require
from replifold.report.scan import Trial, read_trials

MAX_COVARIANCE_PANELS = 8


@dataclass(frozen=True, eq=False)
class ImnnReplica:
    replica: int
    fit: dict[str, Any]
    history: dict[str, np.ndarray]  # key -> (epochs,)
    statistics: dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class ImnnReportInputs:
    name: str
    runcard: dict[str, Any]
    meta: dict[str, Any]
    replicas: list[ImnnReplica]
    selected: tuple[int, ...]
    vetoes: dict[str, Any]
    trials: list[Trial] | None
    best: dict[str, Any] | None
    provenance: dict[str, Any]

    @property
    def parameters(self) -> list[str]:
        return list(self.meta["parameters"])

    @property
    def analytic_detf(self) -> float | None:
        return self.meta["det_fisher_analytic"]

    @property
    def selected_replicas(self) -> list[ImnnReplica]:
        return [r for r in self.replicas if r.replica in set(self.selected)]


def load_imnn_inputs(fit_dir: Path) -> ImnnReportInputs:
    from replifold.runcard import load_fit_runcard

    layout = FitLayout(fit_dir)
    runcard = load_fit_runcard(layout.root)
    replicas = []
    for replica in range(1, runcard["replicas"] + 1):
        folder = layout.replica(replica)
        step = "replifold split on its batch"
        replicas.append(
            ImnnReplica(
                replica,
                read_json(require(folder.fit, step)),
                read_npz(require(folder.history, step)),
                read_npz(require(folder.statistics, step)),
            )
        )
    trials = best = None
    if runcard.get("hyperopt"):
        trials = read_trials(read_json(require(layout.tries_json, f"replifold collect {fit_dir}")))
        best = read_json(require(layout.best_json, f"replifold collect {fit_dir}"))
    return ImnnReportInputs(
        name=layout.name,
        runcard=runcard,
        meta=read_json(require(layout.data_dir / "meta.json", "replifold setup")),
        replicas=replicas,
        selected=tuple(
            read_json(require(layout.selected_json, f"replifold postfit {fit_dir}"))["selected"]
        ),
        vetoes=read_json(require(layout.veto_json, f"replifold postfit {fit_dir}")),
        trials=trials,
        best=best,
        provenance=build_provenance(layout, runcard),
    )


# --- figures ------------------------------------------------------------------------------------


def detf_history(inputs: ImnnReportInputs) -> bytes:
    """det F per epoch: validation (solid) and training (dashed) of every replica, and the analytic value."""
    figure = Figure(figsize=(10, 3.8), layout="constrained")
    detf_axes, lambda_axes = figure.subplots(1, 2)
    for k, replica in enumerate(inputs.replicas):
        colour = f"C{k % 10}"
        epochs = np.arange(len(replica.history["lndetF_validation"]))
        vetoed = replica.replica not in inputs.selected
        style = {"color": colour, "alpha": 0.4 if vetoed else 0.9, "linewidth": 1.0}
        detf_axes.plot(
            epochs,
            np.exp(replica.history["lndetF_validation"]),
            label=f"replica {replica.replica}" + (" (vetoed)" if vetoed else ""),
            **style,
        )
        detf_axes.plot(epochs, np.exp(replica.history["lndetF_training"]), linestyle="--", **style)
        detf_axes.axvline(replica.fit["best_epoch"], color=colour, linestyle=":", linewidth=0.8)
        lambda_axes.plot(epochs, replica.history["Lambda2_validation"], **style)
    if inputs.analytic_detf is not None:
        detf_axes.axhline(
            inputs.analytic_detf, color="black", linestyle="--", label="analytic det F"
        )
        detf_axes.set_ylim(0, 1.25 * inputs.analytic_detf)
    detf_axes.set_xlabel("epoch (dotted: kept epoch)")
    detf_axes.set_ylabel("det F (solid: validation, dashed: training)")
    detf_axes.legend(fontsize="small")
    lambda_axes.set_yscale("log")
    lambda_axes.set_xlabel("epoch")
    lambda_axes.set_ylabel("Λ2 = ||C − I|| + ||C⁻¹ − I|| (validation)")
    return figures.png(figure)


def covariances(inputs: ImnnReportInputs) -> bytes:
    """The summaries' covariance C on the validation set, per selected replica (identity is the target)."""
    shown = inputs.selected_replicas[:MAX_COVARIANCE_PANELS]
    figure = Figure(figsize=(2.6 * len(shown) + 0.8, 2.8), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(shown)))
    for ax, replica in zip(axes, shown):
        matrix = replica.statistics["C"]
        shade = ax.imshow(matrix, cmap="RdBu_r", vmin=-1.5, vmax=1.5)
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:.3f}", ha="center", va="center", fontsize="small")
        ax.set_title(f"replica {replica.replica}", fontsize="small")
        ax.set_xticks(range(len(matrix)), [f"x{i}" for i in range(len(matrix))])
        ax.set_yticks(range(len(matrix)), [f"x{i}" for i in range(len(matrix))])
    figure.colorbar(shade, ax=list(axes), shrink=0.8)
    return figures.png(figure)


def estimates(inputs: ImnnReportInputs) -> bytes:
    """Score estimates of each parameter for every held-out simulation, per selected replica, ± Fisher error."""
    selected = inputs.selected_replicas
    theta = selected[0].statistics["held_out_theta"]  # (points, p)
    points, params = theta.shape
    figure = Figure(figsize=(3.6 * points, 2.8 * params), layout="constrained")
    axes = np.asarray(figure.subplots(params, points, squeeze=False))
    width = 0.8 / max(len(selected), 1)
    for j in range(points):
        for a in range(params):
            ax = axes[a, j]
            for k, replica in enumerate(selected):
                values = replica.statistics["held_out_estimates"][j, :, a]
                error = replica.statistics["fisher_errors"][a]
                x = np.arange(len(values)) + (k - (len(selected) - 1) / 2) * width
                ax.errorbar(
                    x,
                    values,
                    yerr=error,
                    fmt="o",
                    markersize=3,
                    color=f"C{k % 10}",
                    label=f"replica {replica.replica}" if (a, j) == (0, 0) else None,
                )
            ax.axhline(theta[j, a], color="black", linestyle="--", linewidth=1)
            ax.set_title(
                f"{inputs.parameters[a]} at θ = {np.round(theta[j], 3).tolist()}", fontsize="small"
            )
            ax.set_xlabel("held-out simulation")
    axes[0, 0].legend(fontsize="x-small")
    return figures.png(figure)


# --- sections -----------------------------------------------------------------------------------


def _problem_section(inputs: ImnnReportInputs) -> str:
    meta, settings = inputs.meta, inputs.runcard["imnn"]
    simulator = ", ".join(
        f"{k} = {v}" for k, v in meta["simulator"].items() if k not in ("name", "parameters")
    )
    rows = [
        ["simulator", f"{meta['simulator']['name']} ({simulator})"],
        [
            "parameters at θ_fid",
            ", ".join(f"{p} = {v:g}" for p, v in zip(inputs.parameters, meta["theta_fid"])),
        ],
        [
            "simulations per set",
            f"n_s = {settings['n_s']}, n_d = {settings['n_d']} ({meta['derivatives']} derivatives"
            + (f", dθ = {meta['dtheta']}" if meta["dtheta"] else "")
            + ")",
        ],
        ["input", f"{settings['input']['source']}, n_per_device = {settings['n_per_device']}"],
        [
            "network",
            f"{settings['network']['nodes_per_layer']} ({', '.join(settings['network']['activation_per_layer'])}) "
            f"→ {settings['n_summaries']} summaries",
        ],
        [
            "analytic F",
            "unknown"
            if meta["fisher_analytic"] is None
            else str(np.round(meta["fisher_analytic"], 4).tolist()),
        ],
        ["analytic det F", number(inputs.analytic_detf)],
    ]
    return section("Problem", table(["", ""], rows))


def _postfit_section(inputs: ImnnReportInputs) -> str:
    vetoed = inputs.vetoes["replicas"]
    rows = [[int(r), v["criterion"], v["detail"]] for r, found in vetoed.items() for v in found]
    parts = [
        paragraph(
            f"{len(inputs.selected)} of {len(inputs.replicas)} replicas selected; "
            + (f"{len(vetoed)} vetoed." if vetoed else "none vetoed.")
        )
    ]
    if rows:
        parts.append(table(["replica", "criterion", "detail"], rows))
    parts.append(
        paragraph(
            f"Vetoes: training diverged; validation det F below imnn.postfit.detf_ratio = "
            f"{inputs.runcard['imnn']['postfit']['detf_ratio']} of the replicas' median.",
            note=True,
        )
    )
    return section("Postfit", *parts)


def _training_section(inputs: ImnnReportInputs, pngs: dict[str, bytes]) -> str:
    analytic = inputs.analytic_detf
    rows = []
    for replica in inputs.replicas:
        fit = replica.fit
        ratio = fit["det_fisher_validation"] / analytic if analytic else None
        rows.append(
            [
                replica.replica,
                "yes" if replica.replica in inputs.selected else "no",
                fit["stop_reason"],
                fit["best_epoch"],
                fit["last_epoch"],
                number(fit["det_fisher_training"]),
                number(fit["det_fisher_validation"]),
                number(ratio, 3),
                number(fit["lambda2_validation"], 3),
            ]
        )
    return section(
        "Fisher information during training",
        image(pngs["detf_history"], "det F per epoch"),
        table(
            [
                "replica",
                "selected",
                "stopped by",
                "kept epoch",
                "last epoch",
                "det F training",
                "det F validation",
                "validation / analytic",
                "Λ2 validation",
            ],
            rows,
        ),
        paragraph(
            "det F of the summaries' Gaussian Fisher information F = dμ/dθ C⁻¹ dμ/dθᵀ, at the kept epoch "
            "(the largest validation det F); epoch e is evaluated with the weights after e steps.",
            note=True,
        ),
    )


def _covariance_section(inputs: ImnnReportInputs, pngs: dict[str, bytes]) -> str:
    best = max(inputs.selected_replicas, key=lambda r: r.fit["det_fisher_validation"])
    fisher = np.asarray(best.fit["fisher_validation"])
    rows = [
        [
            inputs.parameters[a],
            *[number(v) for v in fisher[a]],
            *(
                [number(v) for v in np.asarray(inputs.meta["fisher_analytic"])[a]]
                if inputs.meta["fisher_analytic"]
                else []
            ),
        ]
        for a in range(len(inputs.parameters))
    ]
    header = ["", *[f"F[{p}]" for p in inputs.parameters]]
    if inputs.meta["fisher_analytic"]:
        header += [f"analytic F[{p}]" for p in inputs.parameters]
    return section(
        "Summaries' covariance and Fisher matrix",
        image(pngs["covariance"], "summaries' covariance per replica"),
        paragraph(
            f"Validation-set covariance C of the summaries (the regularisation drives it to the identity). "
            f"Fisher matrix of the best replica ({best.replica}):",
            note=True,
        ),
        table(header, rows),
    )


def _estimates_section(inputs: ImnnReportInputs, pngs: dict[str, bytes]) -> str:
    best = max(inputs.selected_replicas, key=lambda r: r.fit["det_fisher_validation"])
    theta, values = best.statistics["held_out_theta"], best.statistics["held_out_estimates"]
    errors = best.statistics["fisher_errors"]
    rows = [
        [
            j,
            i,
            ", ".join(f"{t:g}" for t in theta[j]),
            ", ".join(f"{v:.3f} ± {e:.3f}" for v, e in zip(values[j, i], errors)),
        ]
        for j in range(values.shape[0])
        for i in range(values.shape[1])
    ]
    return section(
        "Score-compressed estimates of held-out simulations",
        image(pngs["estimates"], "held-out estimates"),
        paragraph(
            "θ̂ = θ_fid + F⁻¹ dμ/dθ C⁻¹ (x − μ) with each replica's validation statistics; error bars "
            "sqrt(diag F⁻¹), the Fisher error at θ_fid (the estimate is only first-order away from it).",
            note=True,
        ),
        paragraph(f"Best replica ({best.replica}), parameters ({', '.join(inputs.parameters)}):"),
        table(["point", "simulation", "true θ", "estimate ± Fisher error"], rows),
    )


def build_imnn_report(fit_dir: Path) -> Report:
    inputs = load_imnn_inputs(Path(fit_dir))
    pngs: dict[str, bytes] = {
        "detf_history": detf_history(inputs),
        "covariance": covariances(inputs),
        "estimates": estimates(inputs),
    }
    sections = [
        paragraph(inputs.runcard["description"] or "IMNN fit"),
        _problem_section(inputs),
        _postfit_section(inputs),
        *scan_sections(inputs, pngs),
        _training_section(inputs, pngs),
        _covariance_section(inputs, pngs),
        _estimates_section(inputs, pngs),
        section("Provenance", table(["key", "value"], provenance_rows(inputs.provenance))),
    ]
    return Report(page(f"replifold fit {inputs.name}", sections), pngs)
