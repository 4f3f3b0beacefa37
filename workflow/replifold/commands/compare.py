"""``replifold compare A B -o OUT``: two fits' PDFs on the same plots, OUT/index.html (+ figures/).

A and B are fit folders (after 'replifold evolve'), LHAPDF set folders or fit archives; the
page draws both sets at common scales and lists their theories and sum rules.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "first", type=Path, help="fit folder, LHAPDF set folder or fit archive (.tar.gz)"
    )
    parser.add_argument(
        "second", type=Path, help="the fit to compare it with, in any of the same forms"
    )
    parser.add_argument(
        "-o", "--output", dest="outdir", type=Path, required=True, help="the comparison's folder"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.io import atomic_write_bytes, atomic_write_text
    from replifold.report.compare import compare_page, load_compared

    html, figures = compare_page(load_compared(args.first), load_compared(args.second))
    for stem, png in sorted(figures.items()):
        atomic_write_bytes(args.outdir / "figures" / f"{stem}.png", png)
    atomic_write_text(args.outdir / "index.html", html)
    print(f"compare: {args.outdir / 'index.html'} ({len(figures)} figures)")
    return 0
