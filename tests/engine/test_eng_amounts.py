"""A payment amount is plain decimal yuan or it is refused: nothing is reinterpreted (an
exponent, a separator, another script's digits), and the region's bound on one payment
(``[region.payments] max_amount``, default 1,000,000 yuan) is kept."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from engine_support import CLERK, PAYER, REVIEWER, act, at, make_engine, open_case
from hypothesis import given
from hypothesis import strategies as st

from jingban.engine import Case
from jingban.engine.params import parse_amount_fen
from jingban.errors import BadInput
from jingban.workflows import CatalogError, load_region

FIXTURES = Path(__file__).parents[1] / "workflows" / "fixtures"

ACCEPTED = {
    "1": 100,
    "0.01": 1,
    "0.5": 50,
    "12.3": 1230,
    "3456.70": 345670,
    " 1234.56 ": 123456,
    "999999.99": 99999999,
    "1000000": 100000000,
    "100000000": 10**10,
}
# Every one of these was once paid as some other number, or is not an amount at all.
REFUSED = [
    "1e10",
    "1E3",
    "1e-2",
    "12,34",
    "1,234.56",
    "1，234",
    "1_000",
    "٣٤",
    "３４",
    "12.345",
    "12.",
    ".5",
    "-5",
    "+5",
    "0",
    "0.00",
    "00012",
    "0x10",
    "NaN",
    "Infinity",
    "inf",
    "1 000",
    "12元",
    "¥12",
    "12.5.1",
    "1E1000000",
    "100000000.01",
    "9999999999",
    "12\x00",
    "",
    "   ",
    "一百",
]


@pytest.mark.parametrize(("text", "fen"), ACCEPTED.items())
def test_a_plain_decimal_amount_is_read_to_the_fen(text: str, fen: int) -> None:
    assert parse_amount_fen(text) == fen


@pytest.mark.parametrize("text", REFUSED)
def test_anything_else_is_refused_with_one_line(text: str) -> None:
    with pytest.raises(BadInput) as refused:
        parse_amount_fen(text)
    assert "\n" not in refused.value.message and "金额" in refused.value.message


@given(st.text(alphabet="0123456789.,eE_-+ ٣３元", max_size=14))
def test_an_amount_is_read_only_when_it_is_a_plain_decimal(text: str) -> None:
    plain = text.strip()
    digits, _, cents = plain.partition(".")
    is_plain = (
        digits.isascii()
        and digits.isdigit()
        and (digits == "0" or not digits.startswith("0"))
        and (not _ or (cents.isascii() and cents.isdigit() and len(cents) <= 2))
    )
    try:
        fen = parse_amount_fen(text)
    except BadInput:
        assert not is_plain or not 0 < Decimal(plain) * 100 <= 10**10
    else:
        assert is_plain and fen == Decimal(plain) * 100


def _approved(now: str = "2026-11-23 10:00") -> Case:
    engine = make_engine()
    case = open_case(engine, "sichuan", "inpatient_reimbursement", now=at(now)).case
    case = act(engine, case, "accept", CLERK, at("2026-11-23 11:00")).case
    return act(engine, case, "approve", REVIEWER, at("2026-11-23 12:00"), reason="票据齐全").case


def test_a_payment_above_the_region_s_bound_is_refused() -> None:
    engine = make_engine()
    case = _approved()
    when = at("2026-11-24 10:00")
    payment = {"account": "6217003123456789", "voucher": "PZ-01"}
    with pytest.raises(BadInput, match=r"规定的单笔拨付上限 1000000\.00 元"):
        act(engine, case, "pay", PAYER, when, amount="1000000.01", **payment)
    paid = act(engine, case, "pay", PAYER, when, amount="1000000", **payment).case
    assert paid.payment is not None and paid.payment.amount_fen == 100_000_000


def test_the_region_s_bound_is_catalog_data_and_validated(tmp_path: Path) -> None:
    good = (FIXTURES / "good.toml").read_text(encoding="utf-8")
    head_end = good.index("\n[[items]]")
    path = tmp_path / "good.toml"
    path.write_text(good, encoding="utf-8")
    assert load_region(path).payments.max_amount_fen == 100_000_000
    path.write_text(
        good[:head_end] + "\n\n[region.payments]\nmax_amount = 50000\n" + good[head_end:],
        encoding="utf-8",
    )
    assert load_region(path).payments.max_amount_fen == 5_000_000
    path.write_text(
        good[:head_end] + "\n\n[region.payments]\nmax_amount = 0\n" + good[head_end:],
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="max_amount"):
        load_region(path)
