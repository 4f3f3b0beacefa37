"""``replifold install-lhapdf SETDIR [--path DIR]``: make a fit's LHAPDF set visible to LHAPDF.

SETDIR is a set folder such as results/<fit>/lhapdf/<fit>; it is copied to DIR/<fit>/ (default:
the first folder of LHAPDF_DATA_PATH), after which ``lhapdf.mkPDF("<fit>", 0)`` finds it.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "set_dir", type=Path, help="the set's folder, e.g. results/<fit>/lhapdf/<fit>"
    )
    parser.add_argument(
        "--path",
        type=Path,
        default=None,
        help="the LHAPDF data folder to install into (default: the first folder of LHAPDF_DATA_PATH)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an installed set of the same name"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.lhapdf.install import default_data_path, install_set

    target = install_set(args.set_dir, args.path or default_data_path(), force=args.force)
    print(f"install-lhapdf: {target}")
    return 0
