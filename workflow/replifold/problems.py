"""Which problem a runcard fits, and the writer of that problem's data (see replifold.problem).

The training stages read only the ``replifold.problem`` contract, so a problem family plugs in
here and in its own subpackage: ``closure`` (replifold.closure, the built-in closure test) and
``dis`` (replifold.dis: measured DIS data with FK tables from the theory cache). ``imnn``
(replifold.imnn) is a problem family of its own: its data are a description of the simulator
(``data/meta.json``), and its simulations come later, from ``replifold simulate``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from replifold.errors import UserError

log = logging.getLogger(__name__)


def write_problem_data(
    runcard: Mapping[str, Any], data_dir: Path, theory_cache: Path | None = None
) -> None:
    """Generate the data the expanded ``runcard`` describes into ``data_dir``."""
    problem = runcard["problem"]
    if problem == "closure":
        from replifold.closure.generate import write_problem

        write_problem(runcard, data_dir)
    elif problem == "dis":
        from replifold.dis.build import write_problem
        from replifold.theory.cache import TheoryCache

        if theory_cache is None:
            raise UserError(
                "a problem: dis runcard needs --theory-cache DIR (the folder of its FK tables)"
            )
        write_problem(runcard, data_dir, TheoryCache(theory_cache))
    elif problem == "imnn":
        from replifold.imnn.stages import write_setup

        log.info(write_setup(runcard, data_dir))
    else:
        raise UserError(f"problem: {problem} has no data generator in this version of replifold")
