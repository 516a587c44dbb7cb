"""Archive packages: what an export writes, and verification without the database finding
one changed byte, a removed file, an added file and a rewritten audit record — on a SQLite
file and on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from archive_support import (
    APPLICANT_ID,
    APPLICANT_NAME,
    act,
    completed_outpatient,
    export,
    open_case,
    services_on,
)
from typer.testing import CliRunner

from jingban.archive import MaterialFile, verify_package
from jingban.errors import BadInput, Conflict, NotAllowed
from jingban.services import Services


@pytest.fixture
def services(db_url: str) -> Services:
    found = services_on(db_url)
    yield found  # type: ignore[misc]
    found.db.dispose()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_completed_case_exports_a_package_that_verifies(
    services: Services, tmp_path: Path
) -> None:
    # received and completed on the last working day before 春节 2026: Saturday 14 February,
    # a 调休 working day
    case_no = completed_outpatient(services, "2026-02-14 10:00", "2026-02-14 15:00")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 invoice scan")
    files = (
        MaterialFile(
            "医院收费票据", "票据.pdf", scan, hashlib.sha256(scan.read_bytes()).hexdigest()
        ),
        MaterialFile(
            "门急诊费用清单",
            "清单.jpg",
            b"\xff\xd8jpeg",
            hashlib.sha256(b"\xff\xd8jpeg").hexdigest(),
        ),
    )
    done = export(services, case_no, tmp_path / "out", "2026-03-02 09:00", files)
    root = tmp_path / "out" / case_no
    assert done.written.path == root
    assert verify_package(root) == []
    found = _files(root)
    assert set(found) == {
        "manifest.json",
        "metadata.json",
        "audit/chain.jsonl",
        "audit/refusals.jsonl",
        "notices/01-accept.html",
        "notices/01-accept.txt",
        "notices/02-complete.html",
        "notices/02-complete.txt",
        "files/001-票据.pdf",
        "files/002-清单.jpg",
    }
    manifest = json.loads(found["manifest.json"])
    listed = {e["path"]: e["sha256"] for e in manifest["files"]}
    assert listed == {
        p: hashlib.sha256(b).hexdigest() for p, b in found.items() if p != "manifest.json"
    }
    assert done.record.manifest_sha256 == hashlib.sha256(found["manifest.json"]).hexdigest()
    metadata = json.loads(found["metadata.json"])
    assert metadata["case_no"] == case_no
    assert metadata["item"]["name"] == "门诊费用报销"
    assert metadata["outcome"]["state"] == "completed"
    assert metadata["outcome"]["closed_on"] == "2026-02-14"
    assert metadata["retention"]["term"] == "10年"
    assert metadata["retention"]["counts_from"] == "2027-01-01"
    assert metadata["retention"]["expires_on"] == "2037-01-01"
    assert "国家档案局令第3号" in metadata["retention"]["source"]
    assert [p["login"] for p in metadata["staff"]] == ["clerk-li", "reviewer-wang", "payer-zhao"]
    assert metadata["files"][0]["material"] == "医院收费票据"
    assert metadata["audit"]["records"] == len(found["audit/chain.jsonl"].splitlines())
    # the applicant is masked in the metadata; the full identity and account numbers are
    # nowhere
    assert metadata["case"]["applicant_name"] == "王*红"
    assert (
        metadata["case"]["applicant_id"].startswith("510107")
        and "*" in metadata["case"]["applicant_id"]
    )
    for name, data in found.items():
        assert APPLICANT_ID.encode() not in data, name
        assert b"6222020200112233" not in data, name  # the payee account, masked everywhere
    # the notices as printed: self-contained (no link into the console), with their number
    page = found["notices/02-complete.html"].decode()
    assert "办结通知书" in page and "/console-static" not in page and "<style>" in page
    text = found["notices/02-complete.txt"].decode()
    assert "结字第" in text and APPLICANT_NAME in text and "<" not in text


@pytest.mark.parametrize("damage", ["byte", "removed", "added", "chain"])
def test_verification_finds_every_kind_of_damage(
    services: Services, tmp_path: Path, damage: str
) -> None:
    case_no = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    export(services, case_no, tmp_path, "2026-10-12 09:00")
    root = tmp_path / case_no
    assert verify_package(root) == []
    if damage == "byte":
        target = root / "notices" / "02-complete.html"
        data = bytearray(target.read_bytes())
        data[100] ^= 0x01
        target.write_bytes(bytes(data))
        assert verify_package(root) == ["文件被改动: notices/02-complete.html (SHA-256 与清单不符)"]
    elif damage == "removed":
        (root / "notices" / "01-accept.txt").unlink()
        assert verify_package(root) == ["文件缺失: notices/01-accept.txt"]
    elif damage == "added":
        (root / "files" / "补充.pdf").write_bytes(b"later")
        assert verify_package(root) == ["多出的文件 (清单中没有): files/补充.pdf"]
    else:
        # a record rewritten and the manifest's hash of the file recomputed to match: the
        # chain itself, recomputed, still shows it
        chain = root / "audit" / "chain.jsonl"
        lines = chain.read_text(encoding="utf-8").splitlines()
        record = json.loads(lines[1])
        record["actor"] = "someone-else"
        lines[1] = json.dumps(record, ensure_ascii=False)
        chain.write_text("\n".join(lines) + "\n", encoding="utf-8")
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest["files"]:
            if entry["path"] == "audit/chain.jsonl":
                entry["sha256"] = hashlib.sha256(chain.read_bytes()).hexdigest()
                entry["bytes"] = chain.stat().st_size
        (root / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False), encoding="utf-8"
        )
        assert verify_package(root) == ["审计链断裂: 第 2 条: 记录内容与哈希不符 (记录被改动)"]


def test_verify_on_the_command_line_needs_no_database(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jingban.cli.main import app

    case_no = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    export(services, case_no, tmp_path / "out", "2026-10-12 09:00")
    root = tmp_path / "out" / case_no
    # no database: the URL points at a server that does not exist
    monkeypatch.setenv("JINGBAN_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    runner = CliRunner()
    ok = runner.invoke(app, ["archive", "verify", str(root)])
    assert ok.exit_code == 0, ok.output
    assert "档案包完整" in ok.output
    registered = hashlib.sha256((root / "manifest.json").read_bytes()).hexdigest()
    same = runner.invoke(app, ["archive", "verify", str(root), "--manifest-sha256", registered])
    assert same.exit_code == 0, same.output
    # a manifest rewritten (here only reformatted) still lists matching files, but it is
    # not the manifest the register holds the digest of
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert runner.invoke(app, ["archive", "verify", str(root)]).exit_code == 0
    rewritten = runner.invoke(
        app, ["archive", "verify", str(root), "--manifest-sha256", registered, "--json"]
    )
    assert rewritten.exit_code == 8
    [problem] = json.loads(rewritten.output)["problems"]
    assert problem.endswith(f"与登记的 {registered} 不符 (清单被改写)")
    (root / "metadata.json").write_bytes(b"{}")
    (root / "audit" / "refusals.jsonl").unlink()
    bad = runner.invoke(app, ["archive", "verify", str(root), "--json"])
    assert bad.exit_code == 8
    result = json.loads(bad.output)
    assert result["ok"] is False
    assert "文件被改动: metadata.json (SHA-256 与清单不符)" in result["problems"]
    assert "文件缺失: audit/refusals.jsonl" in result["problems"]
    missing = runner.invoke(app, ["archive", "verify", str(tmp_path / "nothing")])
    assert missing.exit_code == 8
    assert "不是目录" in missing.output


def test_an_open_case_is_refused_and_nothing_is_written(services: Services, tmp_path: Path) -> None:
    case_no = open_case(services, "2026-10-09 10:00")
    act(services, case_no, "accept", "clerk-li", "clerk", "2026-10-09 10:05")
    with pytest.raises(NotAllowed, match="尚未办结（当前: 已受理）"):
        export(services, case_no, tmp_path / "out", "2026-10-12 09:00")
    assert not (tmp_path / "out").exists()
    assert services.archives.find(case_no) is None


def test_refused_and_withdrawn_cases_are_archived(services: Services, tmp_path: Path) -> None:
    refused = open_case(services, "2026-10-09 10:00")
    act(
        services,
        refused,
        "not_accept",
        "clerk-li",
        "clerk",
        "2026-10-09 10:30",
        reason="不属于本机构受理范围",
    )
    withdrawn = open_case(services, "2026-10-09 11:00")
    act(services, withdrawn, "accept", "clerk-li", "clerk", "2026-10-09 11:05")
    act(
        services,
        withdrawn,
        "withdraw",
        "clerk-li",
        "clerk",
        "2026-10-10 09:00",
        reason="申请人撤回",
    )
    for case_no, state in ((refused, "not_accepted"), (withdrawn, "withdrawn")):
        done = export(services, case_no, tmp_path, "2026-10-12 09:00")
        assert done.record.state == state
        assert verify_package(tmp_path / case_no) == []
    kinds = sorted(p.name for p in (tmp_path / refused / "notices").iterdir())
    assert kinds == ["01-refuse.html", "01-refuse.txt"]
    assert "不予受理" in (tmp_path / refused / "notices" / "01-refuse.txt").read_text(
        encoding="utf-8"
    )


def test_a_case_is_archived_once_and_a_bad_material_leaves_nothing(
    services: Services, tmp_path: Path
) -> None:
    case_no = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    wrong = (MaterialFile("医院收费票据", "票据.pdf", b"scan", "0" * 64),)
    with pytest.raises(BadInput, match="与登记的 SHA-256 不符"):
        export(services, case_no, tmp_path / "out", "2026-10-12 09:00", wrong)
    assert list((tmp_path / "out").iterdir()) == []  # the staging directory is gone too
    assert services.archives.find(case_no) is None
    export(services, case_no, tmp_path / "out", "2026-10-12 09:00")
    with pytest.raises(Conflict, match="已经归档"):
        export(services, case_no, tmp_path / "again", "2026-10-12 09:05")
    assert not (tmp_path / "again").exists()


def test_an_existing_directory_is_never_overwritten(services: Services, tmp_path: Path) -> None:
    from jingban.archive import write_package

    case_no = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    (tmp_path / case_no).mkdir()
    (tmp_path / case_no / "keep.txt").write_text("earlier", encoding="utf-8")
    with pytest.raises(Conflict, match="不覆盖已有的档案包"):
        export(services, case_no, tmp_path, "2026-10-12 09:00")
    assert services.archives.find(case_no) is None
    assert [p.name for p in (tmp_path / case_no).iterdir()] == ["keep.txt"]
    # the directory appearing while the package is written (another export): refused too
    history = services.cases.history(case_no)

    def notices() -> Any:
        (tmp_path / "late" / case_no).mkdir(parents=True)
        (tmp_path / "late" / case_no / "other.txt").write_text("x", encoding="utf-8")
        return iter(())

    with pytest.raises(Conflict, match="不覆盖已有的档案包"):
        write_package(
            tmp_path / "late",
            case_no,
            metadata={"case_no": case_no},
            chain=history,
            refusals=[],
            notices=_Lazy(notices),
            files=(),
            created_at=history[-1].at,
        )
    assert sorted(p.name for p in (tmp_path / "late").iterdir()) == [case_no]


class _Lazy:
    """An iterable that runs ``make`` when first iterated (while the package is written)."""

    def __init__(self, make: Any) -> None:
        self.make = make

    def __iter__(self) -> Any:
        return self.make()


def test_two_exports_of_one_case_at_once_leave_one_package(
    services: Services, tmp_path: Path
) -> None:
    import threading

    case_no = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def run(name: str) -> None:
        start.wait()
        try:
            results[name] = export(services, case_no, tmp_path / name, "2026-10-12 09:00")
        except Conflict as exc:
            results[name] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [n for n, r in results.items() if not isinstance(r, Conflict)]
    assert len(won) == 1 and len(results) == 2
    lost = "b" if won == ["a"] else "a"
    assert (tmp_path / won[0] / case_no).is_dir()
    assert not (tmp_path / lost / case_no).exists()
    assert services.archives.get(case_no).path == str((tmp_path / won[0] / case_no).resolve())
