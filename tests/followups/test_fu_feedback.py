"""好差评 closed loop on SQLite and PostgreSQL: a rating per stage attributed to who handled
it; a 差评 opens a rectification walked through 核实, 答复, the applicant's one appeal, its
review by someone other than the verifier, 整改, 答复 again and 回访; an overdue step raises
a card; and the figures (差评率, 整改率, 按期整改率, 回访率) count it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fu_support import CLERK, REVIEWER, SUPERVISOR, act, open_case, recorded, services_on
from support import at

from jingban.engine.feedback_handlers import SameReviewer
from jingban.errors import BadInput, Conflict, NotAllowed
from jingban.scheduler.followups import run_followups
from jingban.services import Services

OTHER_SUPERVISOR = ("supervisor-li", "supervisor")


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as built:
        yield built


def _completed(services: Services) -> str:
    """A sichuan 职工参保登记 accepted by the clerk on Monday 2 Nov 2026 and completed by
    the reviewer the next day."""
    case_no = open_case(services, "sichuan", "employee_registration", at("2026-11-02 09:00"))
    act(services, case_no, "accept", CLERK, at("2026-11-02 09:10"))
    act(services, case_no, "approve", REVIEWER, at("2026-11-03 10:00"))
    act(services, case_no, "complete", REVIEWER, at("2026-11-03 10:30"))
    return case_no


def _step(services: Services, case_no: str, action: str, who: tuple[str, str], when: str, **p):
    return act(services, case_no, action, who, at(when), **p)


def test_a_bad_rating_walks_the_whole_loop_with_an_appeal(services: Services) -> None:
    case_no = _completed(services)
    ratings = services.ratings
    ratings.rate(
        case_no=case_no, stage="accept", rating=4, comment=None, now=at("2026-11-03 12:00")
    )
    rated = ratings.rate(
        case_no=case_no, rating=1, comment="态度生硬，多跑了一次", now=at("2026-11-03 12:05")
    )
    assert rated.event.action == "rate" and rated.event.reason == "态度生硬，多跑了一次"
    fb = services.cases.get(case_no).feedback
    assert [(r.stage, r.rating, r.staff) for r in fb.ratings] == [
        ("accept", 4, CLERK[0]),
        ("complete", 1, REVIEWER[0]),
    ]
    (item,) = fb.rectifications
    # 15 working days after Tuesday 3 Nov: Tuesday 24 Nov, at office close (17:30 in winter).
    assert item.due_at == at("2026-11-24 17:30") and item.next_step == "verify_rating"

    _step(services, case_no, "verify_rating", SUPERVISOR, "2026-11-04 10:00",
          outcome="invalid", reason="调取录像，工作人员已按规定一次性告知")  # fmt: skip
    answered = _step(services, case_no, "answer_rating", SUPERVISOR, "2026-11-04 11:00",
                     reason="经核实，补正要求符合规定，给您带来不便深表歉意")  # fmt: skip
    assert answered.event.payload["in_time"] is True
    # The call-back is due 5 working days after the answer: Wednesday 11 Nov.
    assert services.cases.get(case_no).feedback.rectifications[0].due_at == at("2026-11-11 17:30")

    appealed = ratings.appeal(
        case_no=case_no, text="窗口当时没有告知需要补哪些材料", now=at("2026-11-05 09:00")
    )
    assert appealed.event.actor == "applicant"
    with pytest.raises(SameReviewer, match="核实人"):
        _step(services, case_no, "review_appeal", SUPERVISOR, "2026-11-05 10:00",
              outcome="upheld", reason="自己复核")  # fmt: skip
    _step(services, case_no, "review_appeal", OTHER_SUPERVISOR, "2026-11-06 10:00",
          outcome="upheld", reason="录像显示未出具一次性告知书，申诉成立")  # fmt: skip
    _step(services, case_no, "rectify", SUPERVISOR, "2026-11-09 10:00",
          reason="对窗口人员进行批评教育，重申一次性告知制度")  # fmt: skip
    _step(services, case_no, "answer_rating", SUPERVISOR, "2026-11-09 11:00",
          reason="申诉成立，已整改，向您致歉")  # fmt: skip
    _step(services, case_no, "call_back", OTHER_SUPERVISOR, "2026-11-10 15:00",
          outcome="satisfied", reason="电话回访，申请人表示满意")  # fmt: skip

    done = services.cases.get(case_no).feedback.rectifications[0]
    assert done.closed
    assert [s.name for s in done.steps] == [
        "verify_rating",
        "answer_rating",
        "appeal",
        "review_appeal",
        "rectify",
        "answer_rating",
        "call_back",
    ]
    with pytest.raises(NotAllowed, match="没有可申诉"):
        ratings.appeal(case_no=case_no, text="再申诉", now=at("2026-11-11 09:00"))
    with pytest.raises(NotAllowed, match="没有待回访"):
        _step(services, case_no, "call_back", SUPERVISOR, "2026-11-11 09:00",
              outcome="satisfied", reason="再回访")  # fmt: skip
    history = [e.action for e in services.cases.history(case_no)]
    assert history.count("answer_rating") == 2 and "appeal" in history
    assert services.cases.verify(case_no)[1] == []

    figures = ratings.figures(region="sichuan")
    assert (figures.rated, figures.bad, figures.rectified) == (2, 1, 1)
    assert (figures.rectified_in_time, figures.called_back) == (1, 1)
    assert (figures.bad_rate, figures.in_time_rate, figures.callback_rate) == (0.5, 1.0, 1.0)
    assert ratings.figures(region="sichuan", staff=CLERK[0]).bad == 0
    assert ratings.figures(region="sichuan", staff=REVIEWER[0]).bad == 1


def test_an_overdue_step_raises_one_card_and_the_next_step_closes_it(
    services: Services,
) -> None:
    case_no = _completed(services)
    services.ratings.rate(case_no=case_no, rating=2, comment=None, now=at("2026-11-03 12:00"))
    assert run_followups(services, at("2026-11-24 17:29"), remind_days=0).raised == {}
    assert run_followups(services, at("2026-11-24 17:31"), remind_days=0).raised == {
        "rectification_overdue": [case_no]
    }
    assert run_followups(services, at("2026-11-25 09:00"), remind_days=0).raised == {}
    _step(services, case_no, "verify_rating", SUPERVISOR, "2026-11-25 10:00",
          outcome="valid", reason="属实")  # fmt: skip
    _step(services, case_no, "rectify", SUPERVISOR, "2026-11-25 11:00", reason="已整改")
    late = _step(services, case_no, "answer_rating", SUPERVISOR, "2026-11-25 12:00",
                 reason="已整改，致歉")  # fmt: skip
    assert late.event.payload["in_time"] is False
    run_followups(services, at("2026-11-25 12:05"), remind_days=0)
    assert services.followups.cards("sichuan") == []
    assert recorded(services, case_no) == ["rectification_overdue"]
    figures = services.ratings.figures(region="sichuan")
    assert (figures.bad, figures.rectified, figures.rectified_in_time) == (1, 1, 0)


def test_a_stage_is_rated_once_and_only_once_reached(services: Services) -> None:
    case_no = open_case(services, "sichuan", "employee_registration", at("2026-11-02 09:00"))
    ratings = services.ratings
    with pytest.raises(NotAllowed, match="受理后"):
        ratings.rate(
            case_no=case_no, stage="accept", rating=5, comment=None, now=at("2026-11-02 09:05")
        )
    act(services, case_no, "accept", CLERK, at("2026-11-02 09:10"))
    with pytest.raises(NotAllowed, match="办结后"):
        ratings.rate(case_no=case_no, rating=5, comment=None, now=at("2026-11-02 09:20"))
    ratings.rate(
        case_no=case_no, stage="accept", rating=5, comment=None, now=at("2026-11-02 09:30")
    )
    with pytest.raises(Conflict, match="受理环节已经评价过"):
        ratings.rate(
            case_no=case_no, stage="accept", rating=1, comment=None, now=at("2026-11-02 09:40")
        )
    with pytest.raises(BadInput):
        ratings.rate(
            case_no=case_no, stage="review", rating=3, comment=None, now=at("2026-11-02 09:40")
        )
    case = services.cases.get(case_no)
    assert [r.rating for r in case.feedback.ratings] == [5]
    assert case.feedback.rectifications == ()
    assert services.ratings.ratings_of(case_no)["accept"]["label"] == "非常满意"
    assert "verify_rating" not in services.engine.available_actions(case, "supervisor")


def test_the_answer_tells_the_applicant_by_text_message(services: Services) -> None:
    case_no = open_case(
        services, "sichuan", "employee_registration", at("2026-11-02 09:00"), phone="13912345678"
    )
    act(services, case_no, "accept", CLERK, at("2026-11-02 09:10"))
    services.ratings.rate(
        case_no=case_no, stage="accept", rating=2, comment=None, now=at("2026-11-02 09:30")
    )
    _step(services, case_no, "verify_rating", SUPERVISOR, "2026-11-02 10:00",
          outcome="valid", reason="属实")  # fmt: skip
    _step(services, case_no, "rectify", SUPERVISOR, "2026-11-02 11:00", reason="已整改")
    _step(services, case_no, "answer_rating", SUPERVISOR, "2026-11-02 12:00",
          reason="已整改，致歉")  # fmt: skip
    (told,) = [
        m for m in services.applicant_messages.messages(case_no) if m["kind"] == "answer_rating"
    ]
    assert "答复内容请在进度查询中查看" in told["text"] and "已整改，致歉" not in told["text"]
