"""The search space of ``hyperscan_config`` and the readable parameters of a trial.

A trial's parameters are stored as the values they give the runcard's ``parameters``
section (``{"optimizer": {"optimizer_name": "Adam", ...}, "nodes_per_layer": [25, 20, 8]}``),
never as hyperopt's index lists, and ``apply_params`` overrides ``parameters`` with them. The
same space converts between those values and hyperopt's flat ``{label: value}`` points both
ways, so a store of readable parameters can be turned back into a hyperopt ``Trials``.

Sampling follows n3fit's hyperscan: one optimizer of the list, with log-uniform learning rate
and clipnorm under labels of that optimizer; epochs and patience on ``STOPPING_STEPS`` even
steps between their bounds; a number of layers from ``n_layers`` (the output layer included)
with each hidden layer's units tied to that choice and the output layer fixed to the runcard's;
one activation for every hidden layer (the output keeps the runcard's); dropout uniform up to
``max_drop``; positivity multiplier uniform and initial value log-uniform. A range whose
bounds coincide is a fixed value, not a dimension.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hyperopt import hp

from replifold.errors import RuncardError

STOPPING_STEPS = 5
RELATIVE_TOLERANCE = (
    1.0e-12  # a bound read back from JSON may differ from exp(log(bound)) in the last bit
)


class Dimension(Protocol):
    def expression(self) -> Any: ...

    def labels(self) -> tuple[str, ...]: ...

    def value(self, point: Mapping[str, float]) -> Any: ...

    def encode(self, value: Any) -> dict[str, float]: ...


@dataclass(frozen=True)
class Fixed:
    constant: Any

    def expression(self) -> Any:
        return self.constant

    def labels(self) -> tuple[str, ...]:
        return ()

    def value(self, point: Mapping[str, float]) -> Any:
        return self.constant

    def encode(self, value: Any) -> dict[str, float]:
        if value != self.constant:
            raise ValueError(f"{value!r} differs from the fixed value {self.constant!r}")
        return {}


@dataclass(frozen=True)
class Choice:
    label: str
    options: tuple[Any, ...]

    def expression(self) -> Any:
        return hp.choice(self.label, list(self.options))

    def labels(self) -> tuple[str, ...]:
        return (self.label,)

    def value(self, point: Mapping[str, float]) -> Any:
        return self.options[int(point[self.label])]

    def encode(self, value: Any) -> dict[str, float]:
        if value not in self.options:
            raise ValueError(f"{self.label} = {value!r} is not one of {list(self.options)}")
        return {self.label: self.options.index(value)}


def _inside(value: float, lo: float, hi: float) -> bool:
    slack = RELATIVE_TOLERANCE * max(abs(lo), abs(hi))
    return lo - slack <= value <= hi + slack


@dataclass(frozen=True)
class Uniform:
    label: str
    lo: float
    hi: float
    log: bool = False

    def expression(self) -> Any:
        if self.log:
            return hp.loguniform(self.label, math.log(self.lo), math.log(self.hi))
        return hp.uniform(self.label, self.lo, self.hi)

    def labels(self) -> tuple[str, ...]:
        return (self.label,)

    def value(self, point: Mapping[str, float]) -> float:
        return float(point[self.label])

    def encode(self, value: Any) -> dict[str, float]:
        if not isinstance(value, (int, float)) or not _inside(float(value), self.lo, self.hi):
            raise ValueError(f"{self.label} = {value!r} is outside [{self.lo}, {self.hi}]")
        return {self.label: float(value)}


@dataclass(frozen=True)
class Integers:
    """Every integer from ``lo`` to ``hi`` equally likely (rounded uniform, ordered for TPE)."""

    label: str
    lo: int
    hi: int

    def expression(self) -> Any:
        return hp.quniform(self.label, self.lo - 0.5, self.hi + 0.5, 1)

    def labels(self) -> tuple[str, ...]:
        return (self.label,)

    def value(self, point: Mapping[str, float]) -> int:
        return min(max(int(round(point[self.label])), self.lo), self.hi)

    def encode(self, value: Any) -> dict[str, float]:
        if not isinstance(value, int) or not self.lo <= value <= self.hi:
            raise ValueError(
                f"{self.label} = {value!r} is not an integer in [{self.lo}, {self.hi}]"
            )
        return {self.label: float(value)}


@dataclass(frozen=True)
class Steps:
    """``steps + 1`` evenly spaced values from ``lo`` to ``hi``, sampled through their index."""

    label: str
    lo: float
    hi: float
    steps: int
    integer: bool

    def expression(self) -> Any:
        return hp.quniform(self.label, -0.5, self.steps + 0.5, 1)

    def labels(self) -> tuple[str, ...]:
        return (self.label,)

    def at(self, index: int) -> int | float:
        value = self.lo + index * (self.hi - self.lo) / self.steps
        return int(round(value)) if self.integer else float(f"{value:.12g}")

    def value(self, point: Mapping[str, float]) -> int | float:
        return self.at(min(max(int(round(point[self.label])), 0), self.steps))

    def encode(self, value: Any) -> dict[str, float]:
        for index in range(self.steps + 1):
            if self.at(index) == value:
                return {self.label: float(index)}
        raise ValueError(
            f"{self.label} = {value!r} is not one of {[self.at(i) for i in range(self.steps + 1)]}"
        )


@dataclass(frozen=True)
class OptimizerOption:
    name: str
    learning_rate: Dimension
    clipnorm: Dimension | None  # None: no gradient clipping


@dataclass(frozen=True)
class LayerOption:
    n_layers: int
    units: tuple[Dimension, ...]  # the hidden layers'


def _conditional(choice: Choice, branches: Sequence[Sequence[Dimension]]) -> Any:
    """``choice`` whose option i activates ``branches[i]`` (hyperopt only samples the active ones)."""
    options = [[dim.expression() for dim in branch] for branch in branches]
    return hp.choice(choice.label, options)


@dataclass(frozen=True)
class SearchSpace:
    epochs: Dimension | None
    stopping_patience: Dimension | None
    optimizer: Choice | None
    optimizers: tuple[OptimizerOption, ...]
    n_layers: Choice | None
    layers: tuple[LayerOption, ...]
    activation: Dimension
    output_activation: str
    output_units: int
    initializer: Dimension | None
    dropout: Dimension | None
    layer_type: Dimension | None
    positivity_multiplier: Dimension | None
    positivity_initial: Dimension | None

    def _flat(self) -> tuple[Dimension, ...]:
        dims = (
            self.epochs,
            self.stopping_patience,
            self.activation,
            self.initializer,
            self.dropout,
            self.layer_type,
            self.positivity_multiplier,
            self.positivity_initial,
        )
        return tuple(dim for dim in dims if dim is not None)

    def _optimizer_dims(self, option: OptimizerOption) -> tuple[Dimension, ...]:
        return (option.learning_rate,) + ((option.clipnorm,) if option.clipnorm is not None else ())

    def expression(self) -> dict[str, Any]:
        """The hyperopt space: every dimension under its label, conditional ones in their branch."""
        space: dict[str, Any] = {
            label: dim.expression() for dim in self._flat() for label in dim.labels()
        }
        if self.optimizer is not None:
            space["optimizer"] = _conditional(
                self.optimizer, [self._optimizer_dims(o) for o in self.optimizers]
            )
        if self.n_layers is not None:
            space["n_layers"] = _conditional(self.n_layers, [layer.units for layer in self.layers])
        return space

    def labels(self) -> tuple[str, ...]:
        dims: list[Dimension] = list(self._flat())
        if self.optimizer is not None:
            dims += [self.optimizer, *(d for o in self.optimizers for d in self._optimizer_dims(o))]
        if self.n_layers is not None:
            dims += [self.n_layers, *(d for layer in self.layers for d in layer.units)]
        return tuple(sorted(label for dim in dims for label in dim.labels()))

    def readable(self, point: Mapping[str, float]) -> dict[str, Any]:
        """The parameters of hyperopt's ``point`` ({label: value} of its active labels)."""
        params: dict[str, Any] = {}
        for key, dim in (
            ("epochs", self.epochs),
            ("stopping_patience", self.stopping_patience),
            ("initializer", self.initializer),
            ("dropout", self.dropout),
            ("layer_type", self.layer_type),
        ):
            if dim is not None:
                params[key] = dim.value(point)
        if self.optimizer is not None:
            option = self.optimizers[int(point[self.optimizer.label])]
            optimizer = {
                "optimizer_name": option.name,
                "learning_rate": option.learning_rate.value(point),
            }
            if option.clipnorm is not None:
                optimizer["clipnorm"] = option.clipnorm.value(point)
            params["optimizer"] = optimizer
        if self.n_layers is not None:
            layer = self.layers[int(point[self.n_layers.label])]
            params["nodes_per_layer"] = [dim.value(point) for dim in layer.units] + [
                self.output_units
            ]
            hidden = [self.activation.value(point)] * len(layer.units)
            params["activation_per_layer"] = [*hidden, self.output_activation]
        positivity = {}
        for key, dim in (
            ("multiplier", self.positivity_multiplier),
            ("initial", self.positivity_initial),
        ):
            if dim is not None:
                positivity[key] = dim.value(point)
        if positivity:
            params["positivity"] = positivity
        return params

    def point(self, params: Mapping[str, Any]) -> dict[str, float]:
        """The inverse of ``readable``: hyperopt's values of the labels ``params`` activates.

        Raises ``ValueError`` when ``params`` cannot come from this space.
        """
        try:
            return self._point(params)
        except (KeyError, TypeError, IndexError) as error:
            raise ValueError(
                f"parameters {dict(params)} do not fit the search space ({error!r})"
            ) from None

    def _point(self, params: Mapping[str, Any]) -> dict[str, float]:
        point: dict[str, float] = {}
        for key, dim in (
            ("epochs", self.epochs),
            ("stopping_patience", self.stopping_patience),
            ("initializer", self.initializer),
            ("dropout", self.dropout),
            ("layer_type", self.layer_type),
        ):
            if dim is not None:
                point.update(dim.encode(params[key]))
        if self.optimizer is not None:
            optimizer = params["optimizer"]
            point.update(self.optimizer.encode(optimizer["optimizer_name"]))
            option = self.optimizers[self.optimizer.options.index(optimizer["optimizer_name"])]
            point.update(option.learning_rate.encode(optimizer["learning_rate"]))
            if option.clipnorm is not None:
                point.update(option.clipnorm.encode(optimizer["clipnorm"]))
        if self.n_layers is not None:
            nodes, activations = params["nodes_per_layer"], params["activation_per_layer"]
            point.update(self.n_layers.encode(len(nodes)))
            layer = self.layers[self.n_layers.options.index(len(nodes))]
            for dim, units in zip(layer.units, nodes[:-1]):
                point.update(dim.encode(units))
            if nodes[-1] != self.output_units or activations[-1] != self.output_activation:
                raise ValueError(
                    f"output layer {nodes[-1]} ({activations[-1]}) is not the runcard's"
                )
            if len(set(activations[:-1])) != 1 or len(activations) != len(nodes):
                raise ValueError(f"hidden layers must share one activation, found {activations}")
            point.update(self.activation.encode(activations[0]))
        for key, dim in (
            ("multiplier", self.positivity_multiplier),
            ("initial", self.positivity_initial),
        ):
            if dim is not None:
                point.update(dim.encode(params["positivity"][key]))
        return point

    def vals(self, params: Mapping[str, Any]) -> dict[str, list[float]]:
        """hyperopt's ``misc.vals``: one value for each active label, none for the others."""
        point = self.point(params)
        return {label: [point[label]] if label in point else [] for label in self.labels()}


