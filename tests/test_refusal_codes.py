"""Every refusal a service gives carries a stable code (issue: refusals carry codes), checked on the source.

Tests and callers tell refusals apart by their code, so the wording a person reads can change freely. Every
``ValidationError(...)`` the apps write (or a subclass they raise: a card refusal, a slot taken), in services,
selectors, forms and admin forms, passes ``code=``; a dict of field errors gives each its own coded error; a
module's ``_field_error(field, message, code)`` helper is given one. An error built from others already made
(``ValidationError(errors)``) is fine: those were checked where they were made.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("makerlab", "staffing", "bookings", "programs", "seedlibrary", "stats", "mylab", "frontdesk", "safety")
REFUSALS = {"ValidationError", "CardRecordRefusal", "SlotTaken"}


def _has_code(call: ast.Call) -> bool:
    if any(keyword.arg == "code" for keyword in call.keywords):
        return True
    if not call.args:
        return False
    first = call.args[0]
    if isinstance(first, ast.Dict):
        return all(isinstance(value, ast.Call) and _has_code(value) for value in first.values)
    return isinstance(first, ast.Name) and not first.id.isupper()  # errors made (and checked) elsewhere


def _uncoded() -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(call, ast.Call):
                    continue
                name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
                uncoded = (name in REFUSALS and not _has_code(call)) or (
                    name == "_field_error" and len(call.args) < 3 and not any(k.arg == "code" for k in call.keywords)
                )
                if uncoded:
                    found.append(f"{relative}:{call.lineno}: {ast.unparse(call)[:90]}")
    return found


def test_every_refusal_carries_a_code():
    assert _uncoded() == []


def test_the_check_finds_a_refusal_without_a_code():
    def codes(source: str) -> list[bool]:
        return [_has_code(node.exc) for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Raise)]

    assert codes('raise ValidationError("No.")') == [False]
    assert codes('raise ValidationError({"f": ValidationError("No.")})') == [False]
    assert codes("raise ValidationError(NO_ANSWER)") == [False]
    assert codes('raise ValidationError({"f": ValidationError("No.", code="no")})') == [True]
    assert codes("raise ValidationError(errors)") == [True]
