"""`jingban case attach`, `case files`, `case file-views` and `audit verify` over kept
files, through the installed command: a tampered byte or a deleted file exits 8, bad input
exits 2 with one Chinese line and stores nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

from materials_support import INVOICE, Cli, jpeg, pdf


def _attach(cli: Cli, case_no: str, name: str, *extra: str, material: str = "发票"):  # type: ignore[no-untyped-def]
    return cli(
        "case",
        "attach",
        case_no,
        name,
        "--material",
        material,
        "--actor",
        "clerk-li",
        "--role",
        "clerk",
        *extra,
    )


def test_attach_list_and_verify_then_tamper_and_delete(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    case_no = cli.open()
    (tmp_path / "发票.pdf").write_bytes(pdf("一"))
    (tmp_path / "清单.jpg").write_bytes(jpeg())
    kept = _attach(cli, case_no, "发票.pdf", "--json").json()
    assert kept["material"] == INVOICE
    assert kept["sha256"] == hashlib.sha256(pdf("一")).hexdigest()
    plain = _attach(cli, case_no, "清单.jpg", material="住院医疗费用清单")
    assert plain.code == 0 and "已附上「住院医疗费用清单」清单.jpg" in plain.stdout
    listed = cli("case", "files", case_no, "--json").json()["files"]
    assert [f["file_name"] for f in listed] == ["发票.pdf", "清单.jpg"]
    history = cli("case", "show", case_no, "--json").json()["history"]
    assert [h["action"] for h in history] == ["open", "attach", "attach"]
    ok = cli("audit", "verify", "--json").json()
    assert (ok["ok"], ok["files"], ok["records"]) == (True, 2, 3)

    stored = tmp_path / "attachments" / kept["sha256"][:2] / kept["sha256"]
    assert stored.read_bytes() == pdf("一")
    raw = bytearray(stored.read_bytes())
    raw[20] ^= 0x20
    stored.chmod(0o640)
    stored.write_bytes(bytes(raw))
    tampered = cli("audit", "verify")
    assert tampered.code == 8, tampered
    assert f"材料文件不符: 办件 {case_no} 第 2 条: 「{INVOICE}」发票.pdf" in tampered.stdout
    assert "SHA-256 不符" in tampered.stdout and "Traceback" not in tampered.stderr

    stored.write_bytes(pdf("一"))
    assert cli("audit", "verify").code == 0
    second = listed[1]["sha256"]
    (tmp_path / "attachments" / second[:2] / second).unlink()
    missing = cli("audit", "verify", case_no, "--json")
    assert missing.code == 8
    import json

    report = json.loads(missing.stdout)
    assert [(b["seq"], b["kind"]) for b in report["breaks"]] == [(3, "file")]
    assert "材料文件缺失" in report["breaks"][0]["problem"]


def test_bad_input_exits_2_with_one_line_and_stores_nothing(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    case_no = cli.open()
    (tmp_path / "a.pdf").write_bytes(pdf())
    (tmp_path / "a.txt").write_text("不是扫描件", encoding="utf-8")
    for run, words in (
        (_attach(cli, case_no, "a.pdf", material="结婚证"), "不是本事项的材料: 结婚证"),
        (_attach(cli, case_no, "a.txt"), "无法识别的文件"),
        (_attach(cli, case_no, "nope.pdf"), "找不到文件或无法读取"),
    ):
        assert run.code == 2, run
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], run.stderr
    cli.env["JINGBAN_ATTACHMENT_MAX_BYTES"] = "100"
    big = _attach(cli, case_no, "a.pdf")
    assert big.code == 2 and "超过上限" in big.stderr
    assert cli("case", "files", case_no, "--json").json()["files"] == []
    assert cli("case", "show", case_no, "--json").json()["version"] == 1
    assert not (tmp_path / "attachments").exists()


def test_the_view_log_is_for_supervisors(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    case_no = cli.open()
    clerk = cli("case", "file-views", case_no, "--role", "clerk")
    assert clerk.code == 4 and "无权查看材料文件的查阅记录" in clerk.stderr
    assert cli("case", "file-views", case_no, "--role", "supervisor", "--json").json() == {
        "views": []
    }


def test_items_show_offers_the_alternatives(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    shown = cli("items", "show", "hospital_designation", "--region", "sichuan")
    assert shown.code == 0, shown.stderr
    assert "也接受 (任选其一): 《中医诊所备案证》" in shown.stdout
    detail = cli("items", "show", "hospital_designation", "--region", "sichuan", "--json").json()
    assert detail["materials"][1]["alternatives"] == ["《中医诊所备案证》"]
