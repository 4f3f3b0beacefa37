"""The hyperopt scan as the report shows it: trials from tries.json, parameters flattened."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Trial:
    trial: int
    round: int
    ok: bool
    loss: float | None
    reason: str | None
    fold_losses: tuple[float | None, ...]
    params: dict[str, float | str]  # flattened: "optimizer.learning_rate" -> 0.004


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, float | str]:
    """Nested parameters -> one value per key path; a list of numbers counts its entries
    (``nodes_per_layer`` -> number of layers), any other list becomes one label."""
    flat: dict[str, float | str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
                flat[f"{name} (count)"] = float(len(value))
            else:
                flat[name] = "/".join(str(v) for v in value)
        elif isinstance(value, bool) or value is None:
            flat[name] = str(value)
        elif isinstance(value, int | float):
            flat[name] = float(value)
        else:
            flat[name] = str(value)
    return flat


def read_trials(records: list[Mapping[str, Any]]) -> list[Trial]:
    return [
        Trial(
            trial=int(r["trial"]),
            round=int(r["round"]),
            ok=r["status"] == "ok",
            loss=r["loss"],
            reason=r["reason"],
            fold_losses=tuple(r["fold_losses"]),
            params=flatten(r["params"]),
        )
        for r in sorted(records, key=lambda r: r["trial"])
    ]


def best_trials(trials: list[Trial], count: int) -> list[Trial]:
    ok = [t for t in trials if t.ok and t.loss is not None]
    return sorted(ok, key=lambda t: (t.loss, t.trial))[:count]


def varied_parameters(trials: list[Trial]) -> list[str]:
    """Parameters that take more than one value over the scan, in sorted order."""
    names = sorted({name for t in trials for name in t.params})
    return [n for n in names if len({t.params.get(n) for t in trials}) > 1]
