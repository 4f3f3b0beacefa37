"""NNPDF commondata of a DIS data set, read with nnpdf_data's own parser.

A data set is named as in n3fit, ``<SET>_<OBSERVABLE>`` (e.g. ``HERA_NC_318GEV_EP-SIGMARED``),
with an optional ``variant`` (``legacy``, ...) that swaps uncertainty or data files. Names are
checked against what nnpdf_data ships and what replifold can compute (``observables.CATALOGUE``),
and a mistake is reported at its runcard key with the closest real names.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from replifold.dis.observables import CATALOGUE, DisDataset
from replifold.errors import RuncardError, nearest
from replifold.theory.grids import DisKinematics

KeyPath = Sequence[str | int]


def commondata_dir() -> Path:
    from nnpdf_data.utils import DEFAULT_PATH_VPDATA

    return Path(DEFAULT_PATH_VPDATA)


@functools.cache
def all_dataset_names() -> tuple[str, ...]:
    """Every ``<SET>_<OBSERVABLE>`` of nnpdf_data (read only to suggest names for a typo)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    names = []
    for metadata in sorted(commondata_dir().glob("*/metadata.yaml")):
        with open(metadata, encoding="utf-8") as handle:
            content = yaml.load(handle, Loader=loader)
        names.extend(
            f"{content['setname']}_{o['observable_name']}"
            for o in content.get("implemented_observables", [])
        )
    return tuple(names)


def split_name(name: str) -> tuple[str, str]:
    """``HERA_NC_318GEV_EP-SIGMARED`` -> (``HERA_NC_318GEV``, ``EP-SIGMARED``), as nnpdf_data splits it."""
    if "_" not in name:
        return name, ""
    setname, observable = name.rsplit("_", 1)
    return setname, observable


def _unknown_dataset(path: KeyPath, name: str) -> RuncardError:
    supported = list(CATALOGUE)
    if name in all_dataset_names():
        return RuncardError(
            path,
            "data set exists in NNPDF's commondata but replifold cannot compute its theory "
            "(DIS structure functions and reduced cross sections with a single linear FK table only)",
            found=name,
            allowed=", ".join(supported),
            suggestion=nearest(name, supported),
        )
    return RuncardError(
        path,
        "unknown data set",
        found=name,
        allowed="a DIS data set replifold computes: " + ", ".join(supported),
        suggestion=nearest(name, supported) or nearest(name, all_dataset_names()),
    )


def dataset_entry(name: str, path: KeyPath) -> DisDataset:
    """The catalogue entry of ``name``, or a runcard error at ``path`` naming the closest names."""
    if name not in CATALOGUE:
        raise _unknown_dataset(path, name)
    return CATALOGUE[name]


def load_metadata(name: str, variant: str | None, path: KeyPath):
    """nnpdf_data's observable metadata with the variant applied; ``path`` is the runcard entry."""
    from nnpdf_data.commondataparser import parse_new_metadata

    entry = dataset_entry(name, [*path, "dataset"])
    setname, observable = split_name(name)
    metadata = parse_new_metadata(commondata_dir() / setname / "metadata.yaml", observable)
    variants = list(metadata.variants or {})
    if variant is not None:
        if variant not in variants:
            raise RuncardError(
                [*path, "variant"],
                f"data set {name} has no such variant",
                found=variant,
                allowed=", ".join(variants) if variants else "none: leave 'variant' out",
                suggestion=nearest(variant, variants),
            )
        metadata = metadata.apply_variant(variant)
    if not metadata.data_uncertainties or metadata.data_central is None:
        raise RuncardError(
            [*path, "variant"],
            f"data set {name} has no {'uncertainties' if metadata.data_central else 'central values'} "
            "without a variant",
            found=variant,
            allowed=", ".join(variants),
        )
    theory = metadata.theory
    fktables = (
        tuple(f for operand in theory.FK_tables for f in operand) if theory is not None else ()
    )
    if fktables != entry.fktables or str(theory.operation).upper() != "NULL":
        raise RuncardError(
            [*path, "variant"],
            f"with this variant {name} has theory {fktables} (operation {theory.operation if theory else None}), "
            f"not the single linear convolution {entry.fktables} replifold computes",
            found=variant,
        )
    return metadata


@dataclass(frozen=True, eq=False)
class LoadedDataset:
    """A data set's metadata and kinematics (all points, before cuts): what planning its theory
    needs. The uncertainties, which take longer to read, come with ``commondata()``."""

    name: str
    variant: str | None
    entry: DisDataset
    metadata: Any  # nnpdf_data ObservableMetaData, variant applied
    process: str  # DIS_NC | DIS_CC
    x: np.ndarray  # (ndata,) Bjorken x as the commondata gives it (what cuts see)
    q2: np.ndarray  # (ndata,) GeV^2
    theory_kinematics: DisKinematics  # what yadism computes at, all points
    sqrt_s: np.ndarray  # (ndata,) GeV, centre-of-mass energy (from y where the data give it)

    @property
    def ndata(self) -> int:
        return int(self.metadata.ndata)

    def commondata(self):
        """nnpdf_data's ``CommonData`` of every point (central values, kinematics, uncertainties)."""
        from nnpdf_data.commondataparser import load_commondata

        return load_commondata(self.metadata)


def _column(table, variable: str, name: str) -> np.ndarray:
    columns = list(table.columns.get_level_values(0))
    if variable not in columns:
        raise ValueError(f"{name}: no kinematic variable {variable!r} (has {sorted(set(columns))})")
    return np.asarray(table[variable]["mid"], dtype=np.float64)


def load_dataset(
    name: str, variant: str | None, path: KeyPath, proton_mass: float
) -> LoadedDataset:
    """Metadata and kinematics of ``name`` (``path``: its runcard entry, for errors).

    Cuts see the commondata's kinematic coverage (x, Q2), as validphys; yadism gets the theory
    kinematics of the catalogue entry (``x_variable``, Q2, y).
    """
    metadata = load_metadata(name, variant, path)
    entry = CATALOGUE[name]
    table = metadata.load_kinematics(fill_to_three=False)
    x = _column(table, "x", name)
    q2 = _column(table, "Q2", name)
    theory_x = _column(table, entry.x_variable, name)
    variables = set(table.columns.get_level_values(0))
    if "y" in variables:
        y = _column(table, "y", name)
        with np.errstate(divide="ignore", invalid="ignore"):
            sqrt_s = np.sqrt(np.where(y > 0, q2 / (theory_x * y), np.nan) + proton_mass**2)
    elif "sqrts" in variables:
        sqrt_s = _column(table, "sqrts", name)
        y = q2 / (theory_x * (sqrt_s**2 - proton_mass**2))
    else:
        raise ValueError(f"{name}: neither y nor sqrts in its kinematics")
    return LoadedDataset(
        name=name,
        variant=variant,
        entry=entry,
        metadata=metadata,
        process=str(metadata.process_type),
        x=x,
        q2=q2,
        theory_kinematics=DisKinematics.from_arrays(theory_x, q2, y),
        sqrt_s=sqrt_s,
    )
