"""The report of one fit: its figures (PNG, also Snakemake report items) and index.html."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replifold.postfit.replicas import stacked_xf
from replifold.report import evolved, figures
from replifold.report.closure import closure_estimators, mean_replica_chi2, replica_predictions
from replifold.report.dis import dis_sections
from replifold.report.html import closure_table, image, number, page, paragraph, provenance_rows, section, table
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
    summary = (
        f"{len(inputs.selected)} of {len(inputs.replicas)} replicas selected; "
        + (f"{len(vetoed)} vetoed ({', '.join(f'{n} {c}' for c, n in counts.items())})." if vetoed else "none vetoed.")
    )
    rows = [[int(r), v["criterion"], v["detail"]] for r, found in vetoed.items() for v in found]
    parts = [paragraph(summary)]
    if rows:
        parts.append(table(["replica", "criterion", "detail"], rows))
    criteria = inputs.runcard["postfit"]
    parts.append(paragraph(
        f"Vetoes: training diverged; training χ²/point above threshold_chi2 = {inputs.runcard['parameters']['threshold_chi2']}; "
        f"positivity violated; arc length more than {criteria['arclength_nsigma']} σ above the ensemble in some flavour; "
        f"small-x |x f| of v, v3, v8, t3 or t8 more than {criteria['integrability_nsigma']} σ above the ensemble.",
        note=True,
    ))
    return section("Postfit", *parts)


def scan_sections(inputs: ReportInputs, pngs: dict[str, bytes]) -> list[str]:
    """The hyperopt scan's sections (shared with the imnn report: it reads ``inputs.trials`` and ``inputs.best``)."""
    if inputs.trials is None:
        return [section("Hyperopt scan", paragraph("This runcard has no hyperopt section: the fit used its own parameters."))]
    pngs["hyperopt_scan"] = figures.scan_losses(inputs.trials)
    pngs["hyperopt_parameters"] = figures.scan_parameters(inputs.trials)
    pngs["fold_losses"] = figures.fold_losses(inputs.trials)
    rows = [
        [t.trial, t.round, "ok" if t.ok else f"failed: {t.reason}", number(t.loss), ", ".join(number(v) for v in t.fold_losses)]
        for t in inputs.trials
    ]
    best = inputs.best
    return [
        section(
            "Hyperopt scan",
            paragraph(f"Best trial {best['trial']} (round {best['round']}), hyper-loss {number(best['loss'])}; "
                      "the final fit trained with its parameters."),
            image(pngs["hyperopt_scan"], "hyper-loss per trial"),
            image(pngs["hyperopt_parameters"], "hyper-loss against each hyperparameter"),
            table(["trial", "round", "status", "hyper-loss", "fold losses"], rows),
        ),
        section(
            "Per-fold losses of the best trials",
            image(pngs["fold_losses"], "fold losses of the best trials"),
            paragraph(f"The {len(best_trials(inputs.trials, figures.BEST_TRIALS))} best successful trials.", note=True),
        ),
    ]


def _closure_sections(inputs: ReportInputs, xf: np.ndarray, predictions: np.ndarray, pngs: dict[str, bytes]) -> list[str]:
    """The built-in closure test: PDFs against the truth, chi2 per dataset, closure estimators."""
    selected = inputs.selected_replicas
    estimators = closure_estimators(inputs.problem, predictions)
    pngs["pdfs"] = figures.pdf_bands(selected[0].xgrid, xf, inputs.problem.truth_xf)
    pngs["closure"] = figures.closure_summary(estimators)
    replica_chi2 = mean_replica_chi2(selected, inputs.problem.datasets)
    chi2_rows = [
        [e.dataset, e.ndata, number(e.chi2_central), number(replica_chi2[e.dataset]) if e.dataset in replica_chi2 else "–", number(e.chi2_truth)]
        for e in estimators
    ]
    return [
        section(
            "Fitted PDFs and the truth",
            image(pngs["pdfs"], "PDF replicas per flavour with the truth"),
            paragraph(f"{len(selected)} selected replicas (thin lines), their mean and 1σ band; dashed: the closure test's truth.", note=True),
        ),
        section("χ² per dataset", table(["dataset", "ndata", "χ²/n of the mean", "⟨χ²/n⟩ replicas", "χ²/n truth"], chi2_rows)),
        section("Closure estimators", image(pngs["closure"], "closure estimators"), closure_table(estimators),
                paragraph(ESTIMATOR_DEFINITIONS, note=True)),
    ]


def _evolved_section(inputs: ReportInputs, pngs: dict[str, bytes]) -> list[str]:
    """The fit's LHAPDF set (after 'replifold evolve'): bands at Q0, 10 and 100 GeV, sum rules."""
    if inputs.evolved is None:
        return []
    lhapdf_set, summary = inputs.evolved.lhapdf_set, inputs.evolved.summary
    parts = [paragraph(f"LHAPDF set {lhapdf_set.name}: member 0 the mean of {lhapdf_set.members - 1} selected replicas, "
                       f"evolved with NNPDF {summary['theory']['description']}; line: member 0, band: replicas' mean ± 1σ.")]
    for row in summary["sum_rules"]:
        stem = f"evolved_q{row['q']:g}".replace(".", "p")
        pngs[stem] = evolved.band_figure([(inputs.name, lhapdf_set)], row["q"])
        parts.append(image(pngs[stem], f"PDFs at Q = {row['q']:g} GeV"))
    parts.append(evolved.sum_rule_table(summary))
    parts.append(paragraph("Sum rules of the evolved grids (mean ± std over replicas), integrated over the set's x knots "
                           "at each scale; evolution conserves them.", note=True))
    return [section("Evolved PDFs (LHAPDF set)", *parts)]


def build_report(inputs: ReportInputs) -> Report:
    pngs: dict[str, bytes] = {}
    xf = stacked_xf(inputs.selected_replicas)
    predictions = replica_predictions(inputs.problem, xf)
    pngs["training"] = figures.training_summary(inputs.replicas, inputs.selected)
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
            image(pngs["training"], "training summary per replica"),
            paragraph("Per-epoch curves are not recorded by the training jobs; each replica's final training and "
                      "validation χ² per point and its best (kept) and last epochs are shown.", note=True),
        ),
        *problem_sections,
        *_evolved_section(inputs, pngs),
        section("Provenance", table(["key", "value"], provenance_rows(inputs.provenance))),
    ]
    return Report(page(f"replifold fit {inputs.name}", sections), pngs)
