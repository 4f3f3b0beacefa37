"""What the runcard says the network looks like, validated once, as plain data."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from replifold.errors import RuncardError
from replifold.model.activations import ACTIVATIONS
from replifold.model.basis import EVOL_BASIS
from replifold.model.initializers import INITIALIZERS

LAYER_TYPES: tuple[str, ...] = ("dense",)
FIT_BASES: tuple[str, ...] = ("EVOL",)
SUM_RULES: tuple[str, ...] = ("ALL", "MSR", "VSR", "NONE")


def _choice(path: tuple, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RuncardError.unknown(path, "unknown value", value, allowed)


def _range(path: tuple, value: object) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise RuncardError(path, "expected a range [lo, hi] of two numbers", found=value) from None
    if lo > hi:
        raise RuncardError(
            path, "range with lo > hi", found=value, allowed="[lo, hi] with lo <= hi"
        )
    return lo, hi


@dataclass(frozen=True)
class BasisEntry:
    """One fitted evolution-basis function and the ranges of its preprocessing exponents."""

    fl: str
    smallx: tuple[float, float]  # alpha in x^(1 - alpha)
    largex: tuple[float, float]  # beta in (1 - x)^beta
    trainable: bool = False

    @classmethod
    def from_runcard(cls, entry: dict, index: int) -> BasisEntry:
        path = ("fitting", "basis", index)
        _choice((*path, "fl"), entry.get("fl"), EVOL_BASIS)
        return cls(
            fl=entry["fl"],
            smallx=_range((*path, "smallx"), entry.get("smallx")),
            largex=_range((*path, "largex"), entry.get("largex")),
            trainable=bool(entry.get("trainable", False)),
        )

    def to_dict(self) -> dict:
        return {
            "fl": self.fl,
            "smallx": list(self.smallx),
            "largex": list(self.largex),
            "trainable": self.trainable,
        }

    @classmethod
    def from_dict(cls, data: dict) -> BasisEntry:
        return cls(
            data["fl"], tuple(data["smallx"]), tuple(data["largex"]), bool(data["trainable"])
        )


@dataclass(frozen=True)
class ModelSpec:
    """The network and basis of one fit; validated on construction with runcard key paths."""

    nodes_per_layer: tuple[int, ...]
    activation_per_layer: tuple[str, ...]
    basis: tuple[BasisEntry, ...]
    initializer: str = "glorot_normal"
    dropout: float = 0.0
    layer_type: str = "dense"
    fitbasis: str = "EVOL"
    sum_rules: str = "ALL"

    def __post_init__(self) -> None:
        params = "parameters"
        if not self.nodes_per_layer or any(int(n) < 1 for n in self.nodes_per_layer):
            raise RuncardError(
                (params, "nodes_per_layer"),
                "expected positive layer sizes",
                found=self.nodes_per_layer,
            )
        if len(self.activation_per_layer) != len(self.nodes_per_layer):
            raise RuncardError(
                (params, "activation_per_layer"),
                f"needs one activation per layer ({len(self.nodes_per_layer)} in nodes_per_layer)",
                found=list(self.activation_per_layer),
            )
        for i, name in enumerate(self.activation_per_layer):
            _choice((params, "activation_per_layer", i), name, ACTIVATIONS)
        _choice((params, "initializer"), self.initializer, INITIALIZERS)
        _choice((params, "layer_type"), self.layer_type, LAYER_TYPES)
        if self.dropout != 0.0:
            raise RuncardError(
                (params, "dropout"),
                "the stacked multi-replica model has no per-replica seeded dropout, so it cannot apply one",
                found=self.dropout,
                allowed="0.0",
            )
        _choice(("fitting", "fitbasis"), self.fitbasis, FIT_BASES)
        _choice(("fitting", "sum_rules"), self.sum_rules, SUM_RULES)
        names = [entry.fl for entry in self.basis]
        if sorted(names) != sorted(EVOL_BASIS):
            raise RuncardError(
                ("fitting", "basis"),
                "must list every evolution-basis flavour exactly once",
                found=names,
                allowed=", ".join(EVOL_BASIS),
            )
        if self.nodes_per_layer[-1] != len(self.basis):
            raise RuncardError(
                (params, "nodes_per_layer"),
                f"the last layer needs one unit per basis flavour ({len(self.basis)})",
                found=list(self.nodes_per_layer),
            )

    @classmethod
    def from_runcard(cls, runcard: dict) -> ModelSpec:
        """The spec of an (expanded) runcard's ``parameters`` and ``fitting`` sections."""
        params, fitting = runcard.get("parameters", {}), runcard.get("fitting", {})
        for section, content in (("parameters", params), ("fitting", fitting)):
            if not isinstance(content, dict):
                raise RuncardError((section,), "expected a mapping", found=content)
        nodes = params.get("nodes_per_layer")
        activations = params.get("activation_per_layer")
        basis = fitting.get("basis")
        for path, value in (
            (("parameters", "nodes_per_layer"), nodes),
            (("parameters", "activation_per_layer"), activations),
            (("fitting", "basis"), basis),
        ):
            if not isinstance(value, list):
                raise RuncardError(path, "expected a list", found=value)
        return cls(
            nodes_per_layer=tuple(int(n) for n in nodes),
            activation_per_layer=tuple(activations),
            basis=tuple(BasisEntry.from_runcard(entry, i) for i, entry in enumerate(basis)),
            initializer=params.get("initializer", "glorot_normal"),
            dropout=float(params.get("dropout", 0.0)),
            layer_type=params.get("layer_type", "dense"),
            fitbasis=fitting.get("fitbasis", "EVOL"),
            sum_rules=fitting.get("sum_rules", "ALL"),
        )

    def to_dict(self) -> dict:
        """JSON-ready form (lists, not tuples); ``from_dict`` inverts it."""
        out = asdict(self)
        out["nodes_per_layer"] = list(self.nodes_per_layer)
        out["activation_per_layer"] = list(self.activation_per_layer)
        out["basis"] = [entry.to_dict() for entry in self.basis]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ModelSpec:
        return cls(
            nodes_per_layer=tuple(data["nodes_per_layer"]),
            activation_per_layer=tuple(data["activation_per_layer"]),
            basis=tuple(BasisEntry.from_dict(entry) for entry in data["basis"]),
            initializer=data["initializer"],
            dropout=float(data["dropout"]),
            layer_type=data["layer_type"],
            fitbasis=data["fitbasis"],
            sum_rules=data["sum_rules"],
        )
