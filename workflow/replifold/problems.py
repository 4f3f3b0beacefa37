"""Which problem a runcard fits, and the writer of that problem's data (see replifold.problem).

The training stages read only the ``replifold.problem`` contract, so a new problem family
plugs in here and in its own subpackage.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write_problem_data(runcard: Mapping[str, Any], data_dir: Path) -> None:
    """Generate the data the expanded ``runcard`` describes into ``data_dir``."""
    from replifold.closure.generate import write_problem

    write_problem(runcard, data_dir)
