"""The widgets written in Python give exactly the HTML of Django's own templates, so people see the same form."""

import pytest
from django import forms
from django.utils.safestring import mark_safe

from makerlab import widgets

CHOICES = [
    ("", "Choose one"),
    (1, "Beans & peas <climbing>"),
    ("2", mark_safe("<em>Already safe</em>")),
    ('Group "A"', [(3, "Three"), (4, 4000)]),
]
ATTRS = {"class": "form-select", "aria-describedby": "help err", "required": True, "disabled": False, "data-x": None}


@pytest.mark.parametrize("value", [None, "", 1, "3", 4, "not a choice"])
def test_select_writes_djangos_markup(value):
    django_html = forms.Select(attrs=ATTRS, choices=CHOICES).render("seed", value, attrs={"id": "id_seed"})
    ours = widgets.Select(attrs=ATTRS, choices=CHOICES).render("seed", value, attrs={"id": "id_seed"})
    assert ours == django_html


def test_the_widgets_keep_djangos_class_names_for_crispy_forms():
    """crispy-forms writes the widget's class name into the CSS classes ("select form-select")."""
    assert widgets.Select.__name__ == forms.Select.__name__
    assert widgets.CheckboxSelectMultiple.__name__ == forms.CheckboxSelectMultiple.__name__


class SeedsForm(forms.Form):
    seed = forms.ChoiceField(choices=CHOICES, widget=widgets.Select)
    seeds = forms.MultipleChoiceField(choices=CHOICES[1:], widget=widgets.CheckboxSelectMultiple, required=False)


class DjangoSeedsForm(forms.Form):
    seed = forms.ChoiceField(choices=CHOICES)
    seeds = forms.MultipleChoiceField(choices=CHOICES[1:], widget=forms.CheckboxSelectMultiple, required=False)


@pytest.mark.parametrize("data", [None, {"seed": "2", "seeds": ["1", "3"]}, {"seed": "<script>", "seeds": ["x"]}])
def test_forms_using_them_render_the_same_bound_or_not_valid_or_not(data):
    """Labels, ids, checked and selected options and the error attributes all come out the same."""
    assert str(SeedsForm(data)) == str(DjangoSeedsForm(data))


@pytest.mark.parametrize("value", [None, [], [1, "2"], ["3"]])
@pytest.mark.parametrize("attrs", [{"id": "id_seeds"}, {}, {"id": "id_seeds", "class": "list", "aria-invalid": "true"}])
def test_checkboxes_write_djangos_markup(value, attrs):
    django_html = forms.CheckboxSelectMultiple(choices=CHOICES).render("seeds", value, attrs=attrs)
    assert widgets.CheckboxSelectMultiple(choices=CHOICES).render("seeds", value, attrs=attrs) == django_html
