"""What the API's downloadable lists and reports share: the ``format`` query (json or
xlsx), the documented responses, the workbook response, and the scope a report covers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Response

from jingban.calendar import region_profile
from jingban.errors import Forbidden
from jingban.storage.accounts import User
from jingban.xlsx import CONTENT_TYPE as XLSX_TYPE

FormatQuery = Annotated[
    Literal["json", "xlsx"], Query(description="json (缺省) 或 xlsx (Excel 文件)")
]
XLSX_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, XLSX_TYPE: {}}}
}


def workbook_response(data: bytes, filename: str) -> Response:
    """A downloaded workbook named ``filename`` (ASCII: the header allows no more)."""
    return Response(
        data,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def report_scope(
    user: User, region: str | None, office: str | None
) -> tuple[str | None, str | None]:
    """The region and office a report of ``user`` covers: theirs, narrowed by what was
    asked. Raises `Forbidden` for staff other than supervisors and administrators, or for
    a scope beyond their own."""
    if user.role not in ("supervisor", "admin"):
        raise Forbidden("只有科长/主管和管理员可以查看报表")
    if region is not None:
        region_profile(region)  # an unknown region is refused, not an empty report
    if user.region is not None and region not in (None, user.region):
        raise Forbidden("只能查看本地区的报表")
    if user.office is not None and office not in (None, user.office):
        raise Forbidden("只能查看本经办机构的报表")
    return region or user.region, office or user.office
