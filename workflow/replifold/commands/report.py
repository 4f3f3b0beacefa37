"""``replifold report FITDIR -o REPORTDIR``: REPORTDIR/index.html and REPORTDIR/figures/*.png.

The page embeds its figures, so it opens offline on its own; the PNGs beside it are what
Snakemake's ``--report`` collects.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory, after 'replifold postfit'")
    parser.add_argument(
        "-o", "--output", dest="outdir", type=Path, required=True, help="the report directory"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn_fit
    from replifold.io import atomic_write_bytes, atomic_write_text

    if is_imnn_fit(args.fit_dir):
        from replifold.report.imnn import build_imnn_report

        report = build_imnn_report(args.fit_dir)
    else:
        from replifold.report.build import build_report
        from replifold.report.inputs import load_inputs

        report = build_report(load_inputs(args.fit_dir))
    for stem, png in sorted(report.figures.items()):
        atomic_write_bytes(args.outdir / "figures" / f"{stem}.png", png)
    atomic_write_text(args.outdir / "index.html", report.html)
    log.info(f"report: {args.outdir / 'index.html'} ({len(report.figures)} figures)")
    return 0
