"""The coordinator's staffing admin: thin classes whose writes with rules go through staffing.services."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from makerlab.formatting import clock_span, count_text, day_text, when_text
from makerlab.validators import ascii_id
from staffing import services
from staffing.admin_forms import (
    ActionForm,
    AssignmentInlineForm,
    AssignmentInlineFormSet,
    AvailabilityInlineFormSet,
    CopyWeekForm,
    GenerateShiftsForm,
    HoursEntryAdminForm,
    OverrideReasonForm,
    QualificationInlineForm,
    QualificationInlineFormSet,
    ShiftAdminForm,
    SkillAdminForm,
    StaffMemberAdminForm,
    TimeOffAdminForm,
)
from staffing.models import (
    EMPLOYEE_KINDS,
    Assignment,
    Availability,
    DecisionStatus,
    HoursEntry,
    Qualification,
    Shift,
    ShiftChange,
    ShiftInvitation,
    ShiftPattern,
    Skill,
    StaffMember,
    TimeOff,
    qualifications_valid_on,
)
from staffing.selectors import WarningChecker, week_start_of


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _action_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form: ActionForm,
    action: str,
    intro: list[str],
) -> TemplateResponse:
    """An admin action's intermediate page: a small form, posted back to the same action with the selection."""
    opts = modeladmin.model._meta
    return TemplateResponse(
        request,
        "admin/makerlab/form_page.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": form.title,
            "subtitle": None,
            "intro": intro,
            "form": form,
            "action": action,
            "submit_label": form.submit_label,
            "selected": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": opts,
            "media": form.media,
        },
    )


def _shift_text(shift: Shift) -> str:
    """A shift as the lists say it: "1-on-1 help desk, Tuesday 12 January, 2:00 to 4:00 p.m."."""
    when = when_text(shift.starts_at, shift.ends_at, zone=shift.branch.zone, today=timezone.localdate())
    return f"{shift.get_role_display()}, {when}"


class _NamedCheckboxMixin:
    """The row's tick box is named for screen readers by ``checkbox_name`` (Django uses ``str()``)."""

    def checkbox_name(self, obj) -> str:
        return str(obj)

    def action_checkbox(self, obj) -> str:
        label = format_html("Select this object for an action - {}", self.checkbox_name(obj))
        checkbox = forms.CheckboxInput({"class": "action-select", "aria-label": label}, lambda value: False)
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))


def _staff_member_filter(path: str, title: str = "person") -> type[admin.SimpleListFilter]:
    """A list filter on a StaffMember relation whose choices cost one query, whatever the number of people.

    Django's related-field filter calls str() on each person, which reads their login one query at a time.
    """

    class StaffMemberFilter(admin.SimpleListFilter):
        parameter_name = f"{path}__id__exact"

        def lookups(self, request, model_admin):
            return [(str(person.pk), str(person)) for person in StaffMember.objects.select_related("user")]

        def queryset(self, request, queryset):
            if not self.value():
                return queryset
            chosen = ascii_id(self.value())
            return queryset.none() if chosen is None else queryset.filter(**{f"{path}_id": chosen})

    StaffMemberFilter.title = title
    return StaffMemberFilter


