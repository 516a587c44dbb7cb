"""The web console (Chinese UI) served by `jingban serve`: server-rendered pages for counter
clerks, reviewers, payers, supervisors and administrators, with a little progressive
enhancement (`static/console.js`) and no front-end build step.

Pages: 登录, 工作台 (/work), 新建办件 (/register), 办件详情 (/cases/{no}), 通知书
(/cases/{no}/notices/{kind}), 监督看板 (/board), 日历 (/calendar), 修改密码 (/account), 员工账号
(/admin/users), 通知路由 (/admin/routes), 统计报表 (/reports). Include `router` in the app.
"""

from fastapi import APIRouter

from jingban.console import (
    error_pages,
    notices,
    routes_admin,
    routes_auth,
    routes_batch,
    routes_board,
    routes_calendar,
    routes_case,
    routes_downloads,
    routes_files,
    routes_notify,
    routes_reports,
    routes_work,
)

router = APIRouter(include_in_schema=False)
for _module in (
    routes_auth,
    routes_work,
    routes_batch,
    routes_case,
    routes_files,
    notices,
    routes_board,
    routes_calendar,
    routes_admin,
    routes_notify,
    routes_reports,
    routes_downloads,
):
    router.include_router(_module.router)

install_error_pages = error_pages.install_error_pages

__all__ = ["install_error_pages", "router"]
