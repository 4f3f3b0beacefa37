"""``replifold install-profile slurm``: copy a workflow profile to ~/.config/snakemake/<name>/.

Snakemake resolves ``--profile NAME`` in the working directory and ~/.config/snakemake/, so
after this ``snakemake --profile slurm`` works from any directory, not only the checkout.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from replifold.errors import UserError, nearest

PROFILE_FILES = ("config.yaml",)
log = logging.getLogger(__name__)


def _user_profiles() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "snakemake"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the profile under profiles/ (e.g. slurm)")
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help="a folder of profiles (default: the ones shipped with replifold)",
    )
    parser.add_argument(
        "--dest", type=Path, default=None, help="where profiles go (default: ~/.config/snakemake)"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an installed profile of the same name"
    )


def _profiles_folder(source: Path | None) -> Path:
    """``--source``, else the profiles shipped inside the package (profiles/ in a checkout links there)."""
    from importlib import resources

    if source is None:
        with resources.as_file(resources.files("replifold") / "profiles") as shipped:
            return Path(shipped)
    if not source.is_dir():
        raise UserError(
            f"--source {source}: no such folder; pass the folder holding <name>/config.yaml"
        )
    return source


def run(args: argparse.Namespace) -> int:
    from replifold.io import atomic_write_bytes

    folder = _profiles_folder(args.source)
    profile = folder / args.name
    if not (profile / "config.yaml").is_file():
        known = sorted(p.name for p in folder.iterdir() if (p / "config.yaml").is_file())
        hint = nearest(args.name, known)
        raise UserError(
            f"no profile {args.name!r} in {folder} (profiles: {', '.join(known)})"
            + (f"; did you mean {hint!r}?" if hint else "")
        )
    target = (args.dest or _user_profiles()) / args.name
    if (target / "config.yaml").exists() and not args.force:
        raise UserError(f"{target} already holds a profile; pass --force to replace it")
    for name in PROFILE_FILES:
        atomic_write_bytes(target / name, (profile / name).read_bytes())
    log.info(f"installed {profile} -> {target}; now run: snakemake --profile {args.name}")
    return 0
