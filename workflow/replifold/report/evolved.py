"""Figures and tables of evolved LHAPDF sets: bands at fixed scales, one set or several on the same axes.

Values between the grid's Q knots come from LHAPDF's own interpolation
(``replifold.lhapdf.interpolation``), so the figures show what any tool reading the set sees.
The band is the replicas' mean +- one standard deviation (members 1..N), the line member 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from replifold.lhapdf.grid import LhapdfSet
from replifold.lhapdf.interpolation import at_scale
from replifold.report.figures import png
from replifold.report.html import number, table

# (LHAPDF id, label) of the panels
PANELS: tuple[tuple[int, str], ...] = (
    (21, "g"),
    (2, "u"),
    (-2, "ū"),
    (1, "d"),
    (-1, "d̄"),
    (3, "s"),
    (-3, "s̄"),
    (4, "c"),
    (5, "b"),
)
X_PLOT = np.geomspace(1.0e-5, 0.95, 120)
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red")


def band_figure(sets: Sequence[tuple[str, LhapdfSet]], q: float, x: np.ndarray = X_PLOT) -> bytes:
    """x f(x, q) of every panel flavour for each (label, set)."""
    figure = Figure(figsize=(12, 9), layout="constrained")
    axes = figure.subplots(3, 3).ravel()
    for (label, lhapdf_set), colour in zip(sets, COLOURS):
        values = at_scale(lhapdf_set, x, q)  # (members, npids, nx)
        replicas = values[1:] if lhapdf_set.members > 1 else values
        mean, std = replicas.mean(axis=0), replicas.std(axis=0)
        for ax, (pid, name) in zip(axes, PANELS):
            if pid not in lhapdf_set.pids:
                continue
            f = lhapdf_set.pids.index(pid)
            ax.fill_between(
                x, mean[f] - std[f], mean[f] + std[f], color=colour, alpha=0.3, linewidth=0
            )
            ax.plot(
                x,
                values[0, f],
                color=colour,
                linewidth=1.2,
                label=f"{label} ({lhapdf_set.members - 1} replicas)",
            )
            ax.set_title(f"x {name}(x, Q = {q:.4g} GeV)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("x")
    axes[0].legend(fontsize="small")
    return png(figure)


def sum_rule_rows(summary: Mapping[str, Any]) -> list[list[Any]]:
    """evolution.json's sum rules as table rows: scale, then mean ± std of each rule."""
    rows = []
    for row in summary["sum_rules"]:
        cells = [number(row["q"])]
        for name in ("momentum", "uv", "dv", "sv"):
            cells.append(f"{number(row[name]['mean'], 6)} ± {number(row[name]['std'], 2)}")
        rows.append(cells)
    return rows


def sum_rule_table(summary: Mapping[str, Any]) -> str:
    return table(
        ["Q [GeV]", "∫x(Σq + g) = 1", "∫(u − ū) = 2", "∫(d − d̄) = 1", "∫(s − s̄) = 0"],
        sum_rule_rows(summary),
    )
