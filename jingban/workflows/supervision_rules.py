"""A region's rules for supervision beyond the case's own clock: how fast a bad rating (差评)
must be checked, rectified and answered, called back and, when appealed, reviewed; and whether
a suspension (中止) needs a supervisor's approval.

Declared per region in the catalog's ``[region.supervision]`` table (docs/catalog.md). The
default rectification time is the national rule: 国办发〔2019〕51号 (国务院办公厅关于建立政务
服务"好差评"制度提高政务服务水平的意见) has every 差评 checked, rectified and answered within
15 working days. Not part of an item's pinned definition: a rule change applies to the
actions taken after it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SupervisionRule:
    """One region's rule. ``rectify_working_days``: a 差评 is checked (核实), rectified
    (整改) and answered (回复) within it, from the rating (or from an upheld appeal);
    ``callback_working_days``: the call-back (回访) is due within it after the answer;
    ``appeal_review_working_days``: an applicant's appeal (申诉) is reviewed within it;
    ``suspension_approval``: a reviewer's suspension waits in 中止待批 for a supervisor."""

    rectify_working_days: int = 15
    callback_working_days: int = 5
    appeal_review_working_days: int = 5
    suspension_approval: bool = False
