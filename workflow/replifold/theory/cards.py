"""NNPDF theory cards: load one by id with overrides, and give it the form yadism and eko need.

A card is read from ``nnpdf_data``'s ``theory_cards/<ID>.yaml`` and the overrides are applied to
the raw YAML *before* nnpdf_data validates it, so that keys whose defaults depend on others
(``nf0`` on ``Q0``, ``nfref`` on ``Qref``, ``IterEv`` on ``ModEv``) follow the overridden values,
exactly as if the card had been written that way. The result is a frozen ``TheoryCard``; its
``canonical()`` form is what cache keys hash.

Interface used by other parts of replifold (keep it stable):

* ``load_theory_card(theory_id, overrides=None) -> TheoryCard``
* ``theory_card_from_runcard(section) -> TheoryCard`` (``theory: {id: ..., <key>: <value>}``)
* ``TheoryCard.values`` / ``card[key]`` / ``TheoryCard.canonical()``; ``recipe()`` /
  ``TheoryCard.from_recipe()`` (the card in a theory-cache recipe)
* ``yadism_theory(card) -> dict``: the card for ``yadism.run_yadism``;
* ``check_dis_scheme(card)``: a ``UserError`` naming what yadism supports if it cannot compute
  the card's heavy-quark scheme;
* ``legacy_eko_card(card) -> dict``: the card as eko's ``Legacy`` converter wants it;
* ``eko_theory_card(card)`` and ``eko_operator_card(card, xgrid, mu2grid)``: eko's runcards
  (the operator card follows pineko's ``write_operator_card``);
* ``nf_at(card, mu2)``: active flavours at a scale, with pineko's matching atlas.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from replifold.errors import RuncardError, UserError, nearest

#: Heavy-quark schemes yadism computes directly (NNPDF's FONLL-A/B/C are assembled by pineko
#: from several of these; replifold does not do that).
YADISM_SCHEMES: tuple[str, ...] = ("ZM-VFNS", "FFNS", "FFN0", "FONLL-FFNS", "FONLL-FFN0")

#: Keys that identify a card rather than describe its physics: never overridden, never hashed.
IDENTITY_KEYS: tuple[str, ...] = ("ID", "Comments")

#: Legacy keys nnpdf_data blanks after reading a card: overriding them would have no effect.
DEPRECATED_KEYS: tuple[str, ...] = ("MaxNfAs", "SxRes", "SxOrd", "EScaleVar", "Qedref", "global_nx")

#: pineko's fixed operator settings (``opcard_template.CONSTANTS``) that do not come from the card.
EV_OP_MAX_ORDER = (10, 0)


def theory_cards_dir() -> Path:
    from nnpdf_data import THEORY_CARDS_PATH

    return Path(THEORY_CARDS_PATH)


@functools.cache
def available_ids() -> tuple[int, ...]:
    """Every theory id ``nnpdf_data`` ships, sorted."""
    return tuple(sorted(int(p.stem) for p in theory_cards_dir().glob("*.yaml")))


@functools.cache
def card_keys() -> tuple[str, ...]:
    """Every key an NNPDF theory card may carry (nnpdf_data's ``TheoryCard`` fields)."""
    from nnpdf_data.theory import TheoryCard as NNPDFCard

    return tuple(f.name for f in dataclasses.fields(NNPDFCard))


def overridable_keys() -> tuple[str, ...]:
    return tuple(k for k in card_keys() if k not in IDENTITY_KEYS + DEPRECATED_KEYS)


@dataclasses.dataclass(frozen=True)
class TheoryCard:
    """A validated NNPDF theory card: ``id`` it came from, the ``overrides`` applied, every value."""

    id: int
    overrides: tuple[tuple[str, Any], ...]  # sorted by key
    values: Mapping[str, Any]  # every key of the card, None where unset

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def as_dict(self) -> dict[str, Any]:
        """A mutable copy of every value (lists copied too)."""
        return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in self.values.items()}

    def canonical(self) -> dict[str, Any]:
        """What determines the physics: every value but the id and comment, as plain JSON types.

        Two cards with equal canonical forms give the same grids and operators whatever their id,
        so cache keys hash this, not the id.
        """
        return {k: _plain(v) for k, v in sorted(self.values.items()) if k not in IDENTITY_KEYS}

    def recipe(self) -> dict[str, Any]:
        """The card as a cache recipe stores it (``from_recipe`` gives it back)."""
        return {
            "id": self.id,
            "overrides": {k: _plain(v) for k, v in self.overrides},
            "values": self.canonical(),
        }

    @classmethod
    def from_recipe(cls, recipe: Mapping[str, Any]) -> TheoryCard:
        """The card of a cache recipe: its values as they were validated when the entry was planned."""
        values = {k: recipe["values"].get(k) for k in card_keys()}
        values["ID"] = int(recipe["id"])
        values["Comments"] = ""
        return cls(
            id=int(recipe["id"]),
            overrides=tuple(sorted(recipe["overrides"].items())),
            values=values,
        )

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.overrides)
        return f"theory {self.id}" + (f" with {shown}" if shown else "")


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _card_path(theory_id: int, where: Sequence[str | int]) -> Path:
    path = theory_cards_dir() / f"{int(theory_id)}.yaml"
    if not path.is_file():
        known = [str(i) for i in available_ids()]
        raise RuncardError(
            [*where, "id"],
            f"no NNPDF theory card with this id in {theory_cards_dir()}",
            found=theory_id,
            allowed=f"one of the {len(known)} ids shipped by nnpdf_data, e.g. {', '.join(known[-5:])}",
            suggestion=nearest(str(theory_id), known),
        )
    return path


