"""An LHAPDF set in memory: the members' x f on an (x, Q) grid split into flavour-number blocks.

LHAPDF grids are split at the heavy-quark thresholds: each block (a "subgrid") covers the Q
range of one number of active flavours, and a threshold scale is the last knot of one block
and the first of the next, so that the PDFs' discontinuity there is represented exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# LHAPDF's particle ids: quarks 1..6 (d u s c b t), antiquarks negative, gluon 21.
GLUON = 21


@dataclass(frozen=True, eq=False)
class Block:
    """One subgrid: ascending Q knots [GeV] and x f of every member on (x, Q, flavour)."""

    q: np.ndarray  # (nq,)
    xf: np.ndarray  # (nmembers, nx, nq, npids)


@dataclass(frozen=True, eq=False)
class LhapdfSet:
    """A replica set: member 0 is the mean of members 1..N, member k is fit replica from_replica[k-1]."""

    name: str
    x: np.ndarray  # (nx,) ascending, within (0, 1]
    pids: tuple[int, ...]
    blocks: tuple[Block, ...]
    from_replica: tuple[int, ...]  # (N,)
    info: dict  # metadata of the .info file (replifold.lhapdf.metadata.set_info)

    @property
    def members(self) -> int:
        return len(self.from_replica) + 1

    @property
    def q_knots(self) -> np.ndarray:
        """Every block's Q knots one after the other (thresholds appear twice)."""
        return np.concatenate([block.q for block in self.blocks])

    def __post_init__(self) -> None:
        if self.x.ndim != 1 or np.any(np.diff(self.x) <= 0) or self.x[0] <= 0 or self.x[-1] > 1:
            raise ValueError("the x knots must be ascending within (0, 1]")
        if len(set(self.pids)) != len(self.pids):
            raise ValueError(f"repeated flavour in {self.pids}")
        for index, block in enumerate(self.blocks):
            expected = (self.members, self.x.size, block.q.size, len(self.pids))
            if block.xf.shape != expected:
                raise ValueError(
                    f"block {index}: x f has shape {block.xf.shape}, expected {expected}"
                )
            if np.any(np.diff(block.q) <= 0):
                raise ValueError(f"block {index}: Q knots must be strictly ascending")
        for lower, upper in zip(self.blocks, self.blocks[1:]):
            if upper.q[0] < lower.q[-1]:
                raise ValueError(
                    "blocks overlap: a block must start where the previous one ends (or above)"
                )


def replica_set(
    name: str,
    x: np.ndarray,
    pids: Sequence[int],
    q_blocks: Sequence[np.ndarray],
    replica_xf: Sequence[np.ndarray],
    replicas: Sequence[int],
    info: dict,
) -> LhapdfSet:
    """The set of the given replicas: ``replica_xf[b]`` is block b's ``(R, nx, nq, npids)``.

    Member 0 is the replicas' mean at every grid point (as NNPDF's postfit writes it), the
    replicas follow as members 1..R in the order given, each remembering its fit replica number.
    """
    if not replicas:
        raise ValueError("an LHAPDF replica set needs at least one replica")
    blocks = []
    for q, xf in zip(q_blocks, replica_xf, strict=True):
        xf = np.asarray(xf, dtype=np.float64)
        if xf.shape[0] != len(replicas):
            raise ValueError(f"{xf.shape[0]} replica grids for {len(replicas)} replicas")
        blocks.append(
            Block(
                np.asarray(q, dtype=np.float64),
                np.concatenate([xf.mean(axis=0, keepdims=True), xf]),
            )
        )
    return LhapdfSet(
        name,
        np.asarray(x, dtype=np.float64),
        tuple(int(p) for p in pids),
        tuple(blocks),
        tuple(int(r) for r in replicas),
        dict(info),
    )
