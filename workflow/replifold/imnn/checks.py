"""Cross-key checks of an imnn runcard, which JSON Schema cannot express.

Run by ``replifold.runcard.check_consistency`` on the expanded runcard, in a fixed order,
stopping at the first problem, like the PDF checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from replifold.errors import RuncardError
from replifold.imnn.settings import regularisation_rate
from replifold.imnn.simulators import Simulator, check_theta, make_simulator

# Sections and keys only the PDF problems read; an imnn runcard that carries one most likely
# expects it to do something.
PDF_ONLY = (
    "closure",
    "dataset_inputs",
    "positivity",
    "trvlseed",
    "mcseed",
    "genrep",
    "parameters",
    "fitting",
    "kfold",
    "postfit",
)


def check_imnn(runcard: dict[str, Any], source: str | None = None) -> None:
    """Raise a ``RuncardError`` for the first cross-key problem of an expanded imnn runcard."""
    for key in PDF_ONLY:
        if key in runcard:
            allowed = (
                "the imnn section's own keys (imnn.kfold, imnn.postfit, ...)"
                if key in ("kfold", "postfit")
                else None
            )
            raise RuncardError(
                [key],
                "this key belongs to the PDF problems; an imnn runcard does not use it",
                allowed=allowed or "remove it",
                source=source,
            )
    section = runcard["imnn"]
    simulator = make_simulator(section["simulator"])
    for check in (_theta, _sizes, _regularisation, _network, _held_out, _hyperopt):
        check(runcard, section, simulator, source)


def _fail(
    path: Sequence[str | int], problem: str, source: str | None, **details: Any
) -> RuncardError:
    return RuncardError(path, problem, source=source, **details)


def _checked_theta(
    simulator: Simulator, theta: Sequence[float], path: list, source: str | None
) -> np.ndarray:
    try:
        return check_theta(simulator, theta, path)
    except RuncardError as error:
        raise _fail(
            error.path, error.problem, source, found=error.found, allowed=error.allowed
        ) from None


def _theta(runcard: dict, section: dict, simulator: Simulator, source: str | None) -> None:
    theta = _checked_theta(
        simulator, section.get("theta_fid", simulator.default_theta), ["imnn", "theta_fid"], source
    )
    if section["derivatives"] != "numerical":
        return
    dtheta = section["dtheta"]
    if len(dtheta) != simulator.n_params:
        raise _fail(
            ["imnn", "dtheta"],
            f"one step per parameter ({', '.join(simulator.parameters)})",
            source,
            found=dtheta,
            allowed=f"a list of {simulator.n_params} positive numbers",
        )
    for sign in (-1.0, 1.0):
        for a in range(simulator.n_params):
            shifted = theta.copy()
            shifted[a] += sign * dtheta[a] / 2.0
            problem = simulator.theta_problem(shifted)
            if problem is not None:
                raise _fail(
                    ["imnn", "dtheta", a],
                    f"theta_fid {'-' if sign < 0 else '+'} dtheta/2 leaves the parameter space: "
                    f"{problem}",
                    source,
                    found=dtheta[a],
                )


def _sizes(runcard: dict, section: dict, simulator: Simulator, source: str | None) -> None:
    n_s, n_d, chunk = section["n_s"], section["n_d"], section["n_per_device"]
    if n_d > n_s:
        raise _fail(
            ["imnn", "n_d"],
            "the derivative simulations are the first n_d fiducial ones",
            source,
            found=n_d,
            allowed=f"an integer <= n_s = {n_s}",
        )
    if section["n_summaries"] < simulator.n_params:
        raise _fail(
            ["imnn", "n_summaries"],
            f"fewer summaries than the {simulator.n_params} parameters: det F would be 0",
            source,
            found=section["n_summaries"],
            allowed=f"an integer >= {simulator.n_params}",
        )
    if section["derivatives"] == "numerical":
        streams = {"n_s": n_s, "2 n_params n_d": 2 * simulator.n_params * n_d}
    else:
        streams = {"n_d": n_d, "n_s - n_d": n_s - n_d}
    for name, size in streams.items():
        if size % chunk:
            divisors = [
                d
                for d in range(1, min(chunk, 10**6) + 1)
                if all(s % d == 0 for s in streams.values())
            ]
            raise _fail(
                ["imnn", "n_per_device"],
                f"does not divide {name} = {size}: every chunk must be full",
                source,
                found=chunk,
                allowed=f"a common divisor of {', '.join(streams)}, e.g. {divisors[-1]}",
            )


def _regularisation(runcard: dict, section: dict, simulator: Simulator, source: str | None) -> None:
    coupling, closeness = section["regularisation"]["lambda"], section["regularisation"]["epsilon"]
    try:
        regularisation_rate(coupling, closeness)
    except ValueError as error:
        raise _fail(
            ["imnn", "regularisation", "epsilon"],
            f"no positive rate alpha for lambda = {coupling}: {error}",
            source,
            found=closeness,
            allowed="a smaller epsilon or lambda (e.g. lambda 10, epsilon 0.1)",
        ) from None


def _network(runcard: dict, section: dict, simulator: Simulator, source: str | None) -> None:
    network = section["network"]
    nodes, activations = network["nodes_per_layer"], network["activation_per_layer"]
    if len(nodes) != len(activations):
        raise _fail(
            ["imnn", "network", "activation_per_layer"],
            f"{len(activations)} activations for {len(nodes)} layers",
            source,
            found=activations,
            allowed=f"one activation per entry of nodes_per_layer {nodes}",
        )


def _held_out(runcard: dict, section: dict, simulator: Simulator, source: str | None) -> None:
    for i, theta in enumerate(section["held_out"].get("theta", [])):
        _checked_theta(simulator, theta, ["imnn", "held_out", "theta", i], source)


def _hyperopt(runcard: dict, section: dict, simulator: Simulator, source: str | None) -> None:
    scan = runcard.get("hyperopt")
    if scan is None:
        return
    if "hyperscan_config" not in runcard:
        raise _fail(
            ["hyperscan_config"],
            "missing section: a hyperopt scan needs its search space",
            source,
            allowed="add the section, or remove 'hyperopt' to fit with the runcard's settings",
        )
    if scan["engine"] != "files":
        raise _fail(
            ["hyperopt", "engine"],
            "an imnn scan runs on the files engine only",
            source,
            found=scan["engine"],
            allowed="files",
        )
    config = runcard["hyperscan_config"]
    if "positivity" in config:
        raise _fail(
            ["hyperscan_config", "positivity"],
            "an IMNN has no positivity constraint to scan",
            source,
            allowed="remove it",
        )
    architecture = config.get("architecture", {})
    if architecture.get("max_drop", 0.0) > 0:
        raise _fail(
            ["hyperscan_config", "architecture", "max_drop"],
            "an IMNN trains without dropout (summaries must be a fixed function of the data)",
            source,
            found=architecture["max_drop"],
            allowed="0",
        )
