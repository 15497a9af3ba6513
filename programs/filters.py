"""The public calendar's filters: who it is for, an age, what kind, where, and when."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict

from makerlab import widgets
from makerlab.models import Branch
from programs.eligibility import programs_open_to_age
from programs.models import Audience, Category, PartnerSite, Program, Session


class ProgramFilter(django_filters.FilterSet):
    audience = django_filters.ChoiceFilter(
        choices=Audience.choices, empty_label="Anyone", label="Who it is for", widget=widgets.Select
    )
    age = django_filters.NumberFilter(
        method="filter_age",
        label="Age",
        min_value=0,
        max_value=120,
        help_text="Shows programs open to someone this age.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices, empty_label="Any kind", label="Kind", widget=widgets.Select
    )
    where = django_filters.ChoiceFilter(
        method="filter_where", label="Where", empty_label="Anywhere", widget=widgets.Select
    )
    starts_after = django_filters.DateFilter(
        method="filter_dates", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_before = django_filters.DateFilter(
        method="filter_dates", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Program
        fields = ["audience", "age", "category", "where", "starts_after", "starts_before"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        branches = [(f"branch-{b.pk}", b.name) for b in Branch.objects.filter(is_active=True).only("pk", "name")]
        sites = [(f"site-{s.pk}", s.name) for s in PartnerSite.objects.only("pk", "name")]
        choices = [("Library branches", branches)] + ([("Partner sites", sites)] if sites else [])
        self.filters["where"].extra["choices"] = choices

    def filter_age(self, queryset: QuerySet[Program], name: str, value) -> QuerySet[Program]:
        if value is None:
            return queryset
        return queryset.filter(programs_open_to_age(int(value)))

    def filter_where(self, queryset: QuerySet[Program], name: str, value: str) -> QuerySet[Program]:
        kind, _, pk = value.partition("-")
        if kind == "branch":
            return queryset.filter(branch_id=pk)
        return queryset.filter(partner_site_id=pk)

    def filter_dates(self, queryset: QuerySet[Program], name: str, value) -> QuerySet[Program]:
        return queryset  # both ends are applied together in filter_queryset

    def filter_queryset(self, queryset: QuerySet[Program]) -> QuerySet[Program]:
        queryset = super().filter_queryset(queryset)
        first, last = self.form.cleaned_data.get("starts_after"), self.form.cleaned_data.get("starts_before")
        if first is None and last is None:
            return queryset
        # One session must fall inside the range, not one before it and another after.
        sessions = Session.objects.filter(program=OuterRef("pk"))
        if first is not None:
            sessions = sessions.filter(starts_at__date__gte=first)
        if last is not None:
            sessions = sessions.filter(starts_at__date__lte=last)
        return queryset.filter(Exists(sessions))


def filter_params(query: QueryDict) -> QueryDict:
    """The calendar's filters in a query string (one value each, empty ones left out): for links that keep them."""
    params = QueryDict(mutable=True)
    for name in ProgramFilter.base_filters:
        value = query.get(name, "")
        if value:
            params[name] = value
    return params
