"""The console's templates look a dict's keys up first, with Jinja's answers: a key by
``row.name``, a dict method by its name even when a key has that name, an attribute of any
other object, and undefined (empty) for what is neither."""

from __future__ import annotations

from types import SimpleNamespace

from jingban.console.web import templates


def _render(source: str, **context: object) -> str:
    return templates.from_string(source).render(**context)


def test_keys_methods_attributes_and_missing_names() -> None:
    row = {"case_no": "SC-1", "get": "键", "items": "键二"}
    assert _render("{{ row.case_no }}", row=row) == "SC-1"
    assert _render("{{ row.get('case_no') }}|{{ row['get'] }}", row=row) == "SC-1|键"
    assert _render("{% for k, v in row.items() %}{{ k }}{% endfor %}", row=row) == "case_nogetitems"
    assert _render("[{{ row.nothing }}]", row=row) == "[]"
    assert _render("{{ o.name }}", o=SimpleNamespace(name="王")) == "王"
    assert _render("[{{ o.nothing }}]", o=SimpleNamespace()) == "[]"
    assert _render("{{ row.case_no }}", row={"case_no": "<b>"}) == "&lt;b&gt;"