def apply_params(parameters: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The runcard's ``parameters`` with a trial's values: optimizer replaced, positivity merged."""
    out = copy.deepcopy(dict(parameters))
    for key, value in params.items():
        if key == "positivity":
            out["positivity"] = {**out.get("positivity", {}), **value}
        else:
            out[key] = copy.deepcopy(value)
    return out


def _unique(path: tuple, values: Sequence[Any]) -> tuple[Any, ...]:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise RuncardError(
                (*path, i), "listed twice: every option of a choice must differ", found=value
            )
    return tuple(values)


def _range(
    label: str, bounds: Sequence[float] | None, default: float | None, log: bool
) -> Dimension | None:
    if bounds is None:
        return None if default is None else Fixed(default)
    lo, hi = float(bounds[0]), float(bounds[1])
    return Fixed(lo) if lo == hi else Uniform(label, lo, hi, log)


def _steps(label: str, lo: float, hi: float, integer: bool) -> Dimension:
    return (
        Fixed(int(lo) if integer else float(lo))
        if lo == hi
        else Steps(label, lo, hi, STOPPING_STEPS, integer)
    )


def search_space(runcard: Mapping[str, Any]) -> SearchSpace:
    """The search space of an expanded runcard's ``hyperscan_config`` around its ``parameters``."""
    scan = runcard.get("hyperscan_config")
    if scan is None:
        raise RuncardError(
            ("hyperscan_config",), "missing section: a hyperopt scan needs its search space"
        )
    parameters = runcard["parameters"]
    base_optimizer = parameters["optimizer"]

    stopping = scan.get("stopping")
    epochs = patience = None
    if stopping is not None:
        epochs = _steps("epochs", stopping["min_epochs"], stopping["max_epochs"], integer=True)
        patience = _steps(
            "stopping_patience", stopping["min_patience"], stopping["max_patience"], integer=False
        )

    optimizer, optimizers = None, ()
    if "optimizer" in scan:
        entries = scan["optimizer"]
        names = _unique(
            ("hyperscan_config", "optimizer"), [entry["optimizer_name"] for entry in entries]
        )
        optimizer = Choice("optimizer", names)
        optimizers = tuple(
            OptimizerOption(
                name=name,
                learning_rate=_range(
                    f"{name}_learning_rate",
                    entry.get("learning_rate"),
                    base_optimizer["learning_rate"],
                    log=True,
                ),
                clipnorm=_range(
                    f"{name}_clipnorm",
                    entry.get("clipnorm"),
                    base_optimizer.get("clipnorm"),
                    log=True,
                ),
            )
            for name, entry in zip(names, entries)
        )

    hidden_activation = Fixed(parameters["activation_per_layer"][0])
    n_layers, layers, initializer, dropout, layer_type = None, (), None, None, None
    architecture = scan.get("architecture")
    if architecture is not None:
        path = ("hyperscan_config", "architecture")
        counts = _unique((*path, "n_layers"), architecture["n_layers"])
        n_layers = Choice("n_layers", counts)
        low, high = architecture["min_units"], architecture["max_units"]
        layers = tuple(
            LayerOption(n, tuple(Integers(f"units_{i}_of_{n}", low, high) for i in range(n - 1)))
            for n in counts
        )
        if "activations" in architecture:
            hidden_activation = Choice(
                "activation", _unique((*path, "activations"), architecture["activations"])
            )
        if "initializers" in architecture:
            initializer = Choice(
                "initializer", _unique((*path, "initializers"), architecture["initializers"])
            )
        max_drop = float(architecture.get("max_drop", 0.0))
        dropout = Uniform("dropout", 0.0, max_drop) if max_drop > 0 else Fixed(0.0)
        layer_type = Choice(
            "layer_type",
            _unique((*path, "layer_types"), architecture.get("layer_types", ["dense"])),
        )

    multiplier = initial = None
    positivity = scan.get("positivity")
    if positivity is not None:
        multipliers = (positivity["min_multiplier"], positivity["max_multiplier"])
        multiplier = _range("positivity_multiplier", multipliers, None, log=False)
        initial = _range(
            "positivity_initial",
            (positivity["min_initial"], positivity["max_initial"]),
            None,
            log=True,
        )

    return SearchSpace(
        epochs=epochs,
        stopping_patience=patience,
        optimizer=optimizer,
        optimizers=optimizers,
        n_layers=n_layers,
        layers=layers,
        activation=hidden_activation,
        output_activation=parameters["activation_per_layer"][-1],
        output_units=int(parameters["nodes_per_layer"][-1]),
        initializer=initializer,
        dropout=dropout,
        layer_type=layer_type,
        positivity_multiplier=multiplier,
        positivity_initial=initial,
    )