class SkillFilter(admin.SimpleListFilter):
    """People who hold a skill today (granted, not expired): those a shift needing it may take."""

    title = "skill held today"
    parameter_name = "skill"

    def lookups(self, request, model_admin):
        return [(str(skill.pk), skill.name) for skill in Skill.objects.all()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        skill = ascii_id(self.value())
        if skill is None:
            return queryset.none()
        held = Q(qualifications__skill_id=skill) & qualifications_valid_on(
            timezone.localdate(), path="qualifications__"
        )
        return queryset.filter(held).distinct()


class QualificationInline(admin.TabularInline):
    model = Qualification
    form = QualificationInlineForm
    formset = QualificationInlineFormSet
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("staff_member__user", "skill")


class AvailabilityInline(admin.TabularInline):
    model = Availability
    formset = AvailabilityInlineFormSet
    extra = 0
    verbose_name = "weekly availability window"
    verbose_name_plural = "weekly availability (in the branch's local time)"


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    form = StaffMemberAdminForm
    list_display = ["name", "username", "kind", "is_minor", "skills", "weekly_hour_limit", "is_active"]
    list_filter = ["kind", "is_active", SkillFilter]
    list_select_related = ["user"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "school"]
    inlines = [QualificationInline, AvailabilityInline]
    fieldsets = [
        (None, {"fields": ["user", "kind", "is_active"]}),
        ("Volunteers and students", {"fields": ["date_of_birth", "school", "coop_agreement_hours"]}),
        ("In an emergency", {"fields": ["emergency_contact_name", "emergency_contact_phone"]}),
        ("Scheduling", {"fields": ["weekly_hour_limit"]}),
    ]
    actions = ["reset_calendar_links"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("qualifications", queryset=Qualification.objects.select_related("skill")))
        )

    @admin.display(description="name", ordering="user__last_name")
    def name(self, obj: StaffMember) -> str:
        return str(obj)

    @admin.display(description="login", ordering="user__username")
    def username(self, obj: StaffMember) -> str:
        return obj.user.get_username()

    @admin.display(description="under 18", boolean=True)
    def is_minor(self, obj: StaffMember) -> bool | None:
        return obj.is_minor_on(timezone.localdate()) if obj.date_of_birth else None

    @admin.display(description="skills")
    def skills(self, obj: StaffMember) -> str:
        today = timezone.localdate()
        return ", ".join(q.skill.name for q in obj.qualifications.all() if q.is_valid_on(today))

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not Availability:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # records what changed for the history; the service writes
        services.availability_set(staff_member=form.instance, windows=formset.windows())
        return None

    @admin.action(description="Reset the calendar links of the selected people", permissions=["change"])
    def reset_calendar_links(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for staff_member in queryset:
            services.calendar_token_reset(staff_member=staff_member)
            count += 1
        self.message_user(request, f"{count} calendar links reset; the old addresses no longer work.")


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    form = SkillAdminForm
    list_display = ["name", "description", "counts_for_community_hours", "holders"]
    list_filter = ["counts_for_community_hours"]
    search_fields = ["name", "description"]
    readonly_fields = ["held_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        held_today = qualifications_valid_on(timezone.localdate(), path="qualifications__") & Q(
            qualifications__staff_member__is_active=True
        )
        return super().get_queryset(request).annotate(holder_count=Count("qualifications", filter=held_today))

    def get_fields(self, request: HttpRequest, obj: Skill | None = None) -> list[str]:
        fields = ["name", "description", "counts_for_community_hours"]
        return [*fields, "held_by"] if obj is not None else fields

    @admin.display(description="held today by", ordering="holder_count")
    def holders(self, obj: Skill) -> str:
        query = urlencode({"is_active__exact": 1, "skill": obj.pk})
        url = f"{reverse('admin:staffing_staffmember_changelist')}?{query}"
        return format_html('<a href="{}">{}</a>', url, count_text(obj.holder_count, "person", "people"))

    @admin.display(description="who holds it")
    def held_by(self, obj: Skill) -> str:
        """Everyone with the skill, current or not, with when it expires: whom to ask, whom to retrain."""
        today = timezone.localdate()
        qualifications = (
            Qualification.objects.filter(skill=obj)
            .select_related("staff_member__user")
            .order_by("staff_member__user__last_name", "staff_member__user__first_name", "pk")
        )
        rows = [
            (
                reverse("admin:staffing_staffmember_change", args=[qualification.staff_member_id]),
                str(qualification.staff_member),
                _qualification_state(qualification, today=today),
            )
            for qualification in qualifications
        ]
        if not rows:
            return "Nobody yet. Add the skill to a person on their page."
        return format_html("<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a>: {}</li>', rows))


def _qualification_state(qualification: Qualification, *, today: dt.date) -> str:
    staff_member = qualification.staff_member
    if qualification.granted_on > today:
        state = f"From {day_text(qualification.granted_on, today=today)}"
    elif qualification.expires_on is None:
        state = "Does not expire"
    elif qualification.expires_on <= today:
        state = f"Expired {day_text(qualification.expires_on, today=today)}"
    else:
        state = f"Expires {day_text(qualification.expires_on, today=today)}"
    return state if staff_member.is_active else f"{state} (no longer active)"


@admin.register(ShiftPattern)
class ShiftPatternAdmin(_NamedCheckboxMixin, admin.ModelAdmin):
    list_display = ["role", "branch", "weekday", "times", "headcount", "skills", "is_active"]
    list_filter = ["branch", "role", "weekday", "is_active"]
    list_select_related = ["branch"]
    actions = ["generate_shifts"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("required_skills")

    def checkbox_name(self, obj: ShiftPattern) -> str:
        return f"{obj.get_role_display()}, {obj.get_weekday_display()} {self.times(obj)}"

    @admin.display(description="time", ordering="starts")
    def times(self, obj: ShiftPattern) -> str:
        return clock_span(obj.starts, obj.ends)

    @admin.display(description="people")
    def headcount(self, obj: ShiftPattern) -> str:
        return f"{obj.min_headcount} to {obj.max_headcount}"

    @admin.display(description="required skills")
    def skills(self, obj: ShiftPattern) -> str:
        return ", ".join(skill.name for skill in obj.required_skills.all())

    @admin.action(
        description="Generate shifts from the patterns of the selected patterns' branches…", permissions=["add"]
    )
    def generate_shifts(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        branches = list({pattern.branch_id: pattern.branch for pattern in queryset.select_related("branch")}.values())
        if "apply" in request.POST:
            form = GenerateShiftsForm(request.POST)
            if form.is_valid():
                for branch in branches:
                    try:
                        created = services.shifts_generate(
                            branch=branch,
                            first_day=form.cleaned_data["first_day"],
                            last_day=form.cleaned_data["last_day"],
                            publish=form.cleaned_data["publish"],
                        )
                    except ValidationError as error:
                        form.add_error(None, error)
                        break
                    self.message_user(
                        request,
                        f"{created} shifts created at {branch} from its active patterns "
                        f"({form.cleaned_data['first_day']:%d %B %Y} to {form.cleaned_data['last_day']:%d %B %Y}); "
                        "days it is closed were skipped and shifts already there were kept.",
                    )
                else:
                    return None
        else:
            monday = week_start_of(timezone.localdate()) + dt.timedelta(days=7)
            form = GenerateShiftsForm(initial={"first_day": monday, "last_day": monday + dt.timedelta(days=27)})
        names = ", ".join(str(branch) for branch in branches)
        return _action_page(
            self,
            request,
            queryset,
            form=form,
            action="generate_shifts",
            intro=[f"Shifts are made from every active weekly pattern at {names}, for each day it is open."],
        )


class AssignmentInline(admin.TabularInline):
    model = Assignment
    form = AssignmentInlineForm
    formset = AssignmentInlineFormSet
    extra = 1
    fields = ["staff_member", "override_reason", "overridden", "checked_in_at", "checked_out_at"]
    readonly_fields = ["overridden", "checked_in_at", "checked_out_at"]
    verbose_name = "person on this shift"
    verbose_name_plural = "people on this shift"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("staff_member__user", "shift__branch", "overridden_by")

    @admin.display(description="overridden warnings")
    def overridden(self, obj: Assignment) -> str:
        if not obj.pk or not obj.overridden_warnings:
            return "—"
        by = f" by {obj.overridden_by}" if obj.overridden_by else ""
        return f"{', '.join(obj.overridden_warnings)}{by}"


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "Upcoming"), ("this_week", "This week"), ("next_week", "Next week"), ("past", "Past")]

    def queryset(self, request, queryset):
        monday = week_start_of(timezone.localdate())
        zone = timezone.get_current_timezone()

        def at(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(), tzinfo=zone)

        if self.value() == "upcoming":
            return queryset.filter(ends_at__gt=timezone.now())
        if self.value() == "past":
            return queryset.filter(ends_at__lte=timezone.now())
        if self.value() == "this_week":
            return queryset.filter(starts_at__gte=at(monday), starts_at__lt=at(monday + dt.timedelta(days=7)))
        if self.value() == "next_week":
            return queryset.filter(
                starts_at__gte=at(monday + dt.timedelta(days=7)), starts_at__lt=at(monday + dt.timedelta(days=14))
            )
        return queryset


class CoverageFilter(admin.SimpleListFilter):
    title = "coverage"
    parameter_name = "coverage"

    def lookups(self, request, model_admin):
        return [("short", "Needs more people"), ("no_staff", "No staff member on it"), ("covered", "Enough people")]

    def queryset(self, request, queryset):
        if self.value() == "short":
            return queryset.filter(filled__lt=F("min_headcount"))
        if self.value() == "covered":
            return queryset.filter(filled__gte=F("min_headcount"))
        if self.value() == "no_staff":
            return queryset.exclude(assignments__staff_member__kind__in=EMPLOYEE_KINDS)
        return queryset


@admin.register(Shift)
class ShiftAdmin(_NamedCheckboxMixin, admin.ModelAdmin):
    form = ShiftAdminForm
    list_display = ["when", "role", "branch", "headcount", "warning_count", "is_published"]
    list_filter = [WhenFilter, "branch", "role", "is_published", CoverageFilter]
    list_select_related = ["branch"]
    search_fields = [
        "notes",
        "assignments__staff_member__user__first_name",
        "assignments__staff_member__user__last_name",
        "assignments__staff_member__user__username",
    ]
    date_hierarchy = "starts_at"
    inlines = [AssignmentInline]
    readonly_fields = ["pattern", "conflicts"]
    fieldsets = [
        (None, {"fields": ["branch", "role", "starts_at", "ends_at", "notes", "is_published", "pattern"]}),
        ("People", {"fields": ["min_headcount", "max_headcount", "required_skills", "conflicts"]}),
    ]
    actions = ["publish", "copy_week"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # A shift someone checked in to is a record of their hours: it stays.
        if obj is not None and obj.assignments.filter(checked_in_at__isnull=False).exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(filled=Count("assignments"))

    def get_changelist_instance(self, request: HttpRequest):
        """Warnings for the whole page from one WarningChecker: a fixed number of queries, not one per shift."""
        changelist = super().get_changelist_instance(request)
        shifts = list(changelist.result_list)
        prefetch_related_objects(
            shifts,
            "required_skills",
            Prefetch("assignments", queryset=Assignment.objects.select_related("staff_member__user")),
        )
        people = {a.staff_member_id: a.staff_member for shift in shifts for a in shift.assignments.all()}
        checker = WarningChecker(people=people.values(), shifts=shifts)
        for shift in shifts:
            skills = list(shift.required_skills.all())
            shift.open_warnings = sum(
                1
                for a in shift.assignments.all()
                for w in checker.warnings(shift=shift, staff_member=a.staff_member, required_skills=skills)
                if w.code not in a.overridden_warnings
            )
        return changelist

    def checkbox_name(self, obj: Shift) -> str:
        return _shift_text(obj)

    @admin.display(description="when", ordering="starts_at")
    def when(self, obj: Shift) -> str:
        return when_text(obj.starts_at, obj.ends_at, zone=obj.branch.zone, today=timezone.localdate())

    @admin.display(description="people (fewest to most)", ordering="filled")
    def headcount(self, obj: Shift) -> str:
        return f"{obj.filled} of {obj.min_headcount} to {obj.max_headcount}"

    @admin.display(description="warnings")
    def warning_count(self, obj: Shift) -> int | str:
        return getattr(obj, "open_warnings", "")

    @admin.display(description="conflicts and gaps")
    def conflicts(self, obj: Shift) -> str:
        if not obj.pk:
            return "Shown once the shift is saved."
        assignments = list(obj.assignments.select_related("staff_member__user", "overridden_by"))
        skills = list(obj.required_skills.all())
        checker = WarningChecker(people=[a.staff_member for a in assignments], shifts=[obj])
        lines = []
        for assignment in assignments:
            for warning in checker.warnings(shift=obj, staff_member=assignment.staff_member, required_skills=skills):
                if warning.code in assignment.overridden_warnings:
                    by = f" by {assignment.overridden_by}" if assignment.overridden_by else ""
                    lines.append(f"{warning.message} Overridden{by}: {assignment.override_reason}")
                else:
                    lines.append(warning.message)
        if len(assignments) < obj.min_headcount:
            lines.append(f"Needs {obj.min_headcount - len(assignments)} more people to reach its fewest.")
        if not lines:
            return "None."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

    def save_model(self, request: HttpRequest, obj: Shift, form, change: bool) -> None:
        # The form has run services.shift_check; a move also carries the people's times, so it is the service's.
        if change and {"starts_at", "ends_at"} & set(form.changed_data):
            starts_at, ends_at = obj.starts_at, obj.ends_at
            try:
                services.shift_move(shift=obj, starts_at=starts_at, ends_at=ends_at)
            except ValidationError as error:
                saved = Shift.objects.get(pk=obj.pk)
                obj.starts_at, obj.ends_at = saved.starts_at, saved.ends_at
                self.message_user(request, f"The shift's time was not changed: {_errors(error)}", messages.ERROR)
        obj.save()

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not Assignment:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # records what changed for the history; the services write
        for assignment in formset.deleted_objects:
            try:
                services.assignment_remove(assignment=assignment)
            except ValidationError as error:
                self.message_user(request, f"{assignment.staff_member}: {_errors(error)}", messages.ERROR)
        newcomers = [
            services.Newcomer(new_form.cleaned_data["staff_member"], new_form.cleaned_data.get("override_reason", ""))
            for new_form in formset.new_forms()
        ]
        created = []
        if newcomers:
            try:
                created = services.assignments_create(shift=form.instance, newcomers=newcomers, by=request.user)
            except ValidationError as error:
                # Only when the data changed since the form was checked (someone else was quicker).
                self.message_user(request, f"Nobody new was put on the shift: {_errors(error)}", messages.ERROR)
        formset.new_objects = created
        return None

    @admin.action(description="Publish the selected shifts", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.shifts_publish(shift_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} shifts published; the people on them can now see them.")

    @admin.action(description="Copy the selected shifts' week to another week…", permissions=["add"])
    def copy_week(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        shifts = list(queryset.select_related("branch").order_by("starts_at"))
        branches = list({shift.branch_id: shift.branch for shift in shifts}.values())
        if "apply" in request.POST:
            form = CopyWeekForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                for branch in branches:
                    try:
                        result = services.shifts_copy_week(
                            branch=branch,
                            from_week=data["from_week"],
                            to_week=data["to_week"],
                            with_people=data["with_people"],
                        )
                    except ValidationError as error:
                        form.add_error(None, error)
                        break
                    self.message_user(
                        request,
                        f"{result.shifts} shifts copied at {branch} from the week of {data['from_week']:%d %B %Y} to "
                        f"the week of {data['to_week']:%d %B %Y}. The copies are not published yet; days the branch "
                        "is closed and shifts already there were skipped.",
                    )
                    if result.people_left_out:
                        self.message_user(
                            request,
                            "Not copied, because a scheduling rule would be broken in the new week: "
                            + "; ".join(result.people_left_out)
                            + ". Add them on the shift with an override reason if they should stay.",
                            messages.WARNING,
                        )
                else:
                    return None
        else:
            first = shifts[0].starts_at.astimezone(shifts[0].branch.zone).date()
            monday = week_start_of(first)
            form = CopyWeekForm(initial={"from_week": monday, "to_week": monday + dt.timedelta(days=7)})
        names = ", ".join(str(branch) for branch in branches)
        return _action_page(
            self,
            request,
            queryset,
            form=form,
            action="copy_week",
            intro=[f"Every shift of the week at {names} is copied, not only the selected ones."],
        )


class DecisionAdmin(admin.ModelAdmin):
    """Requests the coordinator approves or declines: editable while pending, read-only once decided."""

    decided_fields = ["status", "decided_by", "decided_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        if obj is not None and obj.status != DecisionStatus.PENDING:
            return [*self.form._meta.fields, *self.decided_fields]
        return self.decided_fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.status != DecisionStatus.PENDING:
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def _adopt(obj, created) -> None:
        """Make the admin's unsaved object the one the service created, for the admin's messages and history."""
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db


@admin.register(TimeOff)
class TimeOffAdmin(DecisionAdmin):
    form = TimeOffAdminForm
    list_display = ["staff_member", "first_day", "last_day", "reason", "status", "decided_by"]
    list_filter = ["status", _staff_member_filter("staff_member")]
    list_select_related = ["staff_member__user", "decided_by"]
    search_fields = ["staff_member__user__first_name", "staff_member__user__last_name", "reason"]
    date_hierarchy = "first_day"
    actions = ["approve", "decline"]

    def save_model(self, request: HttpRequest, obj: TimeOff, form, change: bool) -> None:
        if change:
            obj.save()
            return
        self._adopt(
            obj,
            services.time_off_request(
                staff_member=obj.staff_member, first_day=obj.first_day, last_day=obj.last_day, reason=obj.reason
            ),
        )

    @admin.action(description="Approve the selected time off", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.time_off_decide(
            time_off_ids=queryset.values_list("pk", flat=True), approve=True, by=request.user
        )
        self.message_user(
            request, f"{count} time-off requests approved (requests already decided, and your own, were left alone)."
        )

    @admin.action(description="Decline the selected time off", permissions=["change"])
    def decline(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.time_off_decide(
            time_off_ids=queryset.values_list("pk", flat=True), approve=False, by=request.user
        )
        self.message_user(
            request, f"{count} time-off requests declined (requests already decided, and your own, were left alone)."
        )


@admin.register(HoursEntry)
class HoursEntryAdmin(DecisionAdmin):
    form = HoursEntryAdminForm
    list_display = ["staff_member", "day", "hours", "activity", "counts_for_community_hours", "source", "status"]
    list_filter = ["status", "counts_for_community_hours", "source", _staff_member_filter("staff_member")]
    list_select_related = ["staff_member__user"]
    search_fields = ["staff_member__user__first_name", "staff_member__user__last_name", "activity"]
    date_hierarchy = "day"
    actions = ["approve", "decline"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "source", "assignment"]

    def save_model(self, request: HttpRequest, obj: HoursEntry, form, change: bool) -> None:
        if change:
            obj.save()
            return
        self._adopt(
            obj,
            services.hours_log(
                staff_member=obj.staff_member,
                day=obj.day,
                hours=obj.hours,
                activity=obj.activity,
                counts_for_community_hours=obj.counts_for_community_hours,
            ),
        )

    @admin.action(description="Approve the selected hours", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.hours_decide(entry_ids=queryset.values_list("pk", flat=True), approve=True, by=request.user)
        self.message_user(
            request, f"{count} hours entries approved (entries already decided, and your own, were left alone)."
        )

    @admin.action(description="Decline the selected hours", permissions=["change"])
    def decline(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.hours_decide(entry_ids=queryset.values_list("pk", flat=True), approve=False, by=request.user)
        self.message_user(
            request, f"{count} hours entries declined (entries already decided, and your own, were left alone)."
        )


@admin.register(ShiftChange)
class ShiftChangeAdmin(_NamedCheckboxMixin, admin.ModelAdmin):
    """Shifts given up and claimed: read here, decided by the actions."""

    list_display = ["shift", "offered_by", "claimed_by", "status", "offered_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["assignment__shift__branch", "offered_by__user", "claimed_by__user", "decided_by"]
    search_fields = [
        "offered_by__user__first_name",
        "offered_by__user__last_name",
        "claimed_by__user__first_name",
        "claimed_by__user__last_name",
    ]
    fields = [
        "shift",
        "offered_by",
        "note",
        "offered_at",
        "claimed_by",
        "claimed_at",
        "status",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = fields
    actions = ["approve", "approve_with_override", "decline"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def checkbox_name(self, obj: ShiftChange) -> str:
        return f"{_shift_text(obj.assignment.shift)}, offered by {obj.offered_by} ({obj.get_status_display()})"

    @admin.display(description="shift", ordering="assignment__shift__starts_at")
    def shift(self, obj: ShiftChange) -> str:
        return f"{_shift_text(obj.assignment.shift)}, at {obj.assignment.shift.branch}"

    def _decide(self, request: HttpRequest, queryset: QuerySet, *, approve: bool, override_reason: str = "") -> None:
        done = 0
        for change in queryset.filter(status=ShiftChange.Status.CLAIMED).select_related("claimed_by__user"):
            try:
                services.shift_change_decide(
                    change=change, approve=approve, by=request.user, override_reason=override_reason
                )
            except services.AssignmentWarnings as error:
                self.message_user(
                    request,
                    f"{change.claimed_by} was not approved for {change.assignment.shift}: {_errors(error)} "
                    "To approve anyway, use “Approve, overriding warnings”.",
                    messages.WARNING,
                )
                continue
            except ValidationError as error:
                self.message_user(request, f"{change}: {_errors(error)}", messages.ERROR)
                continue
            done += 1
        verb = "approved" if approve else "declined (the shifts are offered again)"
        self.message_user(request, f"{done} claimed shifts {verb}. Only claimed shifts can be decided.")

    @admin.action(description="Approve the selected claims", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Approve the selected claims, overriding warnings…", permissions=["change"])
    def approve_with_override(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = OverrideReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._decide(request, queryset, approve=True, override_reason=form.cleaned_data["override_reason"])
            return None
        return _action_page(
            self,
            request,
            queryset,
            form=form,
            action="approve_with_override",
            intro=["Each claim is approved; where it breaks a scheduling rule, the reason below is recorded."],
        )

    @admin.action(description="Decline the selected claims", permissions=["change"])
    def decline(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, approve=False)


@admin.register(ShiftInvitation)
class ShiftInvitationAdmin(admin.ModelAdmin):
    """Short shifts the coordinator offered to one person from the week schedule, and their answers: read-only."""

    list_display = ["shift_when", "staff_member", "status", "offered_at", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["shift__branch", "staff_member__user"]
    search_fields = ["staff_member__user__first_name", "staff_member__user__last_name"]
    fields = ["shift_when", "staff_member", "offered_by", "status", "offered_at", "answered_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ShiftInvitation | None = None) -> bool:
        return False

    @admin.display(description="shift", ordering="shift__starts_at")
    def shift_when(self, obj: ShiftInvitation) -> str:
        return f"{_shift_text(obj.shift)}, at {obj.shift.branch}"
