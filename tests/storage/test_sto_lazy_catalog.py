"""`Services` loads the catalog when first needed: a case pinned to a stored definition is
read, decided about and presented under that definition without it; once loaded, the
catalog answers for its own version without a query, and the definitions are the same."""

from __future__ import annotations

import pytest
from storage_support import OPEN, at

from jingban.engine.present import case_detail
from jingban.errors import NotAllowed
from jingban.services import Services
from jingban.storage import Database

REGION, KEY = "kashgar", "inpatient_reimbursement"


@pytest.fixture
def opened(db_url: str) -> str:
    db = Database(db_url)
    services = Services(db)
    number = services.cases.open(
        now=at("2026-03-02 10:00"), region=REGION, item=KEY, all_materials=True, **OPEN
    ).case.case_no
    db.dispose()
    return number


def test_a_pinned_case_is_read_and_presented_without_the_catalog(db_url: str, opened: str) -> None:
    db = Database(db_url)
    services = Services(db)
    assert services.engine._catalog is None  # building the services loads no catalog
    case = services.cases.get(opened)
    item = services.engine.item_of(case)
    assert item.key == KEY and item.region == REGION
    compiled = services.engine.compiled_of(case)
    assert compiled is not None
    detail = case_detail(case, services.cases.history(opened))
    assert detail["case_no"] == opened
    # a step the case's state does not allow is refused under the pinned definition alone
    with pytest.raises(NotAllowed):
        services.cases.act(
            opened, "pay", actor="payer-li", role="payer", now=at("2026-03-03 10:00")
        )
    assert services.engine._catalog is None
    # once loaded, the catalog's item is the stored definition of the case's version
    current = services.catalog.item(REGION, KEY)
    assert services.engine.item_version(current) == case.item_version
    assert services.engine.item_for(REGION, KEY, case.item_version) == item
    db.dispose()


def test_an_engine_made_from_a_lazy_one_stays_lazy(db_url: str, opened: str) -> None:
    db = Database(db_url)
    services = Services(db)
    other = services.engine.with_definitions(services.definitions.item)
    assert other._catalog is None
    assert other.catalog is not None and services.engine._catalog is None
    db.dispose()
