"""The runcard of level-1 draw k of a multi-closure test (``closure.level1_draws``).

Draw k >= 1 fits the same truth as the fit itself (draw 0) from level-1 data of its own: its
runcard is the fit's expanded runcard with every base seed derived for k
(``seeding.draw_seeds``), the parameters the fit trains with (the scan's best ones when it has
a scan, so every draw is the same methodology), and no scan and no further draws of its own.
It is then set up, trained, split and post-fitted as any fit folder.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from replifold import seeding
from replifold.errors import UserError

SCAN_SECTIONS = ("hyperopt", "hyperscan_config", "kfold")


def draw_runcard(
    runcard: Mapping[str, Any], draw: int, best_params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The expanded runcard of draw ``draw`` (1 <= draw < closure.level1_draws) of the fit ``runcard``."""
    draws = int(runcard["closure"]["level1_draws"])
    if not 1 <= draw < draws:
        raise UserError(
            f"draw {draw} does not exist: closure.level1_draws = {draws} gives draws 1 to {draws - 1} "
            "(draw 0 is the fit itself)"
        )
    if runcard.get("hyperopt") and best_params is None:
        raise UserError(
            "the fit has a hyperopt scan: its draws train with the best parameters (best.json); run the scan first"
        )
    seeds = seeding.draw_seeds({**runcard, "filterseed": runcard["closure"]["filterseed"]}, draw)
    card = {key: copy.deepcopy(value) for key, value in runcard.items() if key not in SCAN_SECTIONS}
    card["closure"] = {**card["closure"], "filterseed": seeds["filterseed"], "level1_draws": 1}
    card.update(mcseed=seeds["mcseed"], trvlseed=seeds["trvlseed"], nnseed=seeds["nnseed"])
    if best_params is not None:
        from replifold.hyperopt.space import apply_params

        card["parameters"] = apply_params(card["parameters"], best_params)
    text = runcard.get("description") or ""
    card["description"] = f"level-1 draw {draw} of {draws} of a multi-closure test" + (
        f": {text}" if text else ""
    )
    return card
