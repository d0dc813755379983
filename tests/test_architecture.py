"""Keep the dependency directions of STYLE.md honest by parsing every import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"registry", "scoring", "search", "web", "wsgi"}
# What each package may import of the project, and which outside packages are off limits.
ALLOWED = {
    "scoring": {"scoring"},
    "search": {"search"},
    "registry": {"registry", "scoring"},
    "web": {"web", "registry", "scoring", "search"},
}
FORBIDDEN_THIRD_PARTY = {
    "scoring": {"flask", "sqlmodel", "sqlalchemy", "requests", "whoosh", "apscheduler"},
    "search": {"flask", "sqlmodel", "sqlalchemy", "requests", "apscheduler"},
    "registry": {"flask", "apscheduler", "werkzeug", "flask_babel", "flask_wtf"},
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package):
    bad = {}
    for path in modules(package):
        used = imports_of(path)
        wrong = (used & PROJECT) - ALLOWED[package]
        wrong |= used & FORBIDDEN_THIRD_PARTY.get(package, set())
        if wrong:
            bad[str(path.relative_to(ROOT))] = sorted(wrong)
    assert not bad, f"imports against STYLE.md's directions: {bad}"


def test_nothing_imports_web_or_wsgi_outside_web():
    for package in ("registry", "scoring", "search"):
        for path in modules(package):
            assert not imports_of(path) & {"web", "wsgi"}, path


def test_the_check_itself_catches_a_wrong_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from web import create_app\nimport flask\n")
    assert {"web", "flask"} <= imports_of(bad)


def test_wsgi_is_two_lines_and_starts_nothing():
    lines = [line for line in (ROOT / "wsgi.py").read_text().splitlines() if line.strip()]
    assert len(lines) == 2 and "create_app()" in lines[1]


# The journal's own writers: everything else writes through ``registry.journal.record``, so
# that no write is audited without its change-log marks, or marked without its audit entry.
JOURNAL_WRITERS = {"AuditLog", "mark_changed", "AuditEntry", "ChangeLogEntry"}


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_writes_go_through_the_journal():
    journal = ROOT / "registry" / "journal"
    bad = {
        str(path.relative_to(ROOT)): sorted(imported_names(path) & JOURNAL_WRITERS)
        for package in ("registry", "web")
        for path in modules(package)
        if journal not in path.parents and imported_names(path) & JOURNAL_WRITERS
    }
    assert not bad, f"write through registry.journal.record instead: {bad}"
