"""The report of one fit: its figures (PNG, also Snakemake report items) and index.html."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replifold.closure.predictions import replica_predictions
from replifold.postfit.replicas import stacked_xf
from replifold.report import evolved, figures
from replifold.report.closure import closure_estimators, mean_replica_chi2
from replifold.report.dis import dis_sections
from replifold.report.html import (
    closure_table,
    image,
    number,
    page,
    paragraph,
    provenance_rows,
    section,
    table,
)
from replifold.report.inputs import ReportInputs
from replifold.report.scan import best_trials

ESTIMATOR_DEFINITIONS = (
    "With T_k the predictions of selected replica k, <T> their mean, T* the truth's predictions and C the "
    "experimental covariance of a dataset's n points: bias B = (<T> − T*)ᵀ C⁻¹ (<T> − T*) / n; "
    "variance V = mean_k (T_k − <T>)ᵀ C⁻¹ (T_k − <T>) / n; R_bv = sqrt(B / V), 1 when the replica spread is a "
    "faithful uncertainty and above 1 when it is too small; ξ_1σ = fraction of points with |<T> − T*| below the "
    "replicas' standard deviation, 0.68 for faithful Gaussian uncertainties. χ²/n central compares <T> with the "
    "level-1 data, χ²/n truth compares the truth with them (the noise level)."
)


@dataclass(frozen=True)
class Report:
    html: str
    figures: dict[str, bytes]  # file stem -> PNG


def _postfit_section(inputs: ReportInputs) -> str:
    vetoed = inputs.vetoes["replicas"]
    counts = {c: n for c, n in inputs.vetoes["counts"].items() if n}
    summary = f"{len(inputs.selected)} of {len(inputs.replicas)} replicas selected; " + (
        f"{len(vetoed)} vetoed ({', '.join(f'{n} {c}' for c, n in counts.items())})."
        if vetoed
        else "none vetoed."
    )
    rows = [[int(r), v["criterion"], v["detail"]] for r, found in vetoed.items() for v in found]
    parts = [paragraph(summary)]
    if rows:
        parts.append(table(["replica", "criterion", "detail"], rows))
    no_best = [
        int(r)
        for r, found in vetoed.items()
        if any(v["criterion"] == "no_best_epoch" for v in found)
    ]
    if no_best:
        parts.append(
            paragraph(
                f"Replicas {', '.join(map(str, no_best))} never had a best epoch (no epoch passed threshold_chi2 and "
                "positivity): they carry their last weights and postfit vetoed them.",
            )
        )
    criteria = inputs.runcard["postfit"]
    options = []
    if criteria.get("max_training_chi2") is not None:
        options.append(
            f"training χ²/point above max_training_chi2 = {criteria['max_training_chi2']}"
        )
    if criteria.get("small_x_outlier_nsigma") is not None:
        options.append(
            f"|x f| at the grid's smallest x more than {criteria['small_x_outlier_nsigma']} σ above the survivors"
        )
    parts.append(
        paragraph(
            "Vetoes, as NNPDF's postfit: no best epoch, or positivity failed at the kept weights; an integrability "
            "number (Σ|x f| at x = 1e-9, 1e-8, 1e-7 of V, T3, V3, T8, V8) above "
            f"{criteria['integrability_threshold']}; "
            f"experimental χ²/point more than {criteria['chi2_nsigma']} σ or an arc length (Σ, g, V, V3, V8) more than "
            f"{criteria['arclength_nsigma']} σ above the survivors' mean, iterated until the survivors are stable "
            f"({inputs.vetoes['iterations']} passes)"
            + ("; also, not in NNPDF: " + "; ".join(options) if options else "")
            + ".",
            note=True,
        )
    )
    return section("Postfit", *parts)


MULTICLOSURE_DEFINITIONS = (
    "Draw 0 is this fit, draws 1..N−1 fit the same truth from independent level-1 data (seeds derived per draw). "
    "With T_lk the predictions of draw l's first R selected replicas, <T_l> their mean, T* the truth and C the "
    "experimental covariance: bias B_l = (<T_l> − T*)ᵀ C⁻¹ (<T_l> − T*), variance V_l = mean_k (T_lk − <T_l>)ᵀ C⁻¹ "
    "(T_lk − <T_l>), R_bv = sqrt(mean_l B_l / mean_l V_l) (1 for faithful uncertainties); ξ_1σ = fraction of draws "
    "whose |<T_l> − T*| is below the replicas' σ, per point in the basis of C's eigenvectors, averaged over points "
    "(0.68 = erf(1/√2) for faithful Gaussian uncertainties). Bias and variance are shown per point. Errors: standard "
    "deviation over bootstrap resamples of the draws and, within each, of its replicas (validphys' multiclosure)."
)


def _multiclosure_section(inputs: ReportInputs, pngs: dict[str, bytes]) -> list[str]:
    estimators = inputs.multiclosure
    if estimators is None:
        return []
    pngs["multiclosure"] = figures.multiclosure_summary(estimators)
    pngs["multiclosure_chi2"] = figures.multiclosure_chi2(estimators)
    rows = [
        [
            name,
            r["ndata"],
            number(r["bias"]),
            number(r["variance"]),
            f"{number(r['R_bv'], 3)} ± {number(r['R_bv_error'], 2)}",
            f"{number(r['xi_1sigma'], 3)} ± {number(r['xi_1sigma_error'], 2)}",
            number(r["xi_expected_from_R_bv"], 3),
        ]
        for name, r in [*estimators["datasets"].items(), ("total", estimators["total"])]
    ]
    total, delta, chi2 = estimators["total"], estimators["delta_chi2"], estimators["replica_chi2"]
    summary = (
        f"{len(estimators['draws'])} level-1 draws × {estimators['replicas_per_draw']} replicas: "
        f"R_bv = {number(total['R_bv'], 3)} ± {number(total['R_bv_error'], 2)} (faithful: 1), "
        f"ξ_1σ = {number(total['xi_1sigma'], 3)} ± {number(total['xi_1sigma_error'], 2)} (faithful: 0.68); "
        f"mean replica χ²/point {number(chi2['mean'], 4)} ± {number(chi2['error'], 2)}; "
        f"Δχ² of the central fit against the truth {number(delta['mean'], 3)} ± {number(delta['error'], 2)}."
    )
    return [
        section(
            "Multi-closure test",
            paragraph(summary),
            image(pngs["multiclosure"], "multi-closure estimators per dataset"),
            table(
                ["dataset", "ndata", "bias/point", "variance/point", "R_bv", "ξ_1σ", "ξ from R_bv"],
                rows,
            ),
            image(pngs["multiclosure_chi2"], "replica chi2, delta chi2 and xi per point"),
            paragraph(MULTICLOSURE_DEFINITIONS, note=True),
        )
    ]


def scan_sections(inputs: ReportInputs, pngs: dict[str, bytes]) -> list[str]:
    """The hyperopt scan's sections (shared with the imnn report: it reads ``inputs.trials`` and ``inputs.best``)."""
    if inputs.trials is None:
        return [
            section(
                "Hyperopt scan",
                paragraph("This runcard has no hyperopt section: the fit used its own parameters."),
            )
        ]
    pngs["hyperopt_scan"] = figures.scan_losses(inputs.trials)
    pngs["hyperopt_parameters"] = figures.scan_parameters(inputs.trials)
    pngs["fold_losses"] = figures.fold_losses(inputs.trials)
    rows = [
        [
            t.trial,
            t.round,
            "ok" if t.ok else f"failed: {t.reason}",
            number(t.loss),
            ", ".join(number(v) for v in t.fold_losses),
        ]
        for t in inputs.trials
    ]
    best = inputs.best
    return [
        section(
            "Hyperopt scan",
            paragraph(
                f"Best trial {best['trial']} (round {best['round']}), hyper-loss {number(best['loss'])}; "
                "the final fit trained with its parameters."
            ),
            image(pngs["hyperopt_scan"], "hyper-loss per trial"),
            image(pngs["hyperopt_parameters"], "hyper-loss against each hyperparameter"),
            table(["trial", "round", "status", "hyper-loss", "fold losses"], rows),
        ),
        section(
            "Per-fold losses of the best trials",
            image(pngs["fold_losses"], "fold losses of the best trials"),
            paragraph(
                f"The {len(best_trials(inputs.trials, figures.BEST_TRIALS))} best successful trials.",
                note=True,
            ),
        ),
    ]


