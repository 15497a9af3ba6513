"""The coordinator's statistics admin: closing months, closing one again with a reason, choosing quotes.

Reports are never edited by hand: "Close a month" (the add page), the two actions and the quotes page
call the services, which freeze the figures; the board is emailed on the send day, or when the coordinator
presses "Send to the board" on the report's page. Survey counts and answers are a read-only record; no
survey link is kept anywhere to be shown.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from makerlab import widgets
from makerlab.forms import add_service_error
from makerlab.pagecache import cached_staff_page
from makerlab.validators import validate_plain_text
from stats import selectors, services
from stats.models import MonthlyReport, ReportClosing, SurveyResponse, SurveysSent


class CloseMonthForm(forms.Form):
    month = forms.CharField(
        label="Month",
        max_length=20,
        help_text="Year and month, for example 2026-10 for October 2026. The month must be over.",
    )

    def clean_month(self):
        month = selectors.month_parse(self.cleaned_data["month"].strip())
        if month is None:
            raise ValidationError("Write the month as year and month, for example 2026-10.", code="unreadable_month")
        if not services.month_is_over(month):
            raise ValidationError(
                f"{month:%B %Y} is not over yet; it can be closed from the first of the next month.", code="not_over"
            )
        return month


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why close it again?",
        max_length=services.MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_plain_text],
        help_text="For example: attendance of the 14th was entered late. The board email says why.",
    )


class QuotesForm(forms.Form):
    responses = forms.MultipleChoiceField(
        label="Answers to quote",
        required=False,
        widget=widgets.CheckboxSelectMultiple,
        help_text="Choose up to three. Only what the patron wrote is copied into the report.",
    )

    def __init__(self, *args, candidates: list[SurveyResponse], chosen: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responses"].choices = [(str(c.pk), _answer_text(c)) for c in candidates]
        if chosen:
            self.fields["responses"].initial = [str(pk) for pk in chosen]

    def clean_responses(self) -> list[str]:
        chosen = list(self.cleaned_data["responses"])
        if len(chosen) > services.MAX_QUOTES:
            raise ValidationError(f"Choose at most {services.MAX_QUOTES} answers.", code="too_many")
        return chosen


def _answer_text(response: SurveyResponse) -> str:
    parts = []
    if response.liked_most:
        parts.append(f"Liked most: {response.liked_most}")
    if response.could_do_better:
        parts.append(f"Could help more: {response.could_do_better}")
    return f"{' / '.join(parts)} ({response.get_service_area_display()})"


def _form_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    form: forms.Form,
    title: str,
    intro: list[str],
    submit_label: str,
    action: str = "",
    selected: QuerySet | list = (),
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/makerlab/form_page.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "submit_label": submit_label,
            "action": action,
            "selected": selected,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": model_admin.model._meta,
            "media": form.media,
        },
        status=400 if form.errors else 200,
    )


class ClosingInline(admin.TabularInline):
    model = ReportClosing
    fields = ["version", "closed_at", "closed_by", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ["month_label", "version", "closed_at", "closed_by", "downloads"]
    list_select_related = ["closed_by"]
    fields = [
        "month_label",
        "version",
        "closed_at",
        "closed_by",
        "board_sending",
        "figures_summary",
        "quotes_summary",
        "downloads",
    ]
    readonly_fields = fields
    inlines = [ClosingInline]
    actions = ["close_again", "choose_quotes"]
    date_hierarchy = "month"

    @admin.display(description="Month", ordering="month")
    def month_label(self, report: MonthlyReport) -> str:
        return f"{report.month:%B %Y}"

    @admin.display(description="Report and downloads")
    def downloads(self, report: MonthlyReport) -> str:
        key = f"{report.month:%Y-%m}"
        return format_html(
            '<a href="{}">Page</a>, <a href="{}">PDF</a>, <a href="{}">XLSX</a>, <a href="{}">CSV</a>',
            reverse("stats_reports:detail", args=[key]),
            reverse("stats_reports:pdf", args=[key]),
            reverse("stats_reports:xlsx", args=[key]),
            reverse("stats_reports:csv_zip", args=[key]),
        )

    @admin.display(description="The board's email")
    def board_sending(self, report: MonthlyReport) -> str:
        key = f"{report.month:%Y-%m}"
        return format_html(
            '{} <a href="{}">Open the report to send it or choose quotes</a>',
            selectors.report_board_sending(report).status_text + ".",
            reverse("stats_reports:detail", args=[key]),
        )

    @admin.display(description="Flagged changes")
    def figures_summary(self, report: MonthlyReport) -> str:
        view = selectors.report_view_of(report)
        if not view.flagged:
            return "No figure changed by the flag threshold since the same month last year."
        return "; ".join(f"{row.label}: {row.month_text} ({row.change_text})" for row in view.flagged)

    @admin.display(description="Quotes")
    def quotes_summary(self, report: MonthlyReport) -> str:
        if not report.quotes:
            return "None chosen."
        return " | ".join(
            " / ".join(part for part in (quote.get("liked_most"), quote.get("could_do_better")) if part)
            for quote in report.quotes
        )

    def has_change_permission(self, request, obj=None) -> bool:
        # The change page is a read-only record; the permission guards the actions that close again.
        return super().has_change_permission(request, obj) if obj is None else False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            actions.pop("close_again", None)
            actions.pop("choose_quotes", None)
        return actions

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        """ "Close a month": freeze its figures and email the board, as the monthly job does."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CloseMonthForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            month = form.cleaned_data["month"]
            existed = MonthlyReport.objects.filter(month=month).exists()
            try:
                report = services.month_close(month=month, by=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                if existed:
                    text = f"{month:%B %Y} was already closed; nothing changed. Use “Close again” to correct it."
                    self.message_user(request, text, messages.WARNING)
                else:
                    sending = selectors.report_board_sending(report)
                    self.message_user(request, f"{month:%B %Y} is closed. {sending.status_text}.")
                return HttpResponseRedirect(reverse("admin:stats_monthlyreport_change", args=[report.pk]))
        last_month = services.month_start(services.month_start(timezone.localdate()) - dt.timedelta(days=1))
        return _form_page(
            self,
            request,
            form=form,
            title="Close a month",
            intro=[
                "Closing a month freezes its figures. The report goes to the board list on day "
                f"{settings.BOARD_REPORT_SEND_DAY} of the next month, or sooner when you press “Send to the board” "
                "on the report's page. Later changes to bookings or programs do not change a closed month.",
                f"The monthly job closes last month ({last_month:%Y-%m}) on the first of each month by itself.",
            ],
            submit_label="Close the month",
        )

    @admin.action(description="Close again with a reason (makes a new version)", permissions=["change"])
    def close_again(self, request: HttpRequest, queryset: QuerySet[MonthlyReport]):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = []
            for report in queryset.order_by("month"):
                try:
                    report = services.month_close(
                        month=report.month, by=request.user, reason=form.cleaned_data["reason"]
                    )
                except ValidationError as error:
                    add_service_error(form, error)
                    break
                done.append(f"{report.month:%B %Y} (version {report.version})")
            else:
                self.message_user(
                    request,
                    f"Closed again: {', '.join(done)}. A month the board had been sent goes to the board again now; "
                    "any other goes on its send day or when you send it.",
                )
                return None
        return _form_page(
            self,
            request,
            form=form,
            title="Close again",
            intro=[
                "The figures are computed again from today's records and frozen as a new version. "
                "If the board had been sent the month, it is sent the new version now, with your reason.",
                "Months: " + ", ".join(f"{report.month:%B %Y}" for report in queryset),
            ],
            submit_label="Close again",
            action="close_again",
            selected=queryset,
        )

    @admin.action(description="Choose quotes from the month's surveys", permissions=["change"])
    def choose_quotes(self, request: HttpRequest, queryset: QuerySet[MonthlyReport]):
        if queryset.count() != 1:
            self.message_user(request, "Choose the quotes of one month at a time.", messages.WARNING)
            return None
        return self._quotes_page(request, queryset.get(), action="choose_quotes")

    def get_urls(self):
        quotes = path(
            "<int:report_id>/quotes/",
            self.admin_site.admin_view(self.quotes_view),
            name="stats_monthlyreport_quotes",
        )
        return [quotes, *super().get_urls()]

    def quotes_view(self, request: HttpRequest, report_id: int) -> HttpResponse:
        """The quotes of one month on a page of its own, linked from the report's page; back there when done."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        return cached_staff_page(self._quotes_of)(request, report_id)

    def _quotes_of(self, request: HttpRequest, report_id: int) -> HttpResponse:
        report = MonthlyReport.objects.defer("pdf").filter(pk=report_id).first()
        if report is None:
            self.message_user(request, "That monthly report does not exist.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:stats_monthlyreport_changelist"))
        return self._quotes_page(request, report)

    def _quotes_page(self, request: HttpRequest, report: MonthlyReport, *, action: str = "") -> HttpResponse | None:
        candidates = list(selectors.quote_candidates(report.month))
        chosen = [pk for pk in (quote.get("response_id") for quote in report.quotes) if pk]
        submitted = request.POST if "apply" in request.POST else None
        form = QuotesForm(submitted, candidates=candidates, chosen=chosen or None)
        report_page = reverse("stats_reports:detail", args=[f"{report.month:%Y-%m}"])
        if form.is_bound and form.is_valid():
            try:
                services.report_quotes_set(report=report, response_ids=form.cleaned_data["responses"], by=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                count = len(form.cleaned_data["responses"])
                self.message_user(
                    request, f"{count} quote{'s' if count != 1 else ''} in the report for {report.month:%B %Y}."
                )
                return None if action else HttpResponseRedirect(report_page)
        intro = [
            f"Answers to the open questions of {report.month:%B %Y}'s surveys. Avoid any answer that names someone."
        ]
        if not candidates:
            intro.append("No survey of this month has a written answer.")
        page = _form_page(
            self,
            request,
            form=form,
            title=f"Choose quotes for {report.month:%B %Y}",
            intro=intro,
            submit_label="Put these quotes in the report",
            action=action,
            selected=[report] if action else [],
        )
        if not action:
            page.context_data.update(
                {"back_url": report_page, "back_label": "Back to the report", "crumb_label": f"{report.month:%B %Y}"}
            )
        return page


@admin.register(SurveysSent)
class SurveysSentAdmin(admin.ModelAdmin):
    list_display = ["month", "kind", "channel", "service_area", "service_type", "program", "branch", "count"]
    list_filter = ["kind", "channel", "service_area", "month"]
    list_select_related = ["service_type", "program", "branch"]
    fields = ["kind", "channel", "service_area", "service_type", "program", "branch", "month", "count"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["month", "kind", "service_area", "service_type", "program", "learned", "confident", "answered_in"]
    list_filter = ["kind", "service_area", "month"]
    list_select_related = ["service_type", "program"]
    readonly_fields = [
        "kind",
        "service_area",
        "service_type",
        "program",
        "branch",
        "month",
        "learned",
        "confident",
        "intend_to_apply",
        "more_aware",
        "liked_most",
        "could_do_better",
        "applied",
        "changed_something",
        "used_other_resources",
        "answered_in",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
