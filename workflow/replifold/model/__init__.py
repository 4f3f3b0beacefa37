"""The stacked multi-replica PDF model and the observables it is compared with (Keras 3)."""

from replifold.model.activations import ACTIVATIONS, activation
from replifold.model.basis import (
    EVOL_BASIS,
    EVOLUTION_FROM_FLAVOUR,
    FLAVOUR_FROM_EVOLUTION,
    to_evolution,
    to_flavour,
)
from replifold.model.dense import MultiDense
from replifold.model.initializers import INITIALIZERS, MultiReplicaInitializer, single_initializer
from replifold.model.observables import Observables, PositivityObservables
from replifold.model.pdf import StackedPDF
from replifold.model.preprocessing import Preprocessing
from replifold.model.spec import BasisEntry, ModelSpec
from replifold.model.sum_rules import SumRules

__all__ = [
    "ACTIVATIONS",
    "EVOLUTION_FROM_FLAVOUR",
    "EVOL_BASIS",
    "FLAVOUR_FROM_EVOLUTION",
    "INITIALIZERS",
    "BasisEntry",
    "ModelSpec",
    "MultiDense",
    "MultiReplicaInitializer",
    "Observables",
    "PositivityObservables",
    "Preprocessing",
    "StackedPDF",
    "SumRules",
    "activation",
    "single_initializer",
    "to_evolution",
    "to_flavour",
]
