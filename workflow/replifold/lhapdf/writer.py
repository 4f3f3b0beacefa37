"""Writing an LHAPDF6 set: ``<dir>/<name>.info`` and ``<dir>/<name>_NNNN.dat``, byte-deterministic.

The ``lhagrid1`` member format: a YAML header (``PdfType``, ``Format``, for replicas
``FromMCReplica``) closed by ``---``, then per block three lines (x knots, Q knots, flavour
ids) and one line per (x, Q) point with x f of every flavour, x the outer loop and Q the
inner one, the block closed by ``---``. Knots are written in the shortest form that reads
back to the same double, so that a reader lands exactly on them; values with 9 significant
digits, far below any interpolation error.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from replifold.io import atomic_write_text
from replifold.lhapdf.grid import LhapdfSet

VALUE_FORMAT = "%.8e"


def _float(value: float) -> str:
    """The shortest text that reads back to the same double, always with a decimal point, since
    YAML 1.1 readers (PyYAML) take ``1e-09`` for a string."""
    if not math.isfinite(value):
        raise ValueError(f"non-finite value {value} in an LHAPDF set")
    text = repr(float(value))
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}e{exponent}" if exponent else mantissa


def _knots(values: np.ndarray) -> str:
    return " ".join(_float(v) for v in values)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        # yaml decides whether the string needs quotes ('' stays a string, 1e-3 does not become a number)
        return (
            yaml.safe_dump(value, default_style=None, width=10**9)
            .removesuffix("\n...\n")
            .rstrip("\n")
        )
    raise TypeError(f"unsupported LHAPDF metadata value {value!r}")


def info_text(info: Mapping[str, Any]) -> str:
    """The ``.info`` file: one ``Key: value`` line per entry, lists in YAML flow style."""
    lines = []
    for key, value in info.items():
        text = (
            "[" + ", ".join(_scalar(v) for v in value) + "]"
            if isinstance(value, list | tuple)
            else _scalar(value)
        )
        lines.append(f"{key}: {text}")
    return "\n".join(lines) + "\n"


def member_text(lhapdf_set: LhapdfSet, member: int) -> str:
    """Member ``member``'s ``.dat`` file."""
    if member == 0:
        header = "PdfType: central\nFormat: lhagrid1\n---\n"
    else:
        header = f"PdfType: replica\nFormat: lhagrid1\nFromMCReplica: {lhapdf_set.from_replica[member - 1]}\n---\n"
    out = io.StringIO()
    out.write(header)
    for block in lhapdf_set.blocks:
        out.write(_knots(lhapdf_set.x) + "\n")
        out.write(_knots(block.q) + "\n")
        out.write(" ".join(str(p) for p in lhapdf_set.pids) + "\n")
        values = block.xf[member].reshape(-1, len(lhapdf_set.pids))  # rows: x outer, Q inner
        if not np.all(np.isfinite(values)):
            raise ValueError(f"member {member} of {lhapdf_set.name} has non-finite values")
        np.savetxt(out, values, fmt=VALUE_FORMAT, delimiter=" ")
        out.write("---\n")
    return out.getvalue()


def member_path(directory: Path, name: str, member: int) -> Path:
    return directory / f"{name}_{member:04d}.dat"


def write_set(lhapdf_set: LhapdfSet, directory: str | os.PathLike) -> Path:
    """Write the set into ``directory`` (conventionally named after the set) and return it.

    Members that a previous, larger write left behind are removed, so the folder holds exactly
    this set.
    """
    directory = Path(directory)
    name = lhapdf_set.name
    for member in range(lhapdf_set.members):
        atomic_write_text(member_path(directory, name, member), member_text(lhapdf_set, member))
    for stale in directory.glob(f"{name}_*.dat"):
        suffix = stale.stem.removeprefix(f"{name}_")
        if suffix.isdigit() and int(suffix) >= lhapdf_set.members:
            stale.unlink()
    atomic_write_text(directory / f"{name}.info", info_text(lhapdf_set.info))
    return directory
