"""Material files of a case: attach (multipart), list, open (each opening recorded), and
the log of openings for supervisors and administrators."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Path, Query, Response, UploadFile

from jingban.api.deps import NowDep, ServicesDep, UserDep
from jingban.api.routes_cases import CaseNoPath, _visible
from jingban.errors import BadInput, NotFound

router = APIRouter(prefix="/api/cases", tags=["材料文件"])

MaterialPath = Annotated[
    str, Path(max_length=500, description="材料名称 (全称或其中唯一的一段)，URL 编码")
]


@router.post(
    "/{case_no}/materials/{material}/files",
    status_code=201,
    summary="附上材料文件 (multipart 字段 file)；按 SHA-256 保存并记入审计链",
)
def attach_file(
    case_no: CaseNoPath,
    material: MaterialPath,
    file: Annotated[UploadFile, File(description="材料文件: PDF、JPEG、PNG、TIFF 或 OFD")],
    services: ServicesDep,
    user: UserDep,
    now: NowDep,
) -> dict[str, Any]:
    case = _visible(services, user, case_no)
    store = services.attachments
    try:
        services.cases.material_of(case.case_no, material)
    except BadInput as exc:  # the path names no material of the case: not found
        raise NotFound(exc.message) from None
    name = file.filename or ""
    data = file.file.read(store.max_bytes + 1)
    store.check_size(name or "(未命名)", file.size if file.size is not None else len(data))
    kept = store.attach(
        case.case_no, material, name, data, actor=user.username, role=user.role, now=now
    )
    return kept.as_dict()


@router.get("/{case_no}/files", summary="办件已附的材料文件")
def list_files(case_no: CaseNoPath, services: ServicesDep, user: UserDep) -> dict[str, Any]:
    case = _visible(services, user, case_no)
    files = services.attachments.files(case.case_no)
    return {"case_no": case.case_no, "files": [f.as_dict() for f in files]}


@router.get(
    "/{case_no}/files/{file_id}",
    summary="材料文件的内容 (每次查看记录查看人和时间)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}}}},
)
def open_file(
    case_no: CaseNoPath,
    file_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    services: ServicesDep,
    user: UserDep,
    now: NowDep,
) -> Response:
    case = _visible(services, user, case_no)
    found, data = services.attachments.open(
        case.case_no, file_id, viewer=user.username, role=user.role, now=now
    )
    return Response(data, media_type=found.media_type, headers=file_headers(found.file_name))


def file_headers(file_name: str) -> dict[str, str]:
    """Headers that show a kept file in the browser under its own name, never cached."""
    return {
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(file_name)}",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


@router.get(
    "/{case_no}/file-views",
    summary="材料文件的查阅记录: 谁在何时看了哪份材料 (仅科长/主管、管理员)",
)
def file_views(
    case_no: CaseNoPath,
    services: ServicesDep,
    user: UserDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    case = _visible(services, user, case_no)
    views = services.attachments.views(role=user.role, case_no=case.case_no, limit=limit)
    return {"case_no": case.case_no, "views": [v.as_dict() for v in views]}
