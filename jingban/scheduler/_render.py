"""Rendering a message's Markdown for the channels: cut to a robot's byte limit, or turned
into a minimal HTML e-mail part."""

from __future__ import annotations

import html
import re

_TRUNCATED = "\n\n……内容过长已截断，请登录经办系统查看全部。"


def fit_markdown(markdown: str, limit: int) -> str:
    """``markdown`` cut at a line boundary, with a note, so it fits in ``limit`` UTF-8 bytes."""
    if len(markdown.encode("utf-8")) <= limit:
        return markdown
    budget = limit - len(_TRUNCATED.encode("utf-8"))
    kept: list[str] = []
    for line in markdown.split("\n"):
        size = len(line.encode("utf-8")) + 1
        if size > budget:
            break
        kept.append(line)
        budget -= size
    return "\n".join(kept).rstrip() + _TRUNCATED


def html_document(subject: str, markdown: str) -> str:
    """A minimal HTML rendering of our Markdown subset: headings, paragraphs, **bold**,
    "- " lists and "> " quotes; everything else is escaped text."""
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def inline(text: str) -> str:
        return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text))

    def flush() -> None:
        if paragraph:
            blocks.append(f"<p>{'<br>'.join(paragraph)}</p>")
            paragraph.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            flush()
            level = len(heading.group(1))
            blocks.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif line.startswith(("- ", "* ")):
            if paragraph:
                flush()
            items.append(inline(line[2:]))
        elif line.startswith(">"):
            flush()
            blocks.append(f"<blockquote><p>{inline(line[1:].strip())}</p></blockquote>")
        elif line:
            if items:
                flush()
            paragraph.append(inline(line))
        else:
            flush()
    flush()
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>\n"
        + "\n".join(blocks)
        + "\n</body></html>\n"
    )
