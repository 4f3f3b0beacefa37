"""The one place where randomness is born.

Every random number in replifold comes from a seed derived here from the runcard's seeds and
the coordinates of the job asking for it. Derivation::

    seed = SeedSequence(entropy=<runcard seed>, spawn_key=(<stream tag>, *<coordinates>))
                .generate_state(1, uint32)[0]

* ``filterseed`` -> stream ``level1`` (the level-1 noise of the closure data: no coordinates);
* ``mcseed``     -> stream ``mc`` with ``(replica,)``: the replica's level-2 Monte Carlo data;
* ``trvlseed``   -> stream ``trvl`` with ``(replica, dataset)``: the training/validation split;
* ``nnseed``     -> stream ``nn`` with ``(replica,)``: the network's initial weights and
  preprocessing exponents;
* ``nnseed``     -> stream ``dropout`` with ``(replica, trial, fold)``: in-training noise;
* ``hyperopt.seed`` -> stream ``hyperopt`` with ``(round,)``: TPE's random state of that round;
* each of ``filterseed``, ``mcseed``, ``trvlseed``, ``nnseed`` -> stream ``draw`` with ``(k,)``:
  that seed of level-1 draw k >= 1 of a multi-closure test (draw 0 is the fit itself), so the
  draws share nothing random: not the level-1 noise, the replicas, the splits or the weights;
* ``filterseed`` -> stream ``bootstrap``: the multi-closure estimators' bootstrap resamples.
* ``imnn.simseed`` -> stream ``sim`` with ``(role, fold, index)``: simulation ``index`` of one
  IMNN simulation set (role: training, validation, test or held out; fold: 0 for the final fit,
  k + 1 for hyperopt fold k), so sets never share a draw and a simulation does not depend on
  how many others are drawn with it. Seed-matched derivative simulations reuse the seed of the
  fiducial simulation they belong to.

A replica's seeds only name the replica itself, never its batch, the number of replicas
beside it, or the job that trains it, so replica 7 is the same replica in a batch of 1 or of
100. Initial weights deliberately do not depend on the hyperopt trial or fold: every trial
starts from the same replicas, so hyper-losses compare hyperparameters rather than luck.
(``trial``/``fold`` use -1 for "not in a hyperopt scan" and are shifted by one, because spawn
keys must be non-negative.)

``set_initial_state`` then puts python, numpy, TensorFlow/Keras and the thread pools in a
known state before a job computes anything.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

STREAMS = {
    "level1": 1,
    "mc": 2,
    "trvl": 3,
    "nn": 4,
    "dropout": 5,
    "hyperopt": 6,
    "global": 7,
    "draw": 8,
    "bootstrap": 9,
    "sim": 10,
}
DRAW_SEEDS = (
    "filterseed",
    "mcseed",
    "trvlseed",
    "nnseed",
)  # the runcard seeds a level-1 draw replaces
MAX_SEED = 2**32 - 1


def derive_seed(base_seed: int, stream: str, *coordinates: int) -> int:
    """A 32-bit seed for ``stream`` at ``coordinates``, independent of every other stream."""
    if stream not in STREAMS:
        raise ValueError(f"unknown seed stream {stream!r}; known: {sorted(STREAMS)}")
    if base_seed < 0:
        raise ValueError(f"seeds must be non-negative, got {base_seed}")
    if any(c < 0 for c in coordinates):
        raise ValueError(f"seed coordinates must be non-negative, got {coordinates}")
    sequence = np.random.SeedSequence(
        entropy=int(base_seed), spawn_key=(STREAMS[stream], *map(int, coordinates))
    )
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def rng(base_seed: int, stream: str, *coordinates: int) -> np.random.Generator:
    """A numpy Generator for ``stream`` at ``coordinates`` (PCG64, stable across numpy versions)."""
    return np.random.Generator(np.random.PCG64(derive_seed(base_seed, stream, *coordinates)))


def level1_seed(filterseed: int) -> int:
    return derive_seed(filterseed, "level1")


def mc_seed(mcseed: int, replica: int) -> int:
    return derive_seed(mcseed, "mc", replica)


def trvl_seed(trvlseed: int, replica: int, dataset_index: int) -> int:
    return derive_seed(trvlseed, "trvl", replica, dataset_index)


def nn_seed(nnseed: int, replica: int) -> int:
    return derive_seed(nnseed, "nn", replica)


def dropout_seed(nnseed: int, replica: int, trial: int = -1, fold: int = -1) -> int:
    return derive_seed(nnseed, "dropout", replica, trial + 1, fold + 1)


def hyperopt_seed(seed: int, round_: int) -> int:
    return derive_seed(seed, "hyperopt", round_)


def draw_seeds(seeds: Mapping[str, int], draw: int) -> dict[str, int]:
    """The base seeds (``DRAW_SEEDS``) of level-1 draw ``draw``; draw 0 keeps the runcard's own."""
    if draw == 0:
        return {name: int(seeds[name]) for name in DRAW_SEEDS}
    return {name: derive_seed(int(seeds[name]), "draw", draw) for name in DRAW_SEEDS}


