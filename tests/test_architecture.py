"""The apps depend downward only (DESIGN.md, section 3), checked on the source itself.

Every .py file of the apps is parsed (imports inside functions count too) and each import of another
first-party app is recorded with its file and line, so a failure names the offending import. Imports
by string (``include("bookings.urls")``, INSTALLED_APPS, a registered dotted path) are wiring, not
dependencies, and are not counted.

makerlab, shared by every app, imports none of them, its management commands included: ``load_demo`` runs
the demo steps the apps register (makerlab/demo.py).

Staffing answers for staffing: other apps ask ``staffing.selectors`` and ``staffing.services``. They may
name staffing's models (a foreign key, a type, a choice such as ``ShiftRole.HELP_DESK``) but never query
them (``StaffMember.objects``...); demo data builders are the exception for now.
"""

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "makerlab",
    "staffing",
    "bookings",
    "programs",
    "seedlibrary",
    "stats",
    "mylab",
    "frontdesk",
    "safety",
    "promotion",
)
DOMAIN_APPS = ("staffing", "bookings", "programs", "seedlibrary", "stats", "mylab", "frontdesk", "safety", "promotion")
STAFFING_MODELS = "staffing.models"
MANAGERS = ("objects", "_default_manager", "_base_manager")
# Demo data builders set up rows of every app directly: each app's demo step may fill in the staff it needs.
MAY_QUERY_STAFFING_MODELS = ("bookings/demo.py", "programs/demo.py", "safety/demo.py")


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
    assert {("safety", "staffing"), ("safety", "bookings")} <= edges
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


def test_only_stats_imports_safety(app_imports):
    offences = [f for f in app_imports if f.imported == "safety" and f.importer != "stats"]
    assert not offences, _report(
        offences, "safety uses staffing and bookings; only stats may import it (for the board report's aggregates)"
    )


def test_safety_imports_only_the_apps_it_builds_on(app_imports):
    allowed = ("staffing", "bookings", "makerlab")
    offences = [f for f in app_imports if f.importer == "safety" and f.imported not in allowed]
    assert not offences, _report(offences, "safety may import staffing, bookings and makerlab only")


def test_only_stats_imports_promotion(app_imports):
    offences = [f for f in app_imports if f.imported == "promotion" and f.importer != "stats"]
    assert not offences, _report(
        offences, "promotion shows every app's data to the outside; only stats may import it (displays in the report)"
    )


def test_promotion_imports_only_the_apps_it_shows(app_imports):
    allowed = ("staffing", "bookings", "programs", "seedlibrary", "makerlab")
    offences = [f for f in app_imports if f.importer == "promotion" and f.imported not in allowed]
    assert not offences, _report(offences, "promotion may import staffing, bookings, programs, seedlibrary, makerlab")


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


def _model_queries(source: str, *, module: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """Where ``source`` queries a model imported from ``module`` (``Model.objects...``): line and statement.

    Importing the models module itself (``from staffing import models``) counts as a query: it is there
    to reach the managers.
    """
    tree = ast.parse(source, filename=filename)
    package, _, name = module.rpartition(".")
    models: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module:
            models |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == package:
            if any(alias.name == name for alias in node.names):
                found.append((node.lineno, ast.get_source_segment(source, node) or module))
        elif isinstance(node, ast.Import) and any(alias.name == module for alias in node.names):
            found.append((node.lineno, ast.get_source_segment(source, node) or module))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and isinstance(node.value, ast.Name)
            and node.value.id in models
        ):
            found.append((node.lineno, ast.get_source_segment(source, node) or node.attr))
    return sorted(found)


def _staffing_model_queries() -> list[str]:
    found = []
    for app in APPS:
        if app == "staffing":
            continue
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in MAY_QUERY_STAFFING_MODELS or "/migrations/" in relative:
                continue
            source = path.read_text(encoding="utf-8")
            for line, statement in _model_queries(source, module=STAFFING_MODELS, filename=relative):
                found.append(f"{relative}:{line}: {statement}")
    return found


def test_other_apps_read_staffing_through_its_selectors():
    offences = _staffing_model_queries()
    assert not offences, "staffing's models are read through staffing.selectors (writes: staffing.services):\n" + (
        "\n".join(f"  {offence}" for offence in offences)
    )


def test_bookings_asks_staffing_through_its_selectors(app_imports):
    asked = {f.statement for f in app_imports if f.path == "bookings/selectors.py" and f.imported == "staffing"}
    assert "from staffing.selectors import people_on_shift" in asked


def test_the_model_query_check_finds_queries():
    source = (
        "from staffing.models import ShiftRole, StaffMember as Person\n"
        "role = ShiftRole.HELP_DESK\n"
        "def f(person: Person):\n"
        "    return Person.objects.filter(pk=person.pk)\n"
    )
    assert _model_queries(source, module=STAFFING_MODELS) == [(4, "Person.objects")]
    assert _model_queries("from staffing import models\n", module=STAFFING_MODELS) == [
        (1, "from staffing import models")
    ]
    assert _model_queries("from staffing.selectors import people_on_shift\n", module=STAFFING_MODELS) == []


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
