"""The applicant message templates: the packaged file, region replacements, the data
directory's file over it, and every mistake named with its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from jingban.workflows.actions import ACTIONS
from jingban.workflows.applicant_texts import (
    PLACEHOLDERS,
    ApplicantTextsError,
    applicant_texts,
    load_texts,
)

MILESTONES = {
    "accept",  # 受理
    "request_supplement",  # 一次性告知
    "supplement",  # 补正
    "suspend",  # 中止
    "resume",  # 恢复
    "extend",  # 延期
    "deny",  # 审核不通过
    "pay",  # 拨付
    "complete",  # 办结
    "accept_deferred",  # 容缺受理
    "lapse",  # 逾期未补正，视为撤回
    "deliver",  # 送达
}


def test_every_milestone_has_a_text_naming_the_case_and_the_link() -> None:
    texts = applicant_texts()
    assert set(texts.default) >= MILESTONES
    values = {name: f"<{name}>" for name in PLACEHOLDERS}
    for action in texts.default:
        assert ACTIONS[action].takeable or action == "lapse"  # lapse: the system's own
        rendered = texts.render("sichuan", action, values)
        assert rendered is not None and "<case_no>" in rendered and "<query>" in rendered
    assert texts.render("sichuan", "approve", values) is None  # no text: no message


def _load(body: str) -> object:
    return load_texts("t.toml", body.encode())


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            '[default]\naccept = "{case_no} {applicant_name} {query}"\n',
            ["第 2 行", "applicant_name"],
        ),
        ('[default]\naccept = "{case_no} {query.__class__}"\n', ["占位符"]),
        ('[default]\naccept = "受理了 {query}"\n', ["{case_no}"]),
        ('[default]\nmigrate = "{case_no}{query}"\n', ["migrate", "不是可发短信的操作"]),
        ('[default]\nsms_optout = "{case_no}{query}"\n', ["sms_optout"]),
        ('[default]\n[regions.atlantis]\naccept = "{case_no}{query}"\n', ["atlantis"]),
        ('[default]\naccept = "' + "长" * 161 + '{case_no}{query}"\n', ["过长"]),
        ('[default]\naccept = "{case_no {query}"\n', ["accept"]),
        ("[default]\naccept = 3\n", ["accept"]),
        ("[defaults]\n", ["defaults"]),
    ],
)
def test_mistakes_are_named(body: str, words: list[str]) -> None:
    with pytest.raises(ApplicantTextsError) as caught:
        _load(body)
    for word in words:
        assert word in caught.value.message, caught.value.message


def test_a_region_replaces_single_texts_and_the_data_dir_file_goes_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "applicant_messages.toml").write_text(
        '[default]\npay = "已拨付 {case_no}。{query}"\n'
        '[regions.kashgar]\naccept = "喀什受理 {case_no}。{query}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("JINGBAN_DATA_DIR", str(tmp_path))
    applicant_texts.cache_clear()
    try:
        texts = applicant_texts()
        values = {"case_no": "KS-1", "query": "Q"}
        assert texts.render("kashgar", "accept", values) == "喀什受理 KS-1。Q"
        assert texts.render("sichuan", "accept", values) != "喀什受理 KS-1。Q"
        assert texts.render("sichuan", "pay", values) == "已拨付 KS-1。Q"
        assert texts.render("kashgar", "complete", values) is not None  # the packaged one
    finally:
        applicant_texts.cache_clear()
