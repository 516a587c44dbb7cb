"""Helpers of the operations tests: an applicant whose identifiers must never reach a log."""

from __future__ import annotations

from support import at as at
from support import gb11643

APPLICANT_ID = gb11643("51010719750308212")  # 成都市青羊区, born 1975-03-08

OPEN = {
    "applicant_name": "王小红",
    "applicant_id": APPLICANT_ID,
    "actor": "clerk-li",
    "role": "clerk",
}
