"""Material files in the console, in a real headless Chromium: a clerk uploads a scan to a
material of the case, a file of the wrong kind is refused on the page with nothing kept, a
reviewer opens the kept file, and the supervisor (only) sees who opened it and when."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console_support import Server, expect, login

REVIEW = "review"  # a 门诊慢特病 case accepted in the seed


def pdf(text: str) -> bytes:
    """A small one-page PDF whose content stream holds ``text``."""
    body = text.encode("utf-8")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def test_upload_refuse_open_and_the_log(page: Any, server: Server, tmp_path: Path) -> None:
    case_no = server.cases[REVIEW]
    item = server.services.engine.item_of(server.services.cases.get(case_no))
    material = item.materials[0].name
    scan = tmp_path / "病历.pdf"
    scan.write_bytes(pdf("门诊病历"))
    wrong = tmp_path / "说明.txt"
    wrong.write_text("不是扫描件", encoding="utf-8")

    login(page, server, "shawan_clerk")
    page.goto(server.url(f"/cases/{case_no}"))
    expect(page.locator("#h-files")).to_have_text("材料文件")
    assert page.locator("[data-testid=file-views]").count() == 0  # a clerk sees no log
    form = page.locator("form.upload")
    form.locator("select[name=material]").select_option(material)
    form.locator("input[type=file]").set_input_files(str(wrong))
    form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("无法识别的文件")
    assert page.locator("[data-testid=files]").count() == 0
    assert server.services.attachments.files(case_no) == []

    form = page.locator("form.upload")
    form.locator("select[name=material]").select_option(material)
    form.locator("input[type=file]").set_input_files(str(scan))
    form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text(f"已附上「{material}」病历.pdf")
    row = page.locator("[data-testid=files] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("病历.pdf")
    (kept,) = server.services.attachments.files(case_no)

    page.context.clear_cookies()
    login(page, server, "shawan_reviewer")
    page.goto(server.url(f"/cases/{case_no}"))
    link = page.locator("[data-testid=files] a", has_text="病历.pdf")
    href = link.get_attribute("href")
    assert href == f"/cases/{case_no}/files/{kept.id}"
    shown = page.request.get(server.url(href))
    assert shown.ok and shown.body() == pdf("门诊病历")
    assert shown.headers["content-type"] == "application/pdf"

    page.context.clear_cookies()
    login(page, server, "shawan_supervisor")
    page.goto(server.url(f"/cases/{case_no}"))
    log = page.locator("[data-testid=file-views]")
    log.locator("summary").click()
    expect(log).to_contain_text("查阅记录 (1)")
    expect(log.locator("tbody tr")).to_contain_text("shawan_reviewer")
    expect(log.locator("tbody tr")).to_contain_text("病历.pdf")
