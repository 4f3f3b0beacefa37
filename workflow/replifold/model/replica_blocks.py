"""Products of replica tensors with shared constants, cut so that a replica's bits do not depend on R.

XLA's CPU dot emitter picks its algorithm, and with it the summation order of every output,
from the shapes of the whole product. A product whose rows or columns gather all R replicas
therefore rounds a replica differently in a batch of 100 than alone (measured, TensorFlow
2.21, one thread: the observables' ``(R, k) @ (k, n)`` from 51 rows, from 33 with two or
more; the sum rules' ``(R, 8, 2000) x (2000, 2)`` and the basis rotation ``(8, 8) x (R, 8, n)``
somewhere between 66 and 100 replicas, with their sizes), and early stopping turns a last-bit
difference into a different fit. Cutting the replica axis into blocks keeps every product at
a size where a lone replica (trained as ``MIN_STACK`` = 2 copies) gets the same arithmetic:

* ``ROW_BLOCK`` replicas for products whose rows are replicas (the FK convolutions);
* ``PAIR`` replicas for contractions that fold the replica axis into a larger one: exactly the
  shape of the lone-replica computation, so equal by construction.

``tests/test_replica_bits.py`` checks a compiled training step bitwise at 66 and 130 replicas
on the quick runcard's grids, and ``benchmarks/bench_replicas.py`` whole trainings at n3fit's
size. Known limit (measured): with 2000 integration points, the input gradient of the batched
dense matmuls and reductions over the 2050 points also round differently from about 66
replicas on, so sum-rule replicas trained 100 at a time end ~1e-2 (weights, after 200
epochs) from themselves alone; blocking those as well doubled the compilation and did not
remove it. Up to that size, and at any size without sum rules, the bits match.
"""

from __future__ import annotations

from collections.abc import Callable

from replifold.backend import keras

ROW_BLOCK = 16
PAIR = 2


def in_replica_blocks(fn: Callable, tensor, block: int):
    """``fn(tensor)`` computed ``block`` replicas (leading axis) at a time; R is static when compiled."""
    count = tensor.shape[0]
    if count is None or count <= block:
        return fn(tensor)
    return keras.ops.concatenate(
        [fn(tensor[i : i + block]) for i in range(0, count, block)], axis=0
    )


def replica_matmul(rows, matrix):
    """``rows (R, k) @ matrix (k, n)``, each row rounded as in a product of at most ``ROW_BLOCK`` rows."""
    return in_replica_blocks(lambda block: keras.ops.matmul(block, matrix), rows, ROW_BLOCK)
