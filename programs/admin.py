"""The coordinator's programs admin: partner sites, programs with their sessions, registrants, attendance.

Registrations are made through the registration service (online, or by staff over capacity with a
reason), never added here; cancelling is an action that calls ``registration_cancel``, so freed places
go to the waitlist by the same rules wherever it happens. Likewise a session is cancelled or moved, and
registrants are emailed, only through ``programs.services.messaging``, so nobody registered is left uninformed.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from makerlab.exports import csv_lines
from makerlab.formatting import count_text, moment_text, when_text
from makerlab.forms import add_service_error
from programs import images
from programs.models import (
    Attendance,
    Headcount,
    Participant,
    PartnerSite,
    Program,
    ProgramMessage,
    Registration,
    RegistrationEvent,
    Session,
)
from programs.notifications import program_zone
from programs.services import messaging, term
from programs.services.registration import (
    program_capacity_change,
    program_capacity_check,
    program_picture_update,
    registration_cancel,
)
from staffing.admin_forms import ActionForm, TabularInlineFormSet, label_split_date_time


@admin.register(PartnerSite)
class PartnerSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "city"]
    search_fields = ["name", "organisation", "city"]


def _session_when(session: Session, program: Program) -> str:
    return when_text(session.starts_at, session.ends_at, zone=program_zone(program))


def date_range_text(first: dt.date, last: dt.date) -> str:
    """ "12 January to 23 March 2027", "29 December 2026 to 5 January 2027", or one day: "4 May 2027"."""
    if first == last:
        return date_format(first, "j F Y")
    if first.year == last.year:
        return f"{date_format(first, 'j F')} to {date_format(last, 'j F Y')}"
    return f"{date_format(first, 'j F Y')} to {date_format(last, 'j F Y')}"


def _may_change_programs(request: HttpRequest) -> bool:
    return request.user.has_perm("programs.change_program")


def _session_links(session: Session) -> str:
    if session.is_cancelled:
        return f"Cancelled: {session.cancellation_reason}"
    return format_html(
        '<a href="{}">Move</a> · <a href="{}">Cancel</a>',
        reverse("admin:programs_session_move", args=[session.pk]),
        reverse("admin:programs_session_cancel", args=[session.pk]),
    )


class SessionInlineFormSet(TabularInlineFormSet):
    """A program's sessions: a new time for a session people registered for goes through ``session_move``, and
    a session added once people registered goes through ``session_add``.

    The checks run here so a refused time shows on the row and nothing is saved; ``ProgramAdmin.save_formset``
    then moves or adds those sessions through the services, which email the registrants.
    """

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or not self.instance.pk:
            return
        existing = [form for form in self.forms if form.instance.pk]
        originals = Session.objects.in_bulk([form.instance.pk for form in existing])
        has_registrants = Registration.objects.filter(
            program=self.instance, status__in=messaging.TOLD_OF_CHANGES
        ).exists()
        now = timezone.now()
        if has_registrants:
            self._check_added(now)
        for form in existing:
            original = originals.get(form.instance.pk)
            if original is None:
                continue
            if self._should_delete_form(form):
                # The formset ignores the errors of a row marked for deletion, so this one is the formset's.
                if has_registrants and not original.is_cancelled:
                    raise ValidationError(
                        f"People are registered for the session on {_session_when(original, self.instance)}: "
                        "cancel it instead (use its Cancel link), so they are told why.",
                        code="has_registrants",
                    )
                continue
            if not {"starts_at", "ends_at"} & set(form.changed_data):
                continue
            if original.is_cancelled:
                form.add_error(None, "This session is cancelled, so its time cannot change.")
            elif has_registrants:
                original.program = self.instance
                try:
                    messaging.session_move_check(
                        session=original,
                        starts_at=form.cleaned_data["starts_at"],
                        ends_at=form.cleaned_data["ends_at"],
                        now=now,
                    )
                except ValidationError as error:
                    add_service_error(form, error)
                else:
                    form.moves_through_service = True

    def _check_added(self, now) -> None:
        for form in self.forms:
            if form.instance.pk or not form.has_changed() or self._should_delete_form(form):
                continue
            try:
                messaging.session_add_check(
                    program=self.instance,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    now=now,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                form.adds_through_service = True


class SessionInline(admin.TabularInline):
    model = Session
    formset = SessionInlineFormSet
    extra = 0
    fields = ["starts_at", "ends_at", "changes"]
    readonly_fields = ["changes"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Each row's heading names the session with its program: fetched with it, not once per row.
        return super().get_queryset(request).select_related("program")

    @admin.display(description="Cancel or move (registrants are emailed)")
    def changes(self, obj: Session) -> str:
        return _session_links(obj) if obj.pk else ""


class DuplicateForm(ActionForm):
    title = "Duplicate for a new term"
    submit_label = "Make the copies"

    weeks = forms.IntegerField(
        label="Move the sessions by this many weeks",
        min_value=1,
        max_value=term.MAX_WEEKS,
        initial=12,
        help_text="The copies are unpublished; check them, then publish.",
    )


class ProgramAdminForm(forms.ModelForm):
    image = images.PreparedImageField(
        label=Program._meta.get_field("image").verbose_name.capitalize(),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=Program._meta.get_field("image").help_text,
    )

    class Meta:
        model = Program
        fields = ["image", "image_alt"]  # the admin adds the rest from ProgramAdmin.fieldsets

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # What was stored before this change, so its files can be removed once the new picture is saved.
        self.previous_image = self.instance.image.name or ""
        self.previous_renditions = list(self.instance.image_renditions or [])

    def clean(self) -> dict:
        cleaned = super().clean()
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity is not None and "capacity" in self.changed_data:
            try:
                program_capacity_check(program=self.instance, capacity=capacity)
            except ValidationError as error:
                self.add_error("capacity", error)
        return cleaned


class ProgramChangeList(ChangeList):
    """Runs of one program share a title: unless a column is chosen, the earlier run comes first and those with
    no sessions yet last (the ordering needs the list's annotations, so it is not the admin's ``ordering``)."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet) -> list:
        if ORDER_VAR in request.GET:
            return super().get_ordering(request, queryset)
        return ["title", F("first_session").asc(nulls_last=True), "pk"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    form = ProgramAdminForm
    list_display = [
        "title",
        "dates",
        "next_session",
        "category",
        "audience",
        "place",
        "session_count",
        "registrants",
        "is_published",
    ]
    list_filter = ["category", "audience", "is_published", "branch"]
    list_select_related = ["branch", "partner_site"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SessionInline]
    actions = ["duplicate", "email_registrants"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "description",
                    "category",
                    "audience",
                    "is_published",
                    "grants_seed_orientation",
                ]
            },
        ),
        ("Picture", {"fields": ["image", "image_alt"]}),
        ("Who", {"fields": ["min_age", "max_age", "guardian_may_stay", "facilitators"]}),
        ("Where", {"fields": ["branch", "room", "partner_site", "equipment", "accessibility", "materials"]}),
        (
            "Registration",
            {
                "fields": [
                    "registration_required",
                    "capacity",
                    "waitlist_capacity",
                    "places_per_registration",
                    "registration_opens_at",
                    "registration_closes_at",
                    "automatic_enrolment",
                    "offer_hours",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        held = Q(sessions__cancelled_at__isnull=True)
        return (
            super()
            .get_queryset(request)
            .annotate(
                session_total=Count("sessions", distinct=True),
                held=Count("registrations", filter=Q(registrations__status__in=Registration.ACTIVE), distinct=True),
                first_session=Min("sessions__starts_at", filter=held),
                last_session=Max("sessions__starts_at", filter=held),
                next_session_at=Min("sessions__starts_at", filter=held & Q(sessions__starts_at__gte=timezone.now())),
            )
        )

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return ProgramChangeList

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "facilitators":
            kwargs["queryset"] = db_field.remote_field.model.objects.select_related("user")
        if db_field.name in ("facilitators", "equipment"):
            # Tick boxes, not the two-list chooser: its search icons carry ARIA that screen readers reject.
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("registration_opens_at", "registration_closes_at") and field is not None:
            label_split_date_time(field)
        return field

    @admin.display(description="dates", ordering="first_session")
    def dates(self, obj: Program) -> str:
        if obj.first_session is None:
            return "No sessions yet"
        zone = program_zone(obj)
        return date_range_text(obj.first_session.astimezone(zone).date(), obj.last_session.astimezone(zone).date())

    @admin.display(description="next session", ordering="next_session_at")
    def next_session(self, obj: Program) -> str:
        if obj.next_session_at is None:
            return "None to come"
        return moment_text(obj.next_session_at, zone=program_zone(obj), today=timezone.localdate())

    @admin.display(description="where")
    def place(self, obj: Program) -> str:
        return str(obj.branch or obj.partner_site)

    @admin.display(description="sessions", ordering="session_total")
    def session_count(self, obj: Program) -> int:
        return obj.session_total

    @admin.display(description="registrants")
    def registrants(self, obj: Program) -> str:
        url = reverse("admin:programs_registration_changelist") + f"?program__id__exact={obj.pk}"
        return format_html('<a href="{}">{} active</a>', url, obj.held)

    def get_urls(self):
        return [
            path(
                "<int:pk>/email/",
                self.admin_site.admin_view(self.email_view),
                name="programs_program_email",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Program, form, change: bool) -> None:
        changes_capacity = change and "capacity" in form.changed_data
        capacity = obj.capacity
        if changes_capacity:
            obj.capacity = form.initial["capacity"]  # the service changes it, with the program locked
        super().save_model(request, obj, form, change)
        if changes_capacity:
            try:
                moved = program_capacity_change(program=obj, capacity=capacity)
            except ValidationError as error:
                # Only when registrations came in since the form was checked.
                self.message_user(request, f"The capacity was not changed: {' '.join(error.messages)}", messages.ERROR)
            else:
                obj.capacity = capacity
                if moved:
                    waiting = count_text(len(moved), "registration")
                    self.message_user(request, f"The places added went to the waitlist: {waiting} were emailed.")
        if "image" in form.changed_data:
            upload = form.cleaned_data.get("image")
            program_picture_update(
                program=obj,
                prepared=getattr(upload, "prepared", None),
                previous_image=form.previous_image,
                previous_renditions=form.previous_renditions,
            )

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not Session:
            return super().save_formset(request, form, formset, change)
        moving = [f for f in formset.forms if getattr(f, "moves_through_service", False)]
        moving_ids = {f.instance.pk for f in moving}
        adding = [f for f in formset.forms if getattr(f, "adds_through_service", False)]
        for session in formset.save(commit=False):
            if session.pk is None and any(f.instance is session for f in adding):
                continue
            if session.pk not in moving_ids:
                session.save()
        for session_form in adding:
            new_session, sent = messaging.session_add(
                program=form.instance,
                starts_at=session_form.cleaned_data["starts_at"],
                ends_at=session_form.cleaned_data["ends_at"],
                by=request.user,
            )
            when = _session_when(new_session, form.instance)
            self.message_user(request, f"Session on {when} added; {sent} registrations were told of it.")
        for session in formset.deleted_objects:
            session.delete()
        for session_form in moving:
            session = session_form.instance
            try:
                sent = messaging.session_move(
                    session=session,
                    starts_at=session_form.cleaned_data["starts_at"],
                    ends_at=session_form.cleaned_data["ends_at"],
                    by=request.user,
                )
            except ValidationError as error:
                self.message_user(request, f"The session was not moved: {' '.join(error.messages)}", messages.ERROR)
            else:
                when = _session_when(Session.objects.get(pk=session.pk), form.instance)
                self.message_user(request, f"Session moved to {when}; {sent} registrations were emailed.")
        return None

    @admin.action(description="Email the registrants of the selected program", permissions=["change"])
    def email_registrants(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        programs = list(queryset.values_list("pk", flat=True)[:2])
        if len(programs) != 1:
            self.message_user(request, "Choose one program at a time to email its registrants.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:programs_program_email", args=[programs[0]]))

    def email_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        program = get_object_or_404(Program.objects.select_related("branch", "partner_site"), pk=pk)
        if not self.has_change_permission(request, program) or not request.user.has_perm("programs.add_programmessage"):
            raise PermissionDenied
        counts = Registration.objects.filter(program=program).aggregate(
            holding=Count("pk", filter=Q(status__in=Registration.HOLDING_PLACES)),
            waiting=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
        )
        form = ProgramMessageForm(request.POST or None, program=program, counts=counts)
        if request.method == "POST" and form.is_valid():
            try:
                message = messaging.program_message_send(
                    program=program,
                    session=form.cleaned_data["session"],
                    audience=form.cleaned_data["audience"],
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.message_user(request, f"Sent to {message.recipients} registrations.")
                return HttpResponseRedirect(reverse("admin:programs_program_change", args=[program.pk]))
        return _form_page(
            request,
            self,
            form=form,
            program=program,
            title="Email registrants",
            intro=[
                f"{program.title}: {counts['holding']} registrations hold places or offers, "
                f"{counts['waiting']} are on the waitlist.",
                "Each registration gets one email, with its private link. Write in plain language.",
            ],
            submit_label="Send the email",
        )

    @admin.action(description="Duplicate the selected programs for a new term", permissions=["add"])
    def duplicate(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        programs = list(queryset.select_related("branch").order_by("title"))
        form = DuplicateForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for program in programs:
                try:
                    copy = term.program_duplicate(program=program, weeks=form.cleaned_data["weeks"])
                except ValidationError as error:
                    self.message_user(request, f"{program}: {' '.join(error.messages)}", level=messages.WARNING)
                else:
                    self.message_user(request, f"{copy} made, unpublished.")
            return None
        return TemplateResponse(
            request,
            "admin/makerlab/form_page.html",
            {
                **self.admin_site.each_context(request),
                "title": form.title,
                "subtitle": None,
                "intro": [
                    "Each program is copied with its facilitators and sessions, unpublished. "
                    "Registrations stay with the old term."
                ],
                "form": form,
                "action": "duplicate",
                "submit_label": form.submit_label,
                "selected": programs,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
                "media": form.media,
            },
        )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ["first_name", "age", "is_child"]
    readonly_fields = fields


class RegistrationEventInline(ReadOnlyInline):
    model = RegistrationEvent
    fields = ["kind", "at"]
    readonly_fields = fields


# The roster CSV is for the coordinator and the facilitators running the program: it holds names,
# contact details, children's first names and ages, accommodations and photo consent, so it is
# personal information. Keep it off shared drives and delete it when the program ends.
CSV_HEADER = [
    "program",
    "registration",
    "status",
    "contact name",
    "email",
    "phone",
    "places",
    "participants (first name and age)",
    "accommodations",
    "photo consent",
]


def _participants(registration: Registration) -> str:
    return "; ".join(
        f"{p.first_name} ({p.age})" if p.age is not None else p.first_name for p in registration.participants.all()
    )


def _csv_rows(queryset: QuerySet):
    yield CSV_HEADER
    for registration in queryset.iterator(chunk_size=500):
        yield [
            registration.program.title,
            registration.pk,
            registration.get_status_display(),
            registration.contact_name,
            registration.contact_email,
            registration.contact_phone,
            registration.places,
            _participants(registration),
            registration.accommodations,
            "yes" if registration.photo_consent else "no",
        ]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """The registrants of a program: filter by program for its roster."""

    list_display = ["contact_name", "program", "status", "places", "photo_consent", "created_at"]
    list_filter = ["status", "program"]
    list_select_related = ["program"]
    search_fields = ["contact_name", "contact_email", "=patron__card_number", "participants__first_name"]
    show_full_result_count = False
    list_per_page = 100
    inlines = [ParticipantInline, RegistrationEventInline]
    actions = ["export_csv", "cancel"]
    readonly_fields = [
        "program",
        "patron",
        "status",
        "places",
        "contact_name",
        "contact_email",
        "contact_phone",
        "accommodations",
        "photo_consent",
        "offer_expires_at",
        "over_capacity_reason",
        "added_by",
        "created_at",
        "cancelled_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registrations are made through the registration service

    def has_delete_permission(self, request: HttpRequest, obj: Registration | None = None) -> bool:
        return False  # waitlist history and statistics count on every registration; cancel instead

    @admin.action(
        description="Export the selected registrations as a CSV roster (personal details: coordinator only)",
        permissions=["change"],
    )
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        queryset = queryset.select_related("program").prefetch_related("participants").order_by("program", "pk")
        response = StreamingHttpResponse(csv_lines(_csv_rows(queryset)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="roster-{timezone.localdate():%Y-%m-%d}.csv"'
        return response

    @admin.action(description="Cancel the selected registrations (places go to the waitlist)", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for registration in queryset.select_related("program").order_by("pk"):
            try:
                registration_cancel(registration=registration)
            except ValidationError as error:
                self.message_user(request, f"{registration}: {' '.join(error.messages)}", level=messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} registrations cancelled.")


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["participant", "session", "present", "marked_at", "marked_by"]
    list_filter = ["present", ("session__starts_at", admin.DateFieldListFilter)]
    list_select_related = ["participant", "session__program", "marked_by"]
    search_fields = ["participant__first_name", "session__program__title"]
    raw_id_fields = ["session", "participant"]
    readonly_fields = ["marked_at", "marked_by"]
    show_full_result_count = False


@admin.register(Headcount)
class HeadcountAdmin(admin.ModelAdmin):
    list_display = ["session", "age_group", "count", "recorded_at"]
    list_filter = ["age_group", ("session__starts_at", admin.DateFieldListFilter)]
    list_select_related = ["session__program"]
    search_fields = ["session__program__title"]
    raw_id_fields = ["session"]
    readonly_fields = ["recorded_at"]
    show_full_result_count = False


class ProgramMessageForm(ActionForm):
    subject = forms.CharField(label="Subject", max_length=messaging.SUBJECT_MAX)
    body = forms.CharField(
        label="Message",
        max_length=messaging.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Plain text. Line breaks are kept.",
    )
    session = forms.ModelChoiceField(
        label="About one session",
        queryset=Session.objects.none(),
        required=False,
        empty_label="The whole program",
        help_text="Everyone registered comes to every session, so the same people receive it; the session is named.",
    )
    audience = forms.ChoiceField(label="Send to", widget=forms.RadioSelect)

    def __init__(self, *args, program: Program, counts: dict[str, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        field = self.fields["session"]
        field.queryset = program.sessions.order_by("starts_at")
        field.label_from_instance = lambda s: _session_when(s, program) + (" (cancelled)" if s.is_cancelled else "")
        holding, waiting = counts["holding"], counts["waiting"]
        self.fields["audience"].choices = [
            (ProgramMessage.Audience.REGISTERED, f"Registered people and open offers: {holding} registrations"),
            (
                ProgramMessage.Audience.REGISTERED_AND_WAITLIST,
                f"Registered people, open offers and the waitlist: {holding + waiting} registrations",
            ),
        ]
        self.fields["audience"].initial = ProgramMessage.Audience.REGISTERED

    def clean(self) -> dict:
        cleaned = super().clean()
        if {"subject", "body", "audience"} <= set(cleaned):
            try:
                messaging.program_message_check(
                    program=self.program,
                    session=cleaned.get("session"),
                    audience=cleaned["audience"],
                    subject=cleaned["subject"],
                    body=cleaned["body"],
                )
            except ValidationError as error:
                add_service_error(self, error)
        return cleaned


class SessionCancelForm(ActionForm):
    reason = forms.CharField(
        label="Why is it cancelled?",
        max_length=messaging.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Registrants read this in the email, for example: the instructor is ill.",
    )


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SessionMoveForm(ActionForm):
    day = forms.DateField(label="New date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    starts_at = forms.TimeField(label="Starts at", widget=_time_input())
    ends_at = forms.TimeField(label="Ends at", widget=_time_input())

    def __init__(self, *args, zone: dt.tzinfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self) -> dict:
        cleaned = super().clean()
        if {"day", "starts_at", "ends_at"} <= set(cleaned):
            cleaned["starts_at"] = dt.datetime.combine(cleaned["day"], cleaned["starts_at"], tzinfo=self.zone)
            cleaned["ends_at"] = dt.datetime.combine(cleaned["day"], cleaned["ends_at"], tzinfo=self.zone)
        return cleaned


def _form_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    form: forms.Form,
    program: Program,
    title: str,
    intro: list[str],
    submit_label: str,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/makerlab/form_page.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "subtitle": program.title,
            "intro": intro,
            "form": form,
            "crumb_label": program.title,
            "back_url": reverse("admin:programs_program_change", args=[program.pk]),
            "back_label": "Back to the program",
            "submit_label": submit_label,
            "opts": Program._meta,
            "media": form.media,
        },
        status=400 if form.errors else 200,
    )


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Sessions across programs; each is changed here only by cancelling or moving it, which emails registrants.

    New sessions are added, and sessions nobody registered for are changed, in the program's own page.
    """

    list_display = ["program", "when", "cancelled_at", "changes"]
    list_filter = [("starts_at", admin.DateFieldListFilter), ("cancelled_at", admin.EmptyFieldListFilter)]
    list_select_related = ["program__branch"]
    search_fields = ["program__title"]
    show_full_result_count = False
    fields = ["program", "when", "cancelled_at", "cancellation_reason"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return False

    def get_urls(self):
        return [
            path("<int:pk>/move/", self.admin_site.admin_view(self.move_view), name="programs_session_move"),
            path("<int:pk>/cancel/", self.admin_site.admin_view(self.cancel_view), name="programs_session_cancel"),
            *super().get_urls(),
        ]

    @admin.display(description="when", ordering="starts_at")
    def when(self, obj: Session) -> str:
        return _session_when(obj, obj.program)

    @admin.display(description="cancel or move")
    def changes(self, obj: Session) -> str:
        return _session_links(obj)

    def _session(self, request: HttpRequest, pk: int) -> Session:
        if not _may_change_programs(request):
            raise PermissionDenied
        return get_object_or_404(Session.objects.select_related("program__branch", "program__partner_site"), pk=pk)

    def _intro(self, session: Session, action: str) -> list[str]:
        program = session.program
        told = messaging.registrants_count(program=program)
        lines = [f"{program.title}: {_session_when(session, program)}."]
        if session.is_cancelled:
            zone = program_zone(program)
            lines.append(f"Cancelled on {moment_text(session.cancelled_at, zone=zone)}: {session.cancellation_reason}")
        lines.append(f"When you {action}, {told} registrations (registered, offered and waiting) are emailed.")
        return lines

    def _done(self, request: HttpRequest, session: Session, text: str) -> HttpResponseRedirect:
        self.message_user(request, text)
        return HttpResponseRedirect(reverse("admin:programs_program_change", args=[session.program_id]))

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self._session(request, pk)
        form = SessionCancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                sent = messaging.session_cancel(session=session, reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return self._done(request, session, f"Session cancelled; {sent} registrations were emailed.")
        return _form_page(
            request,
            self,
            form=form,
            program=session.program,
            title="Cancel a session",
            intro=self._intro(session, "cancel it"),
            submit_label="Cancel the session and email registrants",
        )

    def move_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self._session(request, pk)
        zone = program_zone(session.program)
        local_start, local_end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        form = SessionMoveForm(
            request.POST or None,
            zone=zone,
            initial={"day": local_start.date(), "starts_at": local_start.time(), "ends_at": local_end.time()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                sent = messaging.session_move(
                    session=session,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                session.refresh_from_db(fields=["starts_at", "ends_at"])
                when = _session_when(session, session.program)
                return self._done(request, session, f"Session moved to {when}; {sent} registrations were emailed.")
        return _form_page(
            request,
            self,
            form=form,
            program=session.program,
            title="Move a session",
            intro=[*self._intro(session, "move it"), f"Times are {zone} time."],
            submit_label="Move the session and email registrants",
        )


@admin.register(ProgramMessage)
class ProgramMessageAdmin(admin.ModelAdmin):
    """What was emailed to a program's registrants: sent from the program's "Email registrants" page."""

    list_display = ["subject", "program", "sent", "about", "audience", "recipients", "sent_by"]
    list_filter = ["program"]
    list_select_related = ["program__branch", "session", "sent_by"]
    search_fields = ["subject", "program__title"]
    show_full_result_count = False
    fields = ["program", "about", "audience", "subject", "body", "recipients", "sent_by", "sent"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ProgramMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ProgramMessage | None = None) -> bool:
        return False

    @admin.display(description="sent", ordering="sent_at")
    def sent(self, obj: ProgramMessage) -> str:
        return moment_text(obj.sent_at, zone=program_zone(obj.program))

    @admin.display(description="about")
    def about(self, obj: ProgramMessage) -> str:
        return _session_when(obj.session, obj.program) if obj.session else "The whole program"
