"""The error summary above every public form (the GOV.UK pattern): one box that names each problem and links
to the field that has it, so a patron who cannot see the whole page at once starts from the list of what to fix."""

from dataclasses import dataclass

from django import forms, template

register = template.Library()


@dataclass(frozen=True)
class Problem:
    message: str
    target: str = ""  # the id of the element the message links to; empty when there is nothing to link to


def _target(field: forms.BoundField) -> str:
    """The id of the first thing a patron can reach for this field; a list of choices starts at its first one."""
    widget = field.field.widget
    if widget.is_hidden or widget.attrs.get("tabindex") == "-1":  # hidden values and the honeypot
        return ""
    if isinstance(widget, forms.RadioSelect | forms.MultiWidget):  # CheckboxSelectMultiple is a RadioSelect
        return f"{field.auto_id}_0"
    return field.auto_id or ""


def form_problems(form: forms.BaseForm) -> list[Problem]:
    """The form's problems in reading order: those about the whole form first, then field by field."""
    if not form.is_bound or not form.errors:
        return []
    problems = [Problem(str(message)) for message in form.non_field_errors()]
    for field in form:
        problems.extend(Problem(str(message), _target(field)) for message in field.errors)
    return problems


@register.inclusion_tag("_error_summary.html")
def error_summary(form: forms.BaseForm | None = None, errors=(), target: str = "") -> dict:
    """``{% error_summary form %}`` for a form; ``errors`` for refusals that belong to no form field (a list or
    one message), each linking to ``target`` when given."""
    problems = form_problems(form) if form else []  # a missing context variable arrives as ""
    if isinstance(errors, str):
        errors = [errors] if errors else []
    problems.extend(Problem(str(message), target) for message in errors)
    return {"problems": problems}
