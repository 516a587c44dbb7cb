"""The address an applicant follows a case at, as printed on the receipt: a link and its QR
code.

The link is ``<JINGBAN_PUBLIC_URL>/progress?case_no=<case number>``: the case number only,
never the query code (the applicant types that from the paper, so a photographed QR code
opens nobody's case). Without a configured public address the link falls back to the address
the console was reached at, and the receipt tells staff the public address is not configured.
The QR code is inline SVG drawn by segno, without any network.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from fastapi import Request

from jingban.settings import settings
from jingban.workflows.applicant_texts import progress_url

__all__ = ["PublicLink", "progress_url", "public_link", "qr_svg"]

# Error correction M (15 %): survives a smudged or creased receipt; scale 3 px per module
# prints at about 2.5 cm for a link of this length.
QR_OPTIONS: dict[str, object] = {"scale": 3, "border": 2, "title": "办理进度查询二维码"}
QR_ERROR = "m"


@dataclass(frozen=True, slots=True)
class PublicLink:
    """The receipt's link: ``url``, its QR code as inline SVG, and whether ``url`` is the
    configured public address (False: the console's own address, a fallback)."""

    url: str
    qr_svg: str
    configured: bool


def qr_svg(url: str) -> str:
    """``url`` as a QR code in inline SVG (no XML declaration, for an HTML page)."""
    return str(segno.make(url, error=QR_ERROR).svg_inline(**QR_OPTIONS))


def public_link(request: Request, case_no: str) -> PublicLink:
    """The link printed on the receipt of ``case_no``, with its QR code."""
    configured = settings().public_url
    base = configured or str(request.base_url)
    url = progress_url(base, case_no)
    return PublicLink(url=url, qr_svg=qr_svg(url), configured=configured is not None)
