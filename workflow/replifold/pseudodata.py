"""Level-1 pseudo-data, level-2 Monte Carlo replicas and training/validation masks.

Each replica's noise and mask are drawn from seeds naming only that replica (and, for masks,
the dataset's catalogue index), so replica k is the same whether 1 or 100 replicas are made
and whichever other datasets sit beside it in the runcard. Every problem with measured or
pseudo-measured data (the closure test, real DIS data) draws its replicas here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replifold import seeding


def gaussian_draw(cholesky: np.ndarray, seed: int) -> np.ndarray:
    """One draw from ``N(0, L L^T)`` with a fresh PCG64 stream seeded by ``seed``."""
    generator = np.random.Generator(np.random.PCG64(seed))
    return cholesky @ generator.standard_normal(cholesky.shape[0])


def level1_data(
    theory: np.ndarray, cholesky: np.ndarray, filterseed: int, fakenoise: bool
) -> np.ndarray:
    if not fakenoise:
        return theory.copy()
    return theory + gaussian_draw(cholesky, seeding.level1_seed(filterseed))


def replica_data(
    level1: np.ndarray, cholesky: np.ndarray, mcseed: int, replica_ids: Sequence[int], genrep: bool
) -> np.ndarray:
    """(nrep, ndata): level-1 data plus each replica's own fluctuation (or level-1 itself without genrep)."""
    if not genrep:
        return np.tile(level1, (len(replica_ids), 1))
    return np.stack(
        [level1 + gaussian_draw(cholesky, seeding.mc_seed(mcseed, r)) for r in replica_ids]
    )


def training_size(ndata: int, frac: float) -> int:
    """``int(frac * ndata)``, but at least one training point and, if ``frac < 1``, one validation point."""
    if frac >= 1.0:
        return ndata
    return min(max(int(frac * ndata), 1), ndata - 1)


def dataset_mask(
    ndata: int, frac: float, trvlseed: int, replica: int, catalogue_index: int
) -> np.ndarray:
    generator = np.random.Generator(
        np.random.PCG64(seeding.trvl_seed(trvlseed, replica, catalogue_index))
    )
    mask = np.zeros(ndata, dtype=bool)
    mask[generator.permutation(ndata)[: training_size(ndata, frac)]] = True
    return mask


def training_masks(
    sizes: Sequence[int],
    fracs: Sequence[float],
    catalogue_indices: Sequence[int],
    trvlseed: int,
    replica_ids: Sequence[int],
) -> np.ndarray:
    """(nrep, ndata) bool: each dataset's mask concatenated in the order of ``sizes``."""
    return np.stack(
        [
            np.concatenate(
                [
                    dataset_mask(n, f, trvlseed, r, i)
                    for n, f, i in zip(sizes, fracs, catalogue_indices, strict=True)
                ]
            )
            for r in replica_ids
        ]
    )
