"""The public catalogue's filters: what kind, how hard to save, sow now, on the shelf now, and a name."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from makerlab.validators import validate_plain_text
from seedlibrary.catalogue import available_now_condition, sow_now_condition
from seedlibrary.models import Category, Difficulty, Variety


class CheckboxFilter(django_filters.BooleanFilter):
    """A plain checkbox: ticked (any value but "false" or "0") narrows the list; unticked leaves it alone."""

    field_class = forms.BooleanField


class VarietyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_name",
        label="Name",
        max_length=80,
        validators=[validate_plain_text],
        help_text="For example tomato, Brandywine or Solanum.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any kind", label="Kind")
    difficulty = django_filters.ChoiceFilter(
        choices=Difficulty.choices, empty_label="Any", label="How hard to save seed"
    )
    sow_now = CheckboxFilter(method="filter_sow_now", label="Sow this month")
    available = CheckboxFilter(method="filter_available", label="On the shelf now")

    class Meta:
        model = Variety
        fields = ["q", "category", "difficulty", "sow_now", "available"]

    def __init__(self, *args, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def filter_name(self, queryset: QuerySet[Variety], name: str, value: str) -> QuerySet[Variety]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(common_name__icontains=value) | Q(variety_name__icontains=value) | Q(botanical_name__icontains=value)
        )

    def filter_sow_now(self, queryset: QuerySet[Variety], name: str, value: bool) -> QuerySet[Variety]:
        return queryset.filter(sow_now_condition(today=self.today)) if value else queryset

    def filter_available(self, queryset: QuerySet[Variety], name: str, value: bool) -> QuerySet[Variety]:
        return queryset.filter(available_now_condition(today=self.today)) if value else queryset
