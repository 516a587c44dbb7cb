"""The engine's fast paths give what the plain rules give: accounts without a regex, masking
of a validated account, and the check for changed due inputs."""

from __future__ import annotations

import re
from typing import Any

from engine_support import SUPERVISOR, act, at, make_engine, open_case
from hypothesis import given
from hypothesis import strategies as st

from jingban.engine import Case, deadlines
from jingban.engine.identity import mask_account
from jingban.engine.params import validate_account
from jingban.errors import BadInput
from jingban.workflows import Item


def _outcome(parse: Any, text: Any) -> tuple[str, Any]:
    try:
        return ("ok", parse(text))
    except BadInput as error:
        return ("refused", error.message)


def _plain_account(text: str | None) -> str:
    """The rule as first written: drop whitespace and hyphens, then 8–30 ASCII digits."""
    account = re.sub(r"[\s\-]", "", text or "")
    if not re.fullmatch(r"[0-9]{8,30}", account):
        raise BadInput("收款账号必须是 8–30 位数字 (account)")
    return account


ACCOUNTS = st.one_of(
    st.from_regex(r"[0-9 \-]{0,40}", fullmatch=True),
    st.from_regex(r"[0-9 \-\t\n\u3000٣a]{0,34}", fullmatch=True),
    st.none(),
)


@given(ACCOUNTS)
def test_an_account_validates_as_through_the_regex(text: str | None) -> None:
    assert _outcome(validate_account, text) == _outcome(_plain_account, text)


@given(st.from_regex(r"[0-9 ]{8,30}", fullmatch=True))
def test_mask_account_keeps_only_the_last_four_digits(account: str) -> None:
    digits = account.replace(" ", "")
    masked = mask_account(account)
    assert masked.endswith(digits[-4:])
    assert set(masked[:-4]) <= {"*"} and len(masked) == max(len(digits) - 4, 4) + len(digits[-4:])


def _old_inputs(case: Case, item: Item) -> tuple[object, ...]:
    stamps = tuple(
        (case.started(s.starts), case.started(s.ends) is not None) for s in item.stage_limits
    )
    return (
        case.received_at,
        case.supplemented_at,
        case.clock_start_at,
        case.pauses,
        case.extension_days,
        stamps,
    )


def test_changed_due_inputs_are_the_ones_the_dues_read() -> None:
    # bingtuan 转移接续 has stage sub-limits (accepted → reviewed, reviewed → completed).
    engine = make_engine()
    case = open_case(engine, "bingtuan", "transfer_continuation", now=at("2026-03-02 10:00")).case
    item = engine.item_of(case)
    versions = [case]
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("accept", "2026-03-02 11:00", {}),
        ("extend", "2026-03-03 10:00", {"reason": "需核查", "days": 3}),
        ("suspend", "2026-03-04 10:00", {"reason": "核查", "days": 2}),
        ("resume", "2026-03-06 10:00", {}),
        ("advance", "2026-03-09 10:00", {}),
        ("reassign", "2026-03-09 11:00", {"assignee": "clerk-he"}),
        ("advance", "2026-03-10 10:00", {}),
    ]
    for action, when, params in steps:
        versions.append(act(engine, versions[-1], action, SUPERVISOR, at(when), **params).case)
    assert versions[-1].is_terminal
    changed = 0
    for before in versions:
        for after in versions:
            expected = _old_inputs(before, item) != _old_inputs(after, item)
            assert deadlines.inputs_changed(before, after, item) == expected
            changed += expected
    assert changed > 0


def test_equal_material_lists_are_one_tuple_and_the_pool_stays_bounded(monkeypatch) -> None:
    from jingban.engine import model

    monkeypatch.setattr(model, "_MATERIAL_LISTS", {})
    monkeypatch.setattr(model, "_MATERIAL_LISTS_MAX", 2)
    first = model.shared_materials(("身份证", "票据"))
    assert model.shared_materials(tuple(["身份证", "票据"])) is first
    assert model.is_shared_materials(first)
    model.shared_materials(("清单",))
    odd = model.shared_materials(("出院记录",))  # past the bound: equal, not pooled
    assert odd == ("出院记录",) and not model.is_shared_materials(odd)
    assert len(model._MATERIAL_LISTS) == 2
