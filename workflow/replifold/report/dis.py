"""The report's sections for a real-data (``problem: dis``) fit.

* the theory and the data: theory card, data sets after cuts, which covariance was fitted;
* chi2 per point of every data set and in total, with the experimental covariance (multiplicative
  uncertainties relative to the fitted central values, as validphys reports chi2), for the mean
  prediction of the selected replicas and on average over them;
* data against theory per data set, with the experimental uncertainties of the data and the
  replicas' spread;
* the PDFs at Q0; in a closure test on real kinematics, with the truth and the closure estimators.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from replifold.io import read_npz
from replifold.report import figures
from replifold.report.closure import TOTAL, closure_estimators, mean_replica_chi2
from replifold.report.html import closure_table, image, number, paragraph, section, table
from replifold.report.inputs import ReportInputs

PDF_X_MIN = 1.0e-5  # below it no DIS data constrain the fit: the replicas' spread hides the rest
ESTIMATORS_NOTE = (
    "Closure test on real kinematics: the central data are the built-in truth's predictions through the real FK "
    "tables plus level-1 noise. Estimators as in the closure problem's report: bias and variance in units of the "
    "experimental covariance, R_bv = sqrt(bias / variance), ξ_1σ the fraction of points within the replicas' 1σ."
)


def _chi2(residual: np.ndarray, covmat: np.ndarray) -> float:
    """``r^T C^-1 r`` by a Cholesky solve."""
    whitened = np.linalg.solve(np.linalg.cholesky(covmat), residual)
    return float(whitened @ whitened)


def chi2_rows(inputs: ReportInputs, predictions: np.ndarray) -> list[list]:
    """Per data set and in total: points, chi2/n of the mean prediction, mean chi2/n of the replicas."""
    problem = inputs.problem
    mean = predictions.mean(axis=0)
    replicas = mean_replica_chi2(inputs.selected_replicas, problem.datasets)
    rows = []
    for d in problem.datasets:
        rows.append(
            [
                d.name,
                d.ndata,
                number(_chi2(mean[d.slice] - d.central, d.covmat) / d.ndata),
                number(replicas[d.name]),
            ]
        )
    experimental = read_npz(inputs.fit_dir / "data" / "dis" / "covmat_experimental.npz")["covmat"]
    total_replicas = (
        np.mean([_chi2(p - problem.central, experimental) for p in predictions]) / problem.ndata
    )
    rows.append(
        [
            TOTAL,
            problem.ndata,
            number(_chi2(mean - problem.central, experimental) / problem.ndata),
            number(total_replicas),
        ]
    )
    return rows


def data_theory_figure(inputs: ReportInputs, predictions: np.ndarray) -> bytes:
    """One row per data set: data (experimental 1σ) and the replicas' mean and 1σ band against the
    point index (commondata order after cuts); right: theory / data with the data's relative error."""
    datasets = inputs.problem.datasets
    figure = Figure(figsize=(12, 2.8 * len(datasets)), layout="constrained")
    axes = np.atleast_2d(figure.subplots(len(datasets), 2, squeeze=False))
    for (values, ratio), d in zip(axes, datasets, strict=True):
        points = np.arange(d.ndata)
        sigma = np.sqrt(np.diag(d.covmat))
        mean, spread = predictions[:, d.slice].mean(axis=0), predictions[:, d.slice].std(axis=0)
        values.errorbar(
            points,
            d.central,
            yerr=sigma,
            fmt="o",
            markersize=2,
            color="black",
            linewidth=0.6,
            label="data",
        )
        values.fill_between(
            points, mean - spread, mean + spread, color="tab:orange", alpha=0.4, step="mid"
        )
        values.plot(
            points,
            mean,
            color="tab:orange",
            linewidth=0.8,
            drawstyle="steps-mid",
            label="fit (mean ± 1σ)",
        )
        values.set_title(d.name, fontsize="medium")
        values.set_ylabel("observable")
        if np.all(d.central > 0) and d.central.max() / d.central.min() > 30:
            values.set_yscale("log")
        ratio.fill_between(
            points,
            1 - sigma / d.central,
            1 + sigma / d.central,
            color="grey",
            alpha=0.35,
            step="mid",
            label="data 1σ",
        )
        ratio.errorbar(
            points,
            mean / d.central,
            yerr=spread / np.abs(d.central),
            fmt="o",
            markersize=2,
            color="tab:orange",
            linewidth=0.6,
            label="fit / data",
        )
        ratio.axhline(1.0, color="black", linewidth=0.6)
        ratio.set_ylabel("fit / data")
    for ax in axes[-1]:
        ax.set_xlabel("data point (commondata order, after cuts)")
    axes[0, 0].legend(fontsize="small")
    axes[0, 1].legend(fontsize="small")
    return figures.png(figure)


