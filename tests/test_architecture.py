"""The apps depend downward only (DESIGN.md, section 3), checked on the source itself.

Every .py file of the apps is parsed (imports inside functions count too) and each import of another
first-party app is recorded with its file and line, so a failure names the offending import. Imports
by string (``include("bookings.urls")``, INSTALLED_APPS, a registered dotted path) are wiring, not
dependencies, and are not counted.

makerlab, shared by every app, imports none of them, its management commands included: ``load_demo`` runs
the demo steps the apps register (makerlab/demo.py).
"""

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("makerlab", "staffing", "bookings", "programs", "seedlibrary", "stats", "mylab", "frontdesk")
DOMAIN_APPS = ("staffing", "bookings", "programs", "seedlibrary", "stats", "mylab", "frontdesk")


@dataclass(frozen=True)
class AppImport:
    importer: str
    imported: str
    path: str
    line: int
    statement: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.statement}"


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []  # relative imports stay inside their own package


def _app_imports() -> list[AppImport]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            source = path.read_text(encoding="utf-8")
            for node in ast.walk(ast.parse(source, filename=relative)):
                for module in _imported_modules(node):
                    imported = module.split(".")[0]
                    if imported in APPS and imported != app:
                        statement = ast.get_source_segment(source, node) or module
                        found.append(AppImport(app, imported, relative, node.lineno, statement))
    return found


@pytest.fixture(scope="module")
def app_imports() -> list[AppImport]:
    return _app_imports()


def _report(offences: list[AppImport], rule: str) -> str:
    return f"{rule}:\n" + "\n".join(f"  {offence}" for offence in offences)


def test_the_scan_sees_the_imports_that_are_allowed(app_imports):
    edges = {(found.importer, found.imported) for found in app_imports}
    assert {("bookings", "staffing"), ("programs", "staffing"), ("programs", "bookings")} <= edges
    assert ("staffing", "makerlab") in edges


def test_staffing_imports_no_other_domain_app(app_imports):
    offences = [f for f in app_imports if f.importer == "staffing" and f.imported in DOMAIN_APPS]
    assert not offences, _report(offences, "staffing may import only makerlab")


def test_nothing_imports_stats(app_imports):
    offences = [f for f in app_imports if f.imported == "stats"]
    assert not offences, _report(offences, "stats reads every app; no app may import stats")


def test_nothing_imports_my_maker_lab(app_imports):
    offences = [f for f in app_imports if f.imported == "mylab"]
    assert not offences, _report(
        offences, "mylab reads bookings, programs and seedlibrary through their selectors; no app may import it"
    )


def test_nothing_imports_the_staff_start_page(app_imports):
    offences = [f for f in app_imports if f.imported == "frontdesk"]
    assert not offences, _report(offences, "frontdesk gathers every app's day for staff; no app may import it")


def test_my_maker_lab_reads_the_apps_it_shows(app_imports):
    edges = {(found.importer, found.imported) for found in app_imports}
    assert {("mylab", "bookings"), ("mylab", "programs"), ("mylab", "seedlibrary")} <= edges


def test_bookings_imports_neither_programs_nor_the_seed_library(app_imports):
    offences = [f for f in app_imports if f.importer == "bookings" and f.imported in ("programs", "seedlibrary")]
    assert not offences, _report(
        offences, "bookings may not import programs or seedlibrary (use makerlab.commitments for busy time)"
    )


def test_makerlab_imports_no_domain_app(app_imports):
    offences = [f for f in app_imports if f.importer == "makerlab"]
    assert not offences, _report(
        offences,
        "makerlab is shared by every app and may import none of them "
        '(the root URLconf names an app\'s URLs by string: include("app.urls") or include(("app.some_urls", "ns")); '
        "an app registers its demo step with makerlab.demo.register_demo_step)",
    )


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of apps, as a path that returns to its start, or [] when there is none."""
    done: set[str] = set()

    def visit(app: str, path: list[str]) -> list[str]:
        if app in path:
            return [*path[path.index(app) :], app]
        if app in done:
            return []
        for imported in sorted(graph.get(app, ())):
            if cycle := visit(imported, [*path, app]):
                return cycle
        done.add(app)
        return []

    for app in sorted(graph):
        if cycle := visit(app, []):
            return cycle
    return []


def test_no_import_cycles_among_the_apps(app_imports):
    graph: dict[str, set[str]] = {}
    for found in app_imports:
        graph.setdefault(found.importer, set()).add(found.imported)
    cycle = _cycle(graph)
    examples = [next(f for f in app_imports if (f.importer, f.imported) == edge) for edge in itertools.pairwise(cycle)]
    assert not cycle, _report(examples, f"import cycle {' -> '.join(cycle)}")


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) == []
