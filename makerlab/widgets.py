"""Form widgets that write their HTML in Python where Django's widget templates cost too much.

Django renders each option of a select through its own template include, which for a list of hundreds of
programs or times takes most of a staff page's time; a list of checkboxes does the same per box. ``Select``
and ``CheckboxSelectMultiple`` here write exactly the markup of Django's templates for them (the same
attributes, escaping and line breaks), so labels, ids and ``aria-*`` attributes the form or crispy-forms adds
come out the same. tests/test_widgets.py compares them with Django's own output.
"""

from django import forms
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

_AUTOESCAPED = Context(autoescape=True)


def _text(value: object) -> str:
    """``{{ value }}`` in a template: localized and escaped unless already safe."""
    if isinstance(value, str):
        return conditional_escape(value)
    return render_value_in_context(value, _AUTOESCAPED)


def _attrs(attrs: dict) -> str:
    """Django's ``attrs.html``: ``True`` writes the bare name, ``False`` leaves the attribute out."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class Select(forms.Select):
    """A select whose options are written without a template per option: the same HTML, many times faster.

    It keeps Django's class name on purpose: crispy-forms adds the widget's class name as a CSS class."""

    def render(self, name: str, value: object, attrs: dict | None = None, renderer: object = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            parts.extend(
                f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _input(option: dict) -> str:
    """Django's ``input.html`` for one option of a list of checkboxes or radio buttons."""
    value = "" if option["value"] is None else f' value="{conditional_escape(option["value"])}"'
    return f'<input type="{_text(option["type"])}" name="{_text(option["name"])}"{value}{_attrs(option["attrs"])}>\n'


def _input_option(option: dict) -> str:
    """Django's ``input_option.html``: the input inside its label."""
    if not option["wrap_label"]:
        return _input(option) + "\n"
    option_id = option["attrs"].get("id")
    label_for = f' for="{_text(option_id)}"' if option_id else ""
    return f"<label{label_for}>{_input(option)} {_text(option['label'])}</label>\n\n"


class CheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes written without templates per box: Django's ``multiple_input.html``, many times faster.

    It keeps Django's class name on purpose: crispy-forms adds the widget's class name as a CSS class."""

    def render(self, name: str, value: object, attrs: dict | None = None, renderer: object = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        widget_id, widget_class = widget["attrs"].get("id"), widget["attrs"].get("class")
        parts = [
            "<div",
            f' id="{_text(widget_id)}"' if widget_id else "",
            f' class="{_text(widget_class)}"' if widget_class else "",
            ">",
        ]
        for group, options, _ in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{_text(group)}</label>")
            parts.extend(f"<div>\n    {_input_option(option)}</div>" for option in options)
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
