"""The aggregated IMNN gradient: summaries chunk by chunk, the loss once, the chain rule chunk by chunk.

The loss needs every summary of a set at once (covariance, mean derivative), but the network
only ever sees ``n_per_device`` simulations at a time:

1. pass 1: each batch's summaries (and, in gradient mode, their derivatives along
   ``dd/dtheta``) are computed without a gradient tape and kept; they are small;
2. the loss and its gradient with respect to every kept output (``dLoss/dx``) are computed
   once, from all of them;
3. pass 2: each batch goes through the network again under a tape, and the vector-Jacobian
   product with that batch's ``dLoss/dx`` is its contribution to ``dLoss/dw``; contributions
   are summed in batch order.

Numerical mode needs no derivative of the network: its derivative stream's summaries are
ordinary outputs whose cotangents carry the ``1/dtheta`` of the finite difference.
Replicas stay independent throughout: each one's loss depends only on its own outputs, so
the gradient of the summed loss is each replica's own gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from replifold.backend import tf
from replifold.imnn.fisher import Regularisation, fisher_statistics, imnn_loss
from replifold.imnn.network import StackedSummaries
from replifold.imnn.pipeline import MAIN, SetStreams


@dataclass
class Outputs:
    """Pass 1 of one set: per stream, the list of per-batch outputs (tensors or (x, dx/dtheta) pairs)."""

    streams: tuple[tuple[str, list], ...]


class Aggregator:
    """Compiled pieces of one IMNN step for ``model`` (functions are traced once per batch shape)."""

    def __init__(
        self,
        model: StackedSummaries,
        regularisation: Regularisation,
        n_params: int,
        dtheta: np.ndarray | None,
        *,
        jit_compile: bool = True,
    ):
        self.model = model
        self.variables = model.replica_variables
        self.regularisation = regularisation
        self.n_params = n_params
        self.numerical = dtheta is not None
        self.dtype = self.variables[0].dtype
        self._dtheta = None if dtheta is None else tf.constant(np.asarray(dtheta), self.dtype)
        compile_ = lambda f: tf.function(f, jit_compile=jit_compile, autograph=False)  # noqa: E731
        self._summaries = compile_(self._summaries_fn)
        self._with_tangents = compile_(self._with_tangents_fn)
        self._statistics = compile_(self._statistics_fn)
        self._loss = compile_(self._loss_fn)
        self._vjp = compile_(self._vjp_fn)
        self._vjp_tangents = compile_(self._vjp_tangents_fn)

    # --- the network on one batch ---------------------------------------------------------

    def _cast(self, batch):
        return tf.cast(batch, self.dtype)

    def _summaries_fn(self, data):
        return self.model(self._cast(data))

    def _with_tangents_fn(self, data, derivative):
        return self.model.summaries_and_tangents(self._cast(data), self._cast(derivative))

    def _vjp_fn(self, data, cotangent, accumulated):
        with tf.GradientTape() as tape:
            contribution = tf.reduce_sum(self.model(self._cast(data)) * cotangent)
        return [
            a + g
            for a, g in zip(accumulated, tape.gradient(contribution, self.variables), strict=True)
        ]

    def _vjp_tangents_fn(self, data, derivative, cotangents, accumulated):
        with tf.GradientTape() as tape:
            summaries, tangents = self.model.summaries_and_tangents(
                self._cast(data), self._cast(derivative)
            )
            contribution = tf.reduce_sum(summaries * cotangents[0]) + tf.reduce_sum(
                tangents * cotangents[1]
            )
        return [
            a + g
            for a, g in zip(accumulated, tape.gradient(contribution, self.variables), strict=True)
        ]

    # --- the loss from every output of a set ----------------------------------------------

    def _assemble(self, outputs: Sequence[Sequence]):
        """Summaries ``(R, n_s, s)`` and derivatives ``(R, n_d, p, s)`` from the streams' batch outputs."""
        if self.numerical:
            fiducial, derivative = outputs
            summaries = tf.concat(list(fiducial), axis=1)
            shifted = tf.concat(
                list(derivative), axis=1
            )  # (R, n_d * 2 * p, s) in (seed, -/+, parameter) order
            replicas, _, n_summaries = shifted.shape
            shifted = tf.reshape(shifted, [replicas, -1, 2, self.n_params, n_summaries])
            derivatives = (shifted[:, :, 1] - shifted[:, :, 0]) / self._dtheta[None, None, :, None]
            return summaries, derivatives
        main = outputs[0]
        summaries = tf.concat(
            [x for x, _ in main] + [x for rest in outputs[1:] for x in rest], axis=1
        )
        return summaries, tf.concat([d for _, d in main], axis=1)

    def _statistics_fn(self, outputs):
        statistics = fisher_statistics(*self._assemble(outputs))
        loss, coupling = imnn_loss(statistics, self.regularisation)
        return {**statistics, "loss": loss, "r": coupling}

    def _loss_fn(self, outputs):
        with tf.GradientTape() as tape:
            tape.watch(outputs)
            statistics = self._statistics_fn(outputs)
            total = tf.reduce_sum(statistics["loss"])
        return statistics, tape.gradient(total, outputs)

    # --- passes over a set ----------------------------------------------------------------

    def summaries(self, data: np.ndarray) -> np.ndarray:
        """Summaries ``(R, N, s)`` of simulations ``(N, input_size)`` held in memory."""
        return self._summaries(tf.constant(data)).numpy()

    def collect(self, streams: SetStreams) -> list[list]:
        """Pass 1: every batch's outputs, per stream."""
        outputs = []
        for stream in streams.streams:
            if stream.name == MAIN:
                outputs.append([self._with_tangents(*batch) for batch in stream.one_pass()])
            else:
                outputs.append([self._summaries(batch) for batch in stream.one_pass()])
        return outputs

    def statistics(self, streams: SetStreams) -> dict:
        """The Fisher statistics and loss of the current weights on a set (no gradient)."""
        return self._statistics(self.collect(streams))

    def loss_and_cotangents(self, streams: SetStreams) -> tuple[dict, list[list]]:
        """Pass 1 and the loss: statistics, and dLoss/d(output) for every batch output."""
        return self._loss(self.collect(streams))

    def gradients(self, streams: SetStreams, cotangents: list[list]) -> list:
        """Pass 2: dLoss/dw by the chain rule, batch by batch, summed in batch order."""
        accumulated = [tf.zeros_like(v) for v in self.variables]
        for stream, stream_cotangents in zip(streams.streams, cotangents, strict=True):
            for batch, cotangent in zip(stream.one_pass(), stream_cotangents, strict=True):
                if stream.name == MAIN:
                    accumulated = self._vjp_tangents(*batch, cotangent, accumulated)
                else:
                    accumulated = self._vjp(batch, cotangent, accumulated)
        return accumulated

    def direct_gradients(self, streams: SetStreams) -> tuple[dict, list]:
        """The same gradient without aggregation: one tape around the whole loss (for tests)."""
        batches = [list(stream.one_pass()) for stream in streams.streams]
        with tf.GradientTape() as tape:
            outputs = []
            for stream, stream_batches in zip(streams.streams, batches, strict=True):
                if stream.name == MAIN:
                    outputs.append(
                        [
                            self.model.summaries_and_tangents(self._cast(d), self._cast(t))
                            for d, t in stream_batches
                        ]
                    )
                else:
                    outputs.append([self.model(self._cast(b)) for b in stream_batches])
            statistics = self._statistics_fn(outputs)
            total = tf.reduce_sum(statistics["loss"])
        return statistics, tape.gradient(total, self.variables)