def _closure_sections(
    inputs: ReportInputs, xf: np.ndarray, predictions: np.ndarray, pngs: dict[str, bytes]
) -> list[str]:
    """The built-in closure test: PDFs against the truth, chi2 per dataset, closure estimators."""
    selected = inputs.selected_replicas
    estimators = closure_estimators(inputs.problem, predictions)
    pngs["pdfs"] = figures.pdf_bands(selected[0].xgrid, xf, inputs.problem.truth_xf)
    pngs["closure"] = figures.closure_summary(estimators)
    replica_chi2 = mean_replica_chi2(selected, inputs.problem.datasets)
    chi2_rows = [
        [
            e.dataset,
            e.ndata,
            number(e.chi2_central),
            number(replica_chi2[e.dataset]) if e.dataset in replica_chi2 else "–",
            number(e.chi2_truth),
        ]
        for e in estimators
    ]
    return [
        section(
            "Fitted PDFs and the truth",
            image(pngs["pdfs"], "PDF replicas per flavour with the truth"),
            paragraph(
                f"{len(selected)} selected replicas (thin lines), their mean and 1σ band; "
                "dashed: the closure test's truth.",
                note=True,
            ),
        ),
        section(
            "χ² per dataset",
            table(
                ["dataset", "ndata", "χ²/n of the mean", "⟨χ²/n⟩ replicas", "χ²/n truth"], chi2_rows
            ),
        ),
        section(
            "Closure estimators",
            image(pngs["closure"], "closure estimators"),
            closure_table(estimators),
            paragraph(ESTIMATOR_DEFINITIONS, note=True),
        ),
    ]


