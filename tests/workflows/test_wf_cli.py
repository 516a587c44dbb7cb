"""`jingban items`: list, show and diagram, for people and for scripts."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from jingban.cli.items import app

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_list_json_contract() -> None:
    rows = json.loads(_run("list", "--region", "kashgar", "--json"))
    assert len(rows) == 28
    for row in rows:
        assert {
            "key",
            "name",
            "group",
            "code",
            "stages",
            "statutory",
            "promised",
            "variants",
        } <= set(row)
        assert set(row["statutory"]) == {"value", "unit"}
    by_key = {row["key"]: row for row in rows}
    filing = by_key["relocated_retiree_filing"]
    assert filing["statutory"] == {"value": 0, "unit": "instant"}
    assert filing["variants"] == [
        {
            "when": {"channel": "online"},
            "statutory": {"value": 2, "unit": "working_days"},
            "promised": {"value": 2, "unit": "working_days"},
            "stages": ["申请", "受理", "办结"],
            "clock_start": "received",
        }
    ]
    assert by_key["unit_info_query"]["stages"] == ["申请", "受理", "反馈"]


def test_list_table_for_people() -> None:
    out = _run("list", "--region", "shawan")
    assert "沙湾市" in out
    assert "inpatient_reimbursement" in out
    assert "30个工作日" in out and "20个工作日" in out


def test_show_by_name_fragment() -> None:
    out = _run("show", "转移接续", "--region", "bingtuan")
    assert "转移接续手续办理（transfer_continuation）" in out
    assert "分段时限 转出地完成基本医疗保险关系转出: 10个工作日" in out
    assert "《中华人民共和国社会保险法》第三十二条" in out
    assert "有效身份证件或医保电子凭证或社会保障卡" in out


def test_show_json_has_materials_and_legal_basis() -> None:
    data = json.loads(_run("show", "inpatient_reimbursement", "-r", "bingtuan", "--json"))
    assert data["key"] == "inpatient_reimbursement"
    assert data["legal_basis"]
    assert all(
        {"name", "required", "condition", "applicant_type"} <= set(m) for m in data["materials"]
    )
    assert data["happy_path"][0] == "accept"


def test_diagram_is_mermaid_and_follows_the_channel() -> None:
    out = _run("diagram", "prenatal_exam_payment", "--region", "kashgar", "--channel", "online")
    assert out.lstrip().startswith("---")
    assert "stateDiagram-v2" in out
    assert "submitted --> prereviewed: 网上预审" in out
    window = _run("diagram", "prenatal_exam_payment", "--region", "kashgar")
    assert "prereviewed" not in window


@pytest.mark.parametrize(
    "args",
    [
        ["items", "list", "--region", "hami"],
        ["items", "show", "nothing_like_it", "--region", "kashgar"],
        ["items", "show", "报销", "--region", "kashgar"],
        ["items", "diagram", "unit_registration", "--region", "kashgar", "--current", "paid"],
        ["items", "diagram", "unit_registration", "--region", "kashgar", "--channel", "fax"],
    ],
)
def test_bad_input_is_one_stderr_line_and_exit_2(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jingban.cli.main import main

    monkeypatch.setattr(sys, "argv", ["jingban", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误: ")