def load_theory_card(
    theory_id: int,
    overrides: Mapping[str, Any] | None = None,
    *,
    where: Sequence[str | int] = ("theory",),
) -> TheoryCard:
    """Card ``theory_id`` of nnpdf_data with ``overrides`` applied, validated by nnpdf_data.

    ``where`` is the runcard key path the card comes from, for error messages.
    """
    from nnpdf_data.theory import TheoryCard as NNPDFCard
    from nnpdf_data.theory import TheoryCardError
    from validobj import ValidationError, parse_input

    overrides = dict(overrides or {})
    keys = overridable_keys()
    for key in overrides:
        if key not in keys:
            raise RuncardError.unknown([*where, key], "unknown theory card key", key, keys)
    with open(_card_path(theory_id, where), encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    raw.update(overrides)
    try:
        parsed = parse_input(raw, NNPDFCard)
    except (ValidationError, TheoryCardError, TypeError, ValueError) as error:
        bad = [k for k in overrides if k in str(error)]
        raise RuncardError(
            [*where, bad[0]] if bad else list(where),
            f"the theory card is invalid after the overrides: {_first_line(error)}",
            found={k: overrides[k] for k in bad} or overrides or None,
        ) from None
    values = {k: _plain(v) for k, v in dataclasses.asdict(parsed).items()}
    return TheoryCard(id=int(theory_id), overrides=tuple(sorted(overrides.items())), values=values)


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def theory_card_from_runcard(section: Mapping[str, Any]) -> TheoryCard:
    """The card of a runcard's ``theory: {id: <ID>, <card key>: <override>, ...}`` section."""
    if "id" not in section:
        raise RuncardError(
            ["theory", "id"],
            "missing the NNPDF theory card id",
            allowed="an integer, e.g. 40000000",
        )
    overrides = {k: v for k, v in section.items() if k != "id"}
    return load_theory_card(int(section["id"]), overrides)


def check_dis_scheme(card: TheoryCard) -> None:
    """A clear error when yadism cannot compute DIS in the card's heavy-quark scheme."""
    scheme = card["FNS"]
    if scheme in YADISM_SCHEMES:
        return
    hint = (
        " (NNPDF assembles FONLL-A/B/C from several yadism grids with pineko.fonll, which replifold does not do)"
        if str(scheme).startswith("FONLL")
        else ""
    )
    raise UserError(
        f"{card.describe()}: heavy-quark scheme FNS={scheme!r} is not supported by yadism{hint}; "
        f"supported: {', '.join(YADISM_SCHEMES)}. Override it in the runcard, e.g. "
        f"theory: {{id: {card.id}, FNS: ZM-VFNS}}"
    )


def yadism_theory(card: TheoryCard) -> dict[str, Any]:
    """The card as ``yadism.run_yadism`` reads it: no None values, the DIS order defaulting to PTO.

    yadism refuses None for keys it reads (``n3lo_cf_variation`` among them), and reads
    ``PTODIS`` (the coefficient functions' order), which NNPDF cards leave unset unless FONLL
    needs it to differ from ``PTO``.
    """
    check_dis_scheme(card)
    theory = {k: v for k, v in card.as_dict().items() if v is not None}
    theory.setdefault("PTODIS", card["PTO"])
    theory.setdefault("n3lo_cf_variation", 0)
    return theory


def legacy_eko_card(card: TheoryCard) -> dict[str, Any]:
    """The card for ``eko.io.runcards.Legacy``: eko still reads ``Qedref`` and ``MaxNfAs``, which
    nnpdf_data blanks as deprecated; they are set as pineko sets them (``Qref``, ``MaxNfPdf``)."""
    legacy = card.as_dict()
    if legacy.get("PTOEKO") is not None:  # FONLL mixed orders: eko evolves at PTOEKO
        legacy["PTO"] = legacy["PTOEKO"]
    legacy["Qedref"] = legacy["Qref"]
    legacy["MaxNfAs"] = legacy["MaxNfPdf"]
    return legacy


def nf_at(card: TheoryCard, mu2: float) -> int:
    """Active flavours at ``mu2`` [GeV^2] with pineko's atlas: thresholds ``(k_q m_q)^2``, those above
    ``MaxNfPdf`` removed, origin ``(Q0^2, nf0)``."""
    from eko.matchings import Atlas, nf_default
    from eko.quantities import heavy_quarks

    masses = np.array([card["mc"], card["mb"], card["mt"]]) ** 2
    ratios = np.array([card["kcThr"], card["kbThr"], card["ktThr"]]) ** 2
    for flavour in range(int(card["MaxNfPdf"]) + 1, 7):
        ratios[flavour - 4] = np.inf
    atlas = Atlas(
        matching_scales=heavy_quarks.MatchingScales(masses * ratios),
        origin=(card["Q0"] ** 2, int(card["nf0"])),
    )
    return int(nf_default(float(mu2), atlas))


def eko_theory_card(card: TheoryCard):
    """eko's ``TheoryCard`` of the card (through eko's own legacy converter)."""
    from eko.io.runcards import Legacy

    return Legacy(legacy_eko_card(card), {}).new_theory


def operator_card_dict(
    card: TheoryCard,
    xgrid: Sequence[float],
    mu2grid: Sequence[float],
    *,
    interpolation_degree: int = 4,
) -> dict[str, Any]:
    """eko's operator card as a plain dict, as pineko's ``write_operator_card`` builds it.

    Targets are ``(mu, nf)`` with ``mu^2 = XIF^2 mu2`` unless the card asks for scale variations
    in eko (``ModSV``), the flavour number from ``nf_at``; TRN evolution is truncated with one
    iteration and expanded inversion, EXA iterates ``IterEv`` times with exact inversion.
    """
    scvar = (
        card["ModSV"]
        if card["ModSV"] in ("expanded", "exponentiated") and not np.isclose(card["XIF"], 1.0)
        else None
    )
    xif = 1.0 if scvar is not None else float(card["XIF"])
    targets = [xif * xif * float(m) for m in mu2grid]
    if card["ModEv"] == "TRN":
        method, iterations, inversion = "truncated", 1, "expanded"
    elif card["ModEv"] == "EXA":
        method, iterations, inversion = "iterate-exact", int(card["IterEv"]), "exact"
    else:
        raise UserError(
            f"{card.describe()}: evolution method ModEv={card['ModEv']!r} is not supported; use TRN or EXA"
        )
    return {
        "init": [float(card["Q0"]), int(card["nf0"])],
        "mugrid": [[float(np.sqrt(q2)), nf_at(card, q2)] for q2 in targets],
        "xgrid": [float(x) for x in xgrid],
        "configs": {
            "evolution_method": method,
            "ev_op_max_order": list(EV_OP_MAX_ORDER),
            "ev_op_iterations": iterations,
            "scvar_method": scvar,
            "inversion_method": inversion,
            "interpolation_polynomial_degree": int(interpolation_degree),
            "interpolation_is_log": True,
            "polarized": False,
            "time_like": False,
            "n_integration_cores": 1,
        },
        "debug": {"skip_singlet": False, "skip_non_singlet": False},
    }


def eko_operator_card(
    card: TheoryCard,
    xgrid: Sequence[float],
    mu2grid: Sequence[float],
    *,
    interpolation_degree: int = 4,
):
    """eko's ``OperatorCard`` from ``Q0`` to every ``mu2grid`` scale on ``xgrid`` (see ``operator_card_dict``)."""
    from eko.io.runcards import OperatorCard

    return OperatorCard.from_dict(
        operator_card_dict(card, xgrid, mu2grid, interpolation_degree=interpolation_degree)
    )
