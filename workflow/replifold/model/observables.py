"""Predictions of the stacked PDF for the data and positivity sets: FK convolutions.

Conventions are those of ``replifold.problem``. All linear FK tables of a selection are one
constant ``(8 nx, n_linear)`` matrix, so their predictions for every replica are one matmul.
Bilinear tables are very sparse (a data point touches a few grid nodes in x1 and x2), so they
are stored as their non-zero entries: every channel of every bilinear dataset gives per-replica
factors ``(a . xf)`` and ``(b . xf)`` (one einsum each), the entries gather their two factors,
and one matmul with the ``(n_entries, n_bilinear)`` matrix of FK values sums them into data
points. Exact zeros are the only entries left out, so the sum is the dense convolution.
Replicas are only ever a batch axis.

Replica products are cut into blocks (``replica_blocks``) so that a replica's bits do not
depend on how many replicas share its batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replifold.backend import keras
from replifold.errors import UserError, nearest
from replifold.model.replica_blocks import PAIR, in_replica_blocks, replica_matmul
from replifold.problem import Dataset, PositivitySet, Problem


def _linear_matrix(fks: Sequence[np.ndarray], dtype: str):
    """``(8 nx, n_points)`` from linear FK tables ``(n, 8, nx)``, points in the given order."""
    matrix = np.concatenate([fk.reshape(fk.shape[0], -1) for fk in fks], axis=0).T
    return keras.ops.convert_to_tensor(matrix, dtype=dtype)


def _linear(xf, matrix):
    """``xf (R, 8, nx)`` -> ``(R, n_points)``."""
    return replica_matmul(keras.ops.reshape(xf, (xf.shape[0], -1)), matrix)


class _SparseBilinear:
    """The bilinear datasets, in order, as gathered non-zero FK entries (see the module docstring)."""

    def __init__(self, datasets: Sequence[Dataset], dtype: str):
        nx = datasets[0].fk.shape[-1]
        left, right, values, rows, left_index, right_index = [], [], [], [], [], []
        channel_offset = row_offset = 0
        for d in datasets:
            left.append(d.channels[:, 0, :])
            right.append(d.channels[:, 1, :])
            point, channel, i, j = np.nonzero(d.fk)
            values.append(d.fk[point, channel, i, j])
            rows.append(point + row_offset)
            left_index.append((channel + channel_offset) * nx + i)
            right_index.append((channel + channel_offset) * nx + j)
            channel_offset += d.channels.shape[0]
            row_offset += d.ndata
        rows, values = np.concatenate(rows), np.concatenate(values)
        scatter = np.zeros((values.size, row_offset))
        scatter[np.arange(values.size), rows] = values
        self.left = keras.ops.convert_to_tensor(np.concatenate(left), dtype=dtype)
        self.right = keras.ops.convert_to_tensor(np.concatenate(right), dtype=dtype)
        self.left_index = keras.ops.convert_to_tensor(np.concatenate(left_index), dtype="int32")
        self.right_index = keras.ops.convert_to_tensor(np.concatenate(right_index), dtype="int32")
        self.scatter = keras.ops.convert_to_tensor(scatter, dtype=dtype)

    def __call__(self, xf):
        replicas = keras.ops.shape(xf)[0]
        a = keras.ops.reshape(
            in_replica_blocks(lambda r: keras.ops.einsum("cf,rfx->rcx", self.left, r), xf, PAIR),
            (replicas, -1),
        )
        b = keras.ops.reshape(
            in_replica_blocks(lambda r: keras.ops.einsum("cf,rfx->rcx", self.right, r), xf, PAIR),
            (replicas, -1),
        )
        products = keras.ops.take(a, self.left_index, axis=1) * keras.ops.take(
            b, self.right_index, axis=1
        )
        return replica_matmul(products, self.scatter)


class Observables(keras.layers.Layer):
    """``xf (R, 8, nx)`` -> predictions ``(R, ndata)`` of the selected datasets.

    The selection keeps the problem's dataset order; ``indices`` are the positions of the
    output columns in the problem's full data vector.
    """

    def __init__(self, problem: Problem, datasets: Sequence[str] | None = None, **kwargs):
        kwargs.setdefault("dtype", keras.config.floatx())
        super().__init__(trainable=False, **kwargs)
        known = [d.name for d in problem.datasets]
        if datasets is not None:
            for name in datasets:
                if name not in known:
                    hint = nearest(name, known)
                    raise UserError(
                        f"unknown dataset {name!r}"
                        + (f" (did you mean {hint!r}?)" if hint else "")
                        + f"; available: {', '.join(known)}"
                    )
        wanted = set(known if datasets is None else datasets)
        selected: list[Dataset] = [d for d in problem.datasets if d.name in wanted]
        self.dataset_names = tuple(d.name for d in selected)
        self.indices = np.concatenate([np.arange(d.offset, d.offset + d.ndata) for d in selected])
        linear = [d for d in selected if not d.bilinear]
        bilinear = [d for d in selected if d.bilinear]
        dtype = self.compute_dtype
        self._linear = _linear_matrix([d.fk for d in linear], dtype) if linear else None
        self._bilinear = _SparseBilinear(bilinear, dtype) if bilinear else None
        # Computed as [linear..., bilinear...]; ``_order`` puts them back in dataset order.
        computed = np.concatenate(
            [np.arange(d.offset, d.offset + d.ndata) for d in linear + bilinear]
        )
        order = np.argsort(computed, kind="stable")
        self._order = None if np.array_equal(order, np.arange(order.size)) else order

    @property
    def ndata(self) -> int:
        return int(self.indices.size)

    def call(self, xf):
        parts = [_linear(xf, self._linear)] if self._linear is not None else []
        if self._bilinear is not None:
            parts.append(self._bilinear(xf))
        predictions = parts[0] if len(parts) == 1 else keras.ops.concatenate(parts, axis=1)
        return (
            predictions if self._order is None else keras.ops.take(predictions, self._order, axis=1)
        )


class PositivityObservables(keras.layers.Layer):
    """``xf (R, 8, nx)`` -> ``(R, npos)``: every positivity set, concatenated in problem order."""

    def __init__(self, problem: Problem, **kwargs):
        kwargs.setdefault("dtype", keras.config.floatx())
        super().__init__(trainable=False, **kwargs)
        sets: tuple[PositivitySet, ...] = problem.positivity
        self.set_names = tuple(p.name for p in sets)
        self.sizes = tuple(p.npoints for p in sets)
        self._matrix = _linear_matrix([p.fk for p in sets], self.compute_dtype) if sets else None

    @property
    def npoints(self) -> int:
        return int(sum(self.sizes))

    def call(self, xf):
        if self._matrix is None:
            return keras.ops.zeros((keras.ops.shape(xf)[0], 0), dtype=xf.dtype)
        return _linear(xf, self._matrix)
