"""Installing a set into an LHAPDF data path, where LHAPDF (and pdfflow, ...) find it by name.

LHAPDF looks for ``<path>/<name>/<name>.info`` in each folder of ``LHAPDF_DATA_PATH``; a set
is installed by copying its folder there. The copy goes to a hidden temporary folder first
and is renamed into place, so a reader never sees half a set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from replifold.errors import UserError

DATA_PATH_ENV = "LHAPDF_DATA_PATH"


def default_data_path() -> Path:
    """The first folder of ``LHAPDF_DATA_PATH`` (LHAPDF searches them in order)."""
    value = os.environ.get(DATA_PATH_ENV, "")
    first = next((part for part in value.split(os.pathsep) if part), None)
    if first is None:
        raise UserError(
            f"{DATA_PATH_ENV} is not set: pass --path DIR (an LHAPDF data folder, e.g. the output of "
            "'lhapdf-config --datadir'), or set it"
        )
    return Path(first)


def set_files(set_dir: Path) -> list[Path]:
    """The set's own files: ``<name>.info`` and its members, checked against ``NumMembers``."""
    from replifold.lhapdf.reader import read_info

    name = set_dir.name
    info = read_info(set_dir / f"{name}.info")
    members = [set_dir / f"{name}_{m:04d}.dat" for m in range(int(info["NumMembers"]))]
    missing = [p.name for p in members if not p.is_file()]
    if missing:
        raise UserError(
            f"{set_dir} is not a complete LHAPDF set: NumMembers is {info['NumMembers']} but "
            f"{', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''} missing"
        )
    return [set_dir / f"{name}.info", *members]


def install_set(
    set_dir: str | os.PathLike, data_path: str | os.PathLike, force: bool = False
) -> Path:
    """Copy the set folder ``set_dir`` into ``data_path``; an installed set of the same name is
    replaced only with ``force``."""
    set_dir = Path(set_dir)
    if not set_dir.is_dir():
        raise UserError(
            f"{set_dir} is not a folder; give the set's folder, e.g. results/<fit>/lhapdf/<fit>"
        )
    files = set_files(set_dir)
    data_path = Path(data_path)
    data_path.mkdir(parents=True, exist_ok=True)
    target = data_path / set_dir.name
    if target.exists() and not force:
        raise UserError(f"{target} exists already; pass --force to replace it")
    staging = Path(tempfile.mkdtemp(dir=data_path, prefix=f".{set_dir.name}."))
    try:
        for path in files:
            shutil.copyfile(path, staging / path.name)
        staging.chmod(0o755)
        if target.exists():
            retired = Path(tempfile.mkdtemp(dir=data_path, prefix=f".{set_dir.name}.old."))
            target.rename(retired / set_dir.name)
            staging.rename(target)
            shutil.rmtree(retired)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
