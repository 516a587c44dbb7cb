"""Mainland mobile numbers: accepted forms, refused ones, the mask."""

from __future__ import annotations

import pytest

from jingban.engine.phone import BadMobile, mask_mobile, normalise_mobile


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "8613812345678",
        "0086-13812345678",
        "（138）1234-5678",
    ],
)
def test_accepted_forms(typed: str) -> None:
    assert normalise_mobile(typed) == "13812345678"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "1381234567",
        "138123456789",
        "12812345678",
        "23812345678",
        "028-85551234",
        "+1 138 1234 5678",
        "１３８１２３４５６７８",
        "13812345678x",
    ],
)
def test_refused(typed: str) -> None:
    with pytest.raises(BadMobile, match="手机号码"):
        normalise_mobile(typed)


def test_mask() -> None:
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("138****5678") == "138****5678"
