"""The experimental covariance of DIS data, built from commondata uncertainties as validphys builds it.

Each uncertainty of a commondata file has a treatment (ADD: absolute, in data units; MULT:
relative, stored by nnpdf_data in percent of the central value) and a correlation type:

* ``UNCORR``, ``THEORYUNCORR``: uncorrelated, added in quadrature to the statistical
  uncertainty on the diagonal;
* ``CORR``, ``THEORYCORR``: fully correlated within the data set;
* ``SKIP``: ignored (nnpdf_data drops it already);
* any other name (e.g. HERA's ``HC_sys1``): a "special" systematic, fully correlated between
  every point of every data set carrying the same name, so the covariance of several data sets is
  not block diagonal.

Multiplicative uncertainties become absolute with some central values: the data's own for the
experimental covariance, predictions of a previous fit for the t0 covariance (so the fit is not
biased towards data that fluctuated low, D'Agostini bias), level-0 predictions for the noise of
a closure test. This follows validphys' ``dataset_inputs_covmat_from_systematics`` (weights 1,
no regularisation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

UNCORRELATED = ("UNCORR", "THEORYUNCORR")
INTRA_DATASET = ("UNCORR", "CORR", "THEORYUNCORR", "THEORYCORR")


@dataclass(frozen=True, eq=False)
class Uncertainties:
    """A data set's uncertainties after cuts, as commondata stores them."""

    central: np.ndarray  # (ndata,) the measured central values
    stat: np.ndarray  # (ndata,) absolute
    additive: np.ndarray  # (ndata, nadd) absolute
    additive_types: tuple[str, ...]
    multiplicative: np.ndarray  # (ndata, nmult) percent of the central value
    multiplicative_types: tuple[str, ...]

    @classmethod
    def from_commondata(cls, commondata) -> Uncertainties:
        """From an nnpdf_data ``CommonData`` (cuts applied); SKIP uncertainties are already dropped."""
        additive = commondata.additive_errors
        multiplicative = commondata.multiplicative_errors
        return cls(
            central=commondata.central_values.to_numpy(dtype=np.float64),
            stat=commondata.stat_errors.to_numpy(dtype=np.float64),
            additive=additive.to_numpy(dtype=np.float64).reshape(commondata.ndata, -1),
            additive_types=tuple(str(c) for c in additive.columns),
            multiplicative=multiplicative.to_numpy(dtype=np.float64).reshape(commondata.ndata, -1),
            multiplicative_types=tuple(str(c) for c in multiplicative.columns),
        )

    @property
    def ndata(self) -> int:
        return int(self.central.shape[0])

    def systematics(self, central: np.ndarray | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
        """(ndata, nsys) absolute systematics and their types: additive ones, then multiplicative ones
        converted with ``central`` (the data's central values by default), as validphys orders them."""
        central = self.central if central is None else np.asarray(central, dtype=np.float64)
        if central.shape != self.central.shape:
            raise ValueError(f"central values of shape {central.shape} for {self.ndata} points")
        values = np.concatenate(
            [self.additive, self.multiplicative * central[:, None] / 100.0], axis=1
        )
        return values, self.additive_types + self.multiplicative_types


@dataclass(frozen=True, eq=False)
class DecomposedErrors:
    """One data set's share of the covariance: ``diag(uncorrelated^2) + correlated correlated^T``
    within the set, and special columns correlated with other sets carrying the same name."""

    uncorrelated: np.ndarray  # (ndata,) stat and UNCORR/THEORYUNCORR in quadrature
    correlated: np.ndarray  # (ndata, ncorr) CORR/THEORYCORR
    special: np.ndarray  # (ndata, nspecial)
    special_names: tuple[str, ...]

    def block(self) -> np.ndarray:
        """The data set's diagonal block of the covariance (its special part included)."""
        columns = np.concatenate([self.correlated, self.special], axis=1)
        return np.diag(self.uncorrelated**2) + columns @ columns.T


def decompose(uncertainties: Uncertainties, central: np.ndarray | None = None) -> DecomposedErrors:
    values, types = uncertainties.systematics(central)
    types_array = np.asarray(types, dtype=object)
    uncorrelated = np.isin(types_array, UNCORRELATED)
    intra = np.isin(types_array, INTRA_DATASET)
    diagonal = uncertainties.stat**2 + np.sum(values[:, uncorrelated] ** 2, axis=1)
    names = _occurrence_names([t for t, keep in zip(types, ~intra, strict=True) if keep])
    return DecomposedErrors(
        uncorrelated=np.sqrt(diagonal),
        correlated=values[:, intra & ~uncorrelated],
        special=values[:, ~intra],
        special_names=names,
    )


def _occurrence_names(types: Sequence[str]) -> tuple[str, ...]:
    """Special names made unique within a data set: the k-th ``HC_sys1`` of a set is ``HC_sys1#k``
    (k > 0), and is correlated with the k-th of other sets."""
    seen: dict[str, int] = {}
    out = []
    for name in types:
        count = seen.get(name, 0)
        out.append(name if count == 0 else f"{name}#{count}")
        seen[name] = count + 1
    return tuple(out)


def covariance(parts: Sequence[DecomposedErrors]) -> np.ndarray:
    """The covariance of data sets concatenated in order: blocks within sets, special systematics
    across them."""
    sizes = [p.uncorrelated.shape[0] for p in parts]
    ndata = sum(sizes)
    covmat = np.zeros((ndata, ndata))
    names = sorted({n for p in parts for n in p.special_names})
    special = np.zeros((ndata, len(names)))
    start = 0
    for part, size in zip(parts, sizes, strict=True):
        stop = start + size
        covmat[start:stop, start:stop] = (
            np.diag(part.uncorrelated**2) + part.correlated @ part.correlated.T
        )
        for k, name in enumerate(part.special_names):
            special[start:stop, names.index(name)] = part.special[:, k]
        start = stop
    return covmat + special @ special.T


def covariance_of(
    uncertainties: Sequence[Uncertainties], centrals: Sequence[np.ndarray | None] | None = None
) -> np.ndarray:
    """The covariance of the data sets, multiplicative uncertainties relative to ``centrals``
    (per data set; None: the data's own)."""
    centrals = list(centrals) if centrals is not None else [None] * len(uncertainties)
    return covariance([decompose(u, c) for u, c in zip(uncertainties, centrals, strict=True)])
