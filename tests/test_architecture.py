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


#: the one subpackage of search that may import Whoosh (search/engine/WHOOSH.md)
WHOOSH_DOOR = ROOT / "search" / "engine"
#: packages that use search only through its facade (the names search/__init__.py exports);
#: bench/ is not one: search_bench times the internals themselves (seller_query, text)
FACADE_ONLY = ("web", "registry")


def search_imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Every import of the search package in *path*: (module, names imported from it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, ()) for a in node.names if a.name.split(".")[0] == "search"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "search":
                found.append((node.module, tuple(a.name for a in node.names)))
    return found


def facade() -> set[str]:
    tree = ast.parse((ROOT / "search" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    raise AssertionError("search/__init__.py has no __all__")


def internals_used(path: Path, public: set[str]) -> list[str]:
    """The imports of *path* that reach past the search facade."""
    bad = []
    for module, names in search_imports(path):
        if module != "search":
            bad.append(module)
        else:
            bad += [f"search.{n}" for n in names if n not in public]
    return bad


def whoosh_outside_the_door(paths, door: Path = WHOOSH_DOOR) -> list[Path]:
    return [p for p in paths if door not in p.parents and "whoosh" in imports_of(p)]


def test_only_the_engine_imports_whoosh():
    bad = whoosh_outside_the_door(modules("search"))
    assert not bad, f"Whoosh imported outside search/engine/: {bad}"


@pytest.mark.parametrize("package", FACADE_ONLY)
def test_web_and_registry_use_only_the_search_facade(package):
    public = facade()
    bad = {str(p.relative_to(ROOT)): internals_used(p, public) for p in modules(package)}
    assert not {k: v for k, v in bad.items() if v}, f"search internals imported: {bad}"


def test_the_door_checks_catch_a_planted_violation(tmp_path):
    door = tmp_path / "search" / "engine"
    door.mkdir(parents=True)
    outside, inside = tmp_path / "search" / "planted.py", door / "planted.py"
    for path in (outside, inside):
        path.write_text("from whoosh import query\n")
    assert whoosh_outside_the_door([outside, inside], door) == [outside]
    web = tmp_path / "web_module.py"
    web.write_text(
        "from search import SellerSearcher, census\n"
        "from search import stored_fields\n"
        "from search.engine.reading import Recent\n"
        "import search.sellers\n"
    )
    assert internals_used(web, facade()) == [
        "search.stored_fields",
        "search.engine.reading",
        "search.sellers",
    ]


def test_wsgi_is_two_lines_and_starts_nothing():
    lines = [line for line in (ROOT / "wsgi.py").read_text().splitlines() if line.strip()]
    assert len(lines) == 2 and "create_app()" in lines[1]


ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete", "add_url_rule"}


def foreign_routes(path: Path, package_init: bool = False) -> list[str]:
    """Routes *path* adds to a blueprint it imports from another web module (a blueprint of
    its own package's ``__init__`` is its own area's: ``from . import bp`` is allowed)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").startswith("web")
        ):
            own_package = node.level == 1 and not node.module and not package_init
            for alias in node.names:
                if not own_package:
                    imported[alias.asname or alias.name] = f"{'.' * node.level}{node.module or ''}"
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            targets = [d.func for d in node.decorator_list if isinstance(d, ast.Call)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "add_url_rule":
                targets = [node.func]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr in ROUTE_METHODS
                and isinstance(target.value, ast.Name)
                and target.value.id in imported
            ):
                found.append(f"{target.value.id}.{target.attr} (from {imported[target.value.id]})")
    return found


def test_no_web_module_adds_routes_to_another_modules_blueprint():
    bad = {}
    for path in modules("web"):
        found = foreign_routes(path, package_init=path.name == "__init__.py")
        if found:
            bad[str(path.relative_to(ROOT))] = found
    assert not bad, f"routes added to another area's blueprint: {bad}"


def test_the_route_check_catches_a_planted_violation(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from .pages import bp\n"
        "from . import bp as own\n\n"
        "@bp.route('/x')\ndef x():\n    pass\n\n"
        "@own.get('/y')\ndef y():\n    pass\n\n"
        "bp.add_url_rule('/z', 'z', x)\n"
    )
    assert foreign_routes(planted) == ["bp.route (from .pages)", "bp.add_url_rule (from .pages)"]


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
