"""材料文件 on the case page: upload a scan to one of the case's materials, open a kept file
(each opening recorded: who saw which applicant's file, when), and — for supervisors and
administrators — the log of those openings."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jingban.console.web import (
    ConsoleRoute,
    PostDep,
    UserDep,
    now_of,
    see_other,
    services_of,
    status_of,
)
from jingban.engine import Case
from jingban.errors import BadInput, JingbanError
from jingban.services import Services
from jingban.storage.accounts import User
from jingban.storage.attachments import VIEW_LOG_ROLES
from jingban.storage.file_types import FILE_TYPES
from jingban.workflows.actions import ACTIONS

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
_ATTACH = ACTIONS["attach"]


def files_view(services: Services, user: User, case: Case) -> dict[str, Any]:
    """What the case page's 材料文件 card shows this user: the kept files, the materials
    one may attach to (when the role may attach), the accepted kinds and the limit, and the
    openings log (supervisors and administrators only)."""
    store = services.attachments
    item = services.engine.item_of(case)
    may_attach = _ATTACH.may(user.role, case.state)
    log = (
        store.views(role=user.role, case_no=case.case_no, limit=50)
        if (user.role in VIEW_LOG_ROLES)
        else None
    )
    return {
        "files": store.files(case.case_no),
        "materials": [m.name for m in item.materials] if may_attach else [],
        "accept": ",".join(e for k in store.types for e in FILE_TYPES[k].extensions),
        "kinds": "、".join(FILE_TYPES[k].label for k in store.types),
        "max_mb": f"{store.max_bytes / (1024 * 1024):g}",
        "views": log,
    }


@router.post("/cases/{case_no}/files")
async def upload(request: Request, post: PostDep, case_no: str) -> Response:
    """Attach the uploaded file to the chosen material; back to the case with a message, or
    the case page again with the reason (nothing stored)."""
    from jingban.console.routes_case import case_page

    user = post.user
    services, now = services_of(request), now_of(request)
    case = services.visible_case(user, case_no)
    sent = post.form.get("file")
    try:
        if not isinstance(sent, UploadFile) or not sent.filename:
            raise BadInput("请选择要上传的材料文件")
        store = services.attachments
        if sent.size is not None:
            store.check_size(sent.filename, sent.size)
        data = await sent.read(store.max_bytes + 1)
        store.check_size(sent.filename, len(data))
        # The store does blocking I/O (the disk, the database): off the event loop.
        kept = await run_in_threadpool(
            store.attach,
            case.case_no,
            post.text("material"),
            sent.filename,
            data,
            actor=user.username,
            role=user.role,
            now=now,
        )
    except JingbanError as exc:
        return case_page(
            request,
            user,
            case.case_no,
            status=status_of(exc),
            error=f"「{_ATTACH.label}」未执行: {exc.message}",
        )
    return see_other(
        f"/cases/{case.case_no}#h-files",
        f"{case.case_no}: 已附上「{kept.material}」{kept.file_name}",
    )


@router.get("/cases/{case_no}/files/{file_id}")
def open_file(request: Request, user: UserDep, case_no: str, file_id: int) -> Response:
    """The kept file, shown in the browser; the opening is recorded first."""
    services = services_of(request)
    case = services.visible_case(user, case_no)
    found, data = services.attachments.open(
        case.case_no, file_id, viewer=user.username, role=user.role, now=now_of(request)
    )
    return Response(
        data,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(found.file_name)}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
