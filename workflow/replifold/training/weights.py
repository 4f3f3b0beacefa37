"""Stacked and per-replica weights on disk: ``weights.h5`` plus ``model.json`` to rebuild the model.

Keras 3 only writes and reads weight files whose names end in ``.weights.h5``, while the
pipeline's file is ``weights.h5``: writes go to a temporary ``*.weights.h5`` beside the target
and are renamed over it (atomic, like every output), reads go through a temporary link with
the suffix Keras wants. Keras' h5 writer stores no timestamps, so equal weights give equal
bytes (checked by the determinism tests).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from replifold.errors import UserError
from replifold.io import atomic_output, read_json, write_json
from replifold.layout import TrainedModelDir
from replifold.model import StackedPDF

KERAS_SUFFIX = ".weights.h5"


def save_weights(model: StackedPDF, path: str | os.PathLike) -> Path:
    with atomic_output(path, suffix=KERAS_SUFFIX) as tmp:
        model.save_weights(tmp)
    return Path(path)


def load_weights(model: StackedPDF, path: str | os.PathLike) -> None:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"weights file not found: {path}")
    with tempfile.TemporaryDirectory() as tmp:
        link = Path(tmp) / f"model{KERAS_SUFFIX}"
        link.symlink_to(path.resolve())
        model.load_weights(link)


def save_model(
    model: StackedPDF, target: TrainedModelDir, replicas: list[int], **labels: str
) -> None:
    """``weights.h5`` and ``model.json`` (the model's config, the replica numbers it holds and any
    ``labels``: an IMNN batch says which problem's model class rebuilds it)."""
    write_json(
        target.model, {**labels, "config": model.get_config(), "replicas": list(map(int, replicas))}
    )
    save_weights(model, target.weights)


def load_model(
    source: TrainedModelDir, model_class: type = StackedPDF
) -> tuple[StackedPDF, list[int]]:
    """The model saved by ``save_model`` with its weights, and its replica numbers."""
    if not source.model.is_file():
        raise UserError(
            f"no trained model in {source.path} (missing {source.model.name}); run 'replifold fit' first"
        )
    saved = read_json(source.model)
    model = model_class.from_config(saved["config"])
    load_weights(model, source.weights)
    return model, [int(r) for r in saved["replicas"]]