def _theory_paragraph(inputs: ReportInputs) -> str:
    meta = inputs.problem.meta
    theory = meta["theory"]
    card = theory["card"]
    overrides = ", ".join(f"{k} = {v}" for k, v in theory["overrides"].items()) or "none"
    cuts = meta["datacuts"]
    return (
        f"Theory: NNPDF theory card {theory['id']} (overrides: {overrides}): perturbative order PTO = {card['PTO']}, "
        f"heavy-quark scheme {card['FNS']}, αs(MZ) = {card['alphas']}, Q0 = {card['Q0']} GeV; FK tables built with "
        f"yadism, eko and pineko on NNPDF's {theory['xgrid_points']}-point x-grid. Cuts: Q² > {cuts['q2min']} GeV², "
        f"W² > {cuts['w2min']} GeV²."
    )


def _covariance_paragraph(inputs: ReportInputs) -> str:
    meta = inputs.problem.meta
    if meta["covariance"] == "t0":
        return (
            f"Fitted covariance: t0, with the predictions of the selected replicas' mean of fit {meta['t0fit']} "
            "for the multiplicative uncertainties; Monte Carlo replicas were drawn from it too."
        )
    return (
        "Fitted covariance: experimental (no t0 fit given): multiplicative uncertainties relative to the central "
        "data, which biases the fit towards data that fluctuated low (D'Agostini bias); refit with datacuts.t0fit "
        "naming this fit to remove it."
    )


def _datasets_table(inputs: ReportInputs) -> str:
    rows = [
        [
            name,
            info["variant"] or "–",
            info["observable"],
            info["ndata"],
            info["ndata_before_cuts"],
            info["scales"],
            info["fktable"],
        ]
        for name, info in inputs.problem.meta["dis"].items()
    ]
    return table(
        [
            "data set",
            "variant",
            "yadism observable",
            "points",
            "before cuts",
            "Q² values",
            "FK table (cache key)",
        ],
        rows,
    )


def dis_sections(
    inputs: ReportInputs, xf: np.ndarray, predictions: np.ndarray, pngs: dict[str, bytes]
) -> list[str]:
    problem = inputs.problem
    closure = problem.meta.get("closuretest") is not None
    keep = problem.xgrid >= PDF_X_MIN
    pngs["pdfs"] = figures.pdf_bands(
        problem.xgrid[keep], xf[:, :, keep], problem.truth_xf[:, keep] if closure else None
    )
    pngs["data_theory"] = data_theory_figure(inputs, predictions)
    q0 = problem.meta["theory"]["card"]["Q0"]
    sections: list[str] = [
        section(
            "Theory and data",
            paragraph(_theory_paragraph(inputs)),
            _datasets_table(inputs),
            paragraph(_covariance_paragraph(inputs)),
        ),
        section(
            "χ² per data set",
            table(
                ["data set", "ndata", "χ²/n of the mean", "⟨χ²/n⟩ replicas"],
                chi2_rows(inputs, predictions),
            ),
            paragraph(
                "χ² with the experimental covariance (multiplicative uncertainties relative to the fitted central "
                "values); the total includes the systematics that correlate data sets.",
                note=True,
            ),
        ),
        section(
            "Data and theory",
            image(pngs["data_theory"], "data against the fit per data set"),
            paragraph(
                f"{len(inputs.selected)} selected replicas; data error bars: square root of the covariance's "
                "diagonal.",
                note=True,
            ),
        ),
        section(
            f"PDFs at Q0 = {q0} GeV",
            image(pngs["pdfs"], "PDF replicas per flavour at the fitting scale"),
            paragraph(
                f"x f(x) of the {len(inputs.selected)} selected replicas (thin lines), their mean and 1σ band, "
                f"x ≥ {PDF_X_MIN:g}; c stands for charm and anticharm alike"
                + ("; dashed: the closure test's truth." if closure else "."),
                note=True,
            ),
        ),
    ]
    if closure:
        estimators = closure_estimators(problem, predictions)
        pngs["closure"] = figures.closure_summary(estimators)
        sections.append(
            section(
                "Closure estimators",
                image(pngs["closure"], "closure estimators"),
                closure_table(estimators),
                paragraph(ESTIMATORS_NOTE, note=True),
            )
        )
    return sections