def bootstrap_seed(filterseed: int) -> int:
    return derive_seed(filterseed, "bootstrap")


def sim_seed(simseed: int, role: int, fold: int, index: int) -> int:
    """Seed of one IMNN simulation (``fold`` -1 is the final fit's sets, k a hyperopt fold's)."""
    return derive_seed(simseed, "sim", role, fold + 1, index)


def job_seed(nnseed: int, trial: int = -1, fold: int = -1, batch_first_replica: int = 0) -> int:
    """Seed for the framework-global generators of one job (nothing replica-specific uses it)."""
    return derive_seed(nnseed, "global", trial + 1, fold + 1, batch_first_replica)


def scan_seeds(
    nnseed: int, hyperopt_seed_base: int, rounds: int, trials: int, folds: int
) -> dict[str, dict[str, int]]:
    """A scan's derived seeds as provenance records them: TPE's per round, each (trial, fold) job's."""
    return {
        "hyperopt_rounds": {str(r): hyperopt_seed(hyperopt_seed_base, r) for r in range(rounds)},
        "train_fold_jobs": {
            f"{t}:{k}": job_seed(nnseed, trial=t, fold=k)
            for t in range(trials)
            for k in range(folds)
        },
    }


@dataclass(frozen=True)
class InitialState:
    """What ``set_initial_state`` fixed, recorded in provenance and handed to hyperopt."""

    seed: int
    intra_op_threads: int
    inter_op_threads: int
    double_precision: bool

    def hyperopt_rstate(self) -> np.random.Generator:
        """The ``rstate`` hyperopt's ``fmin``/TPE expect (a numpy Generator)."""
        return np.random.default_rng(self.seed)


def set_initial_state(
    seed: int,
    intra_op_threads: int = 1,
    inter_op_threads: int = 1,
    double_precision: bool = False,
) -> InitialState:
    """Seed every generator and pin TensorFlow to deterministic ops and fixed thread pools.

    Thread pools can only be sized before TensorFlow starts executing; asking for a different
    size afterwards is an error rather than a silent mismatch.
    """
    random.seed(seed)
    np.random.seed(seed % (MAX_SEED + 1))
    os.environ["PYTHONHASHSEED"] = str(seed)

    from replifold.backend import keras, tf

    threading = tf.config.threading
    wanted = (int(intra_op_threads), int(inter_op_threads))
    try:
        threading.set_intra_op_parallelism_threads(wanted[0])
        threading.set_inter_op_parallelism_threads(wanted[1])
    except RuntimeError:
        have = (
            threading.get_intra_op_parallelism_threads(),
            threading.get_inter_op_parallelism_threads(),
        )
        if have != wanted:
            raise RuntimeError(
                f"TensorFlow already runs with threads (intra, inter) = {have}; cannot switch to {wanted}"
            ) from None
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    floatx = "float64" if double_precision else "float32"
    keras.backend.set_floatx(floatx)
    # Layers read the global dtype policy, which Keras freezes at its first use; set it too.
    keras.config.set_dtype_policy(floatx)
    return InitialState(seed, wanted[0], wanted[1], bool(double_precision))


def set_job_state(
    runcard: Mapping[str, Any], *, trial: int = -1, fold: int = -1, batch_first_replica: int = 0
) -> InitialState:
    """``set_initial_state`` for one training job of an expanded runcard: a final-fit batch
    (``batch_first_replica``) or a hyperopt (``trial``, ``fold``); threads and precision from
    the runcard's ``parallelism`` and ``double_precision``."""
    parallelism = runcard.get("parallelism", {})
    return set_initial_state(
        job_seed(
            int(runcard["nnseed"]), trial=trial, fold=fold, batch_first_replica=batch_first_replica
        ),
        intra_op_threads=int(parallelism.get("intra_op_threads", 1)),
        inter_op_threads=int(parallelism.get("inter_op_threads", 1)),
        double_precision=bool(runcard.get("double_precision", False)),
    )
