"""Helpers of the archive tests: services on a real database, cases closed at chosen
instants (Beijing time), and the notice renderer the CLI wires in."""

from __future__ import annotations

from pathlib import Path

from support import at, gb11643

from jingban.archive import Exported, MaterialFile, export_case
from jingban.engine import ActionParams
from jingban.services import Services
from jingban.storage import Database

APPLICANT_ID = gb11643("51010719750308212")
APPLICANT_NAME = "王小红"


def services_on(url: str) -> Services:
    """Every store on the database at ``url`` (migrated on first use)."""
    return Services(Database(url))


def open_case(
    services: Services,
    when: str,
    *,
    item: str = "outpatient_reimbursement",
    region: str = "sichuan",
) -> str:
    """A case of ``item`` of ``region`` received at ``when`` with every material; its number."""
    opened = services.cases.open(
        now=at(when),
        region=region,
        item=item,
        applicant_name=APPLICANT_NAME,
        applicant_id=APPLICANT_ID,
        actor="clerk-li",
        role="clerk",
        materials=tuple(m.name for m in services.catalog.item(region, item).materials),
    )
    return opened.case.case_no


def act(
    services: Services, case_no: str, action: str, who: str, role: str, when: str, **params: object
) -> None:
    services.cases.act(
        case_no,
        action,
        actor=who,
        role=role,
        now=at(when),
        params=ActionParams(**params),  # type: ignore[arg-type]
    )


def completed_outpatient(services: Services, received: str, closed: str) -> str:
    """A 门诊费用报销 case received at ``received``, accepted, approved, paid and completed at
    ``closed`` (Beijing times); its number."""
    case_no = open_case(services, received)
    act(services, case_no, "accept", "clerk-li", "clerk", received)
    act(services, case_no, "approve", "reviewer-wang", "reviewer", received)
    act(
        services,
        case_no,
        "pay",
        "payer-zhao",
        "payer",
        received,
        amount="1234.50",
        account="6222020200112233",
        voucher="PZ001",
    )
    act(services, case_no, "complete", "payer-zhao", "payer", closed)
    return case_no


def render_notices(services, case, item, history):  # type: ignore[no-untyped-def]
    """The console's printed notices, as the CLI passes them to the exporter."""
    from jingban.cli.archive import _notices

    return _notices(services, case, item, history)


def export(
    services: Services,
    case_no: str,
    out: Path,
    when: str,
    files: tuple[MaterialFile, ...] = (),
) -> Exported:
    return export_case(
        services,
        case_no,
        out,
        render_notices=render_notices,
        files=files,
        by="archivist-sun",
        now=at(when),
    )
