"""Theory cards: overrides applied before validation, clear errors, yadism/eko forms."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from replifold.errors import RuncardError, UserError
from replifold.theory import cards

BASELINE = 40_000_000  # NNPDF4.0 baseline: NNLO, FONLL-C, fitted charm, Q0 = 1.65 GeV


def _raw(theory_id: int) -> dict:
    return yaml.safe_load(
        (cards.theory_cards_dir() / f"{theory_id}.yaml").read_text(encoding="utf-8")
    )


def test_card_without_overrides_is_the_file():
    card = cards.load_theory_card(BASELINE)
    raw = _raw(BASELINE)
    for key in ("PTO", "FNS", "IC", "Q0", "mc", "mb", "alphas", "Qref", "CKM"):
        assert card[key] == raw[key]
    assert card.id == BASELINE and card.overrides == ()


def test_overrides_apply_before_derived_defaults():
    # nf0 follows Q0: 4 flavours at 1.65 GeV (above mc = 1.51), 3 at 1 GeV
    assert cards.load_theory_card(BASELINE)["nf0"] == 4
    low = cards.load_theory_card(BASELINE, {"Q0": 1.0})
    assert low["nf0"] == 3 and low["Q0"] == 1.0
    nlo = cards.load_theory_card(BASELINE, {"PTO": 1, "FNS": "ZM-VFNS"})
    assert (nlo["PTO"], nlo["FNS"]) == (1, "ZM-VFNS")
    assert nlo.overrides == (("FNS", "ZM-VFNS"), ("PTO", 1))


def test_canonical_form_ignores_id_and_comment_but_not_physics():
    a = cards.load_theory_card(BASELINE, {"PTO": 1, "FNS": "ZM-VFNS"}).canonical()
    b = cards.load_theory_card(BASELINE, {"FNS": "ZM-VFNS", "PTO": 1}).canonical()
    c = cards.load_theory_card(BASELINE, {"PTO": 1, "FNS": "ZM-VFNS", "alphas": 0.119}).canonical()
    assert a == b and a != c
    assert "ID" not in a and "Comments" not in a


def test_unknown_key_names_the_nearest():
    with pytest.raises(RuncardError) as info:
        cards.load_theory_card(BASELINE, {"FNZ": "ZM-VFNS"})
    assert info.value.path == ("theory", "FNZ") and info.value.suggestion == "FNS"


def test_deprecated_key_cannot_be_overridden():
    with pytest.raises(RuncardError, match="unknown theory card key"):
        cards.load_theory_card(BASELINE, {"MaxNfAs": 4})


def test_invalid_value_names_the_key():
    with pytest.raises(RuncardError) as info:
        cards.load_theory_card(BASELINE, {"PTO": 7})
    assert info.value.path == ("theory", "PTO")


def test_unknown_id():
    with pytest.raises(RuncardError) as info:
        cards.theory_card_from_runcard({"id": 4_000_000})
    assert info.value.path == ("theory", "id") and info.value.suggestion is not None


def test_runcard_section():
    card = cards.theory_card_from_runcard({"id": BASELINE, "FNS": "ZM-VFNS", "PTO": 1})
    assert card.id == BASELINE and card["FNS"] == "ZM-VFNS"


def test_unsupported_scheme_names_the_supported_ones():
    card = cards.load_theory_card(BASELINE)
    with pytest.raises(UserError) as info:
        cards.check_dis_scheme(card)
    message = str(info.value)
    assert "FONLL-C" in message and all(s in message for s in cards.YADISM_SCHEMES)
    with pytest.raises(UserError):
        cards.yadism_theory(card)


def test_yadism_theory_has_no_none_and_a_dis_order():
    card = cards.load_theory_card(BASELINE, {"PTO": 1, "FNS": "ZM-VFNS"})
    theory = cards.yadism_theory(card)
    assert all(v is not None for v in theory.values())
    assert theory["PTODIS"] == 1 and "n3lo_cf_variation" in theory


def test_eko_cards_follow_pineko():
    card = cards.load_theory_card(BASELINE, {"PTO": 1, "FNS": "ZM-VFNS"})
    theory = cards.eko_theory_card(card)
    assert tuple(theory.order) == (2, 0)
    assert theory.couplings.alphas == pytest.approx(0.118)
    xgrid = [1e-3, 0.01, 0.1, 0.5, 1.0]
    operator = cards.eko_operator_card(card, xgrid, [5.0, 30.0])
    assert [nf for _, nf in operator.mugrid] == [4, 5]  # mb = 4.92 GeV: 30 GeV^2 is above it
    np.testing.assert_allclose([mu for mu, _ in operator.mugrid], np.sqrt([5.0, 30.0]))
    assert tuple(operator.init) == (1.65, 4)
    assert operator.configs.evolution_method.value == "truncated"
    assert cards.legacy_eko_card(card)["Qedref"] == card["Qref"]


def test_nf_at_thresholds():
    card = cards.load_theory_card(BASELINE)
    assert [cards.nf_at(card, q**2) for q in (1.6, 4.9, 5.0, 200.0)] == [
        4,
        4,
        5,
        6 if card["MaxNfPdf"] > 5 else 5,
    ]