def _evolved_section(inputs: ReportInputs, pngs: dict[str, bytes]) -> list[str]:
    """The fit's LHAPDF set (after 'replifold evolve'): bands at Q0, 10 and 100 GeV, sum rules."""
    if inputs.evolved is None:
        return []
    lhapdf_set, summary = inputs.evolved.lhapdf_set, inputs.evolved.summary
    parts = [
        paragraph(
            f"LHAPDF set {lhapdf_set.name}: member 0 the mean of {lhapdf_set.members - 1} selected replicas, "
            f"evolved with NNPDF {summary['theory']['description']}; line: member 0, band: replicas' mean ± 1σ."
        )
    ]
    for row in summary["sum_rules"]:
        stem = f"evolved_q{row['q']:g}".replace(".", "p")
        pngs[stem] = evolved.band_figure([(inputs.name, lhapdf_set)], row["q"])
        parts.append(image(pngs[stem], f"PDFs at Q = {row['q']:g} GeV"))
    parts.append(evolved.sum_rule_table(summary))
    parts.append(
        paragraph(
            "Sum rules of the evolved grids (mean ± std over replicas), integrated over the set's x knots "
            "at each scale; evolution conserves them.",
            note=True,
        )
    )
    return [section("Evolved PDFs (LHAPDF set)", *parts)]


def build_report(inputs: ReportInputs) -> Report:
    pngs: dict[str, bytes] = {}
    xf = stacked_xf(inputs.selected_replicas)
    predictions = replica_predictions(inputs.problem, xf)
    pngs["training"] = figures.training_summary(inputs.replicas, inputs.selected)
    pngs["training_curves"] = figures.training_curves(inputs.histories, inputs.selected)
    if inputs.problem.meta.get("problem") == "dis":
        problem_sections = dis_sections(inputs, xf, predictions, pngs)
    else:
        problem_sections = _closure_sections(inputs, xf, predictions, pngs)
    sections = [
        paragraph(inputs.runcard["description"] or "closure test"),
        _postfit_section(inputs),
        *scan_sections(inputs, pngs),
        section(
            "Training",
            image(pngs["training_curves"], "training curves per replica"),
            paragraph(
                f"Recorded inside the training loop every {inputs.runcard['history']['stride']} epochs "
                "(fit/batch<b>/history.npz); a curve ends where its replica stopped, the dot marks the "
                "epoch whose weights were kept.",
                note=True,
            ),
            image(pngs["training"], "training summary per replica"),
            paragraph(
                "Each replica's final training and validation χ² per point and its best (kept) and last "
                "epochs (best epoch -1: none met the stopping conditions).",
                note=True,
            ),
        ),
        *problem_sections,
        *_multiclosure_section(inputs, pngs),
        *_evolved_section(inputs, pngs),
        section("Provenance", table(["key", "value"], provenance_rows(inputs.provenance))),
    ]
    return Report(page(f"replifold fit {inputs.name}", sections), pngs)
