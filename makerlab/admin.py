import re

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import CheckboxInput
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html

from makerlab.cards import card_number_normalise, validate_card_number
from makerlab.models import Branch, Closure, Notification, OpeningHours, Patron
from makerlab.selectors import patrons_holding_card

# What each kind of email is, as the outbox says it. A kind is the name of its template under
# templates/emails/; a test fails when an email is added without its label here.
NOTIFICATION_KIND_LABELS = {
    "booking_confirmation": "Booking confirmed",
    "booking_rescheduled": "Booking moved to a new time",
    "booking_cancelled": "Booking cancelled",
    "booking_reminder": "Booking reminder",
    "time_opened": "A time opened (for someone who asked to be told)",
    "program_registered": "Program registration confirmed",
    "program_waitlisted": "Put on a program's waitlist",
    "program_offer": "Place offered from the waitlist",
    "program_cancelled": "Program registration cancelled",
    "program_person_cancelled": "One person's place in a program cancelled",
    "program_reminder": "Program reminder",
    "program_session_moved": "Program session moved",
    "program_session_added": "New program session announced",
    "program_session_cancelled": "Program session cancelled",
    "program_message": "Message to a program's registrants",
    "seed_request_received": "Seed request received",
    "seed_request_ready": "Seeds ready to pick up",
    "seed_request_expired": "Seed request ended (not picked up)",
    "survey_immediate": "Survey invitation",
    "survey_follow_up": "Follow-up survey invitation",
    "monthly_report": "Monthly report to the board",
    "mylab_sign_in": "My Maker Lab sign-in link",
    "purchase_suggestion_answer": "Answer to a purchase suggestion",
    "card_refusal": "Why a request with a card was refused",
    "booking_cancelled_out_of_service": "Booking cancelled: the machine is out of service",
    "safety_report_urgent": "Serious injury reported (to the coordinator and manager)",
    "safety_inspection_due": "Monthly workplace inspection due",
    "safety_actions_overdue": "Corrective actions overdue",
}


KIND_SHAPE = re.compile(r"[a-z0-9_]{1,60}")
# Who may list and search every patron: the coordinator's role (a superuser has every permission).
PATRON_LIST_PERMISSION = "makerlab.view_notification"


def notification_kind_label(kind: str) -> str:
    """ "Program registration confirmed" for ``program_registered``; a kind without a label still reads as words."""
    return NOTIFICATION_KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "phone", "time_zone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningHoursInline]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["reason", "start_date", "end_date", "branch"]
    list_filter = ["branch"]
    list_select_related = ["branch"]
    date_hierarchy = "start_date"


@admin.register(Patron)
class PatronAdmin(admin.ModelAdmin):
    """Patrons: the coordinator lists and searches them; anyone else finds one patron by their full card number.

    Assistants look patrons up at the desk with the card in hand; a list of everyone (or a search by name or
    email) would show them people they are not serving. The coordinator's role is told by the permission to read
    the email outbox, which only the coordinator (and a superuser) holds.
    """

    list_display = ["card_number", "first_name", "last_name", "email", "last_activity_at", "anonymised_at"]
    list_filter = [("anonymised_at", admin.EmptyFieldListFilter)]
    search_fields = ["=card_number", "last_name", "email"]
    readonly_fields = ["created_at", "last_activity_at", "anonymised_at"]
    show_full_result_count = False
    change_list_template = "admin/makerlab/patron/change_list.html"
    SEARCH_BY_CARD = "Search by the patron's full library card number to see their record."
    # The patrons this login found by their full card number (or added), newest last: the only records it may open.
    FOUND_SESSION_KEY = "patron_admin_found"
    FOUND_KEPT = 20

    @staticmethod
    def lists_patrons(request: HttpRequest) -> bool:
        return request.user.has_perm(PATRON_LIST_PERMISSION)

    def _remember_found(self, request: HttpRequest, pk: int) -> None:
        found = [kept for kept in request.session.get(self.FOUND_SESSION_KEY, []) if kept != pk]
        request.session[self.FOUND_SESSION_KEY] = [*found, pk][-self.FOUND_KEPT :]

    def may_open(self, request: HttpRequest, object_id) -> bool:
        """Whether this user may open one patron's record: the coordinator always; anyone else only a patron
        they found by the full card number (or added) during this login, so typing an address opens nobody."""
        if self.lists_patrons(request):
            return True
        return str(object_id) in {str(pk) for pk in request.session.get(self.FOUND_SESSION_KEY, [])}

    def _search_first(self, request: HttpRequest) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Search for the patron first",
            "search_by_card": self.SEARCH_BY_CARD,
        }
        return TemplateResponse(request, "admin/makerlab/patron/search_first.html", context, status=403)

    def has_view_permission(self, request: HttpRequest, obj: Patron | None = None) -> bool:
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.may_open(request, obj.pk))

    def has_change_permission(self, request: HttpRequest, obj: Patron | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.may_open(request, obj.pk))

    def has_delete_permission(self, request: HttpRequest, obj: Patron | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.may_open(request, obj.pk))

    def changeform_view(self, request: HttpRequest, object_id=None, form_url="", extra_context=None) -> HttpResponse:
        if object_id is not None and not self.may_open(request, object_id):
            return self._search_first(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request: HttpRequest, object_id, extra_context=None) -> HttpResponse:
        if not self.may_open(request, object_id):
            return self._search_first(request)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request: HttpRequest, object_id, extra_context=None) -> HttpResponse:
        if not self.may_open(request, object_id):
            return self._search_first(request)
        return super().delete_view(request, object_id, extra_context)

    def response_add(self, request: HttpRequest, obj: Patron, post_url_continue=None) -> HttpResponse:
        if not self.lists_patrons(request):
            self._remember_found(request, obj.pk)
        return super().response_add(request, obj, post_url_continue)

    def get_list_filter(self, request: HttpRequest) -> list:
        return self.list_filter if self.lists_patrons(request) else []

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        if self.lists_patrons(request):
            return super().get_search_results(request, queryset, search_term)
        card_number = card_number_normalise(search_term.strip())
        try:
            validate_card_number(card_number)
        except ValidationError:
            return queryset.none(), False
        return queryset.filter(pk__in=patrons_holding_card(card_number).values("pk")), False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        lists_patrons = self.lists_patrons(request)
        if not lists_patrons and request.method == "GET":
            searched = card_number_normalise(request.GET.get("q", "").strip())
            try:
                validate_card_number(searched)
            except ValidationError as error:
                reason = "" if not searched else f" {' '.join(error.messages)}"
                self.message_user(request, self.SEARCH_BY_CARD + reason, messages.INFO)
            else:
                found = patrons_holding_card(searched).values_list("pk", flat=True).first()
                if found is not None:
                    self._remember_found(request, found)
        return super().changelist_view(request, {**(extra_context or {}), "lists_patrons": lists_patrons})


class NotificationKindFilter(admin.SimpleListFilter):
    """The kinds of email by their labels, without reading the outbox to list them."""

    title = "kind of email"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return sorted(NOTIFICATION_KIND_LABELS.items(), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset):
        kind = self.value()
        if not kind:
            return queryset
        return queryset.filter(kind=kind) if KIND_SHAPE.fullmatch(kind) else queryset.none()


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox: every email the system sent or will send, read-only."""

    list_display = ["created_at", "what", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", NotificationKindFilter]
    search_fields = ["recipient", "idempotency_key"]
    date_hierarchy = "created_at"
    fields = [
        "what",
        "kind",
        "recipient",
        "template",
        "status",
        "attempts",
        "last_error",
        "idempotency_key",
        "content_type",
        "object_id",
        "created_at",
        "claimed_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description="email", ordering="kind")
    def what(self, obj: Notification) -> str:
        return notification_kind_label(obj.kind)

    def action_checkbox(self, obj: Notification) -> str:
        label = format_html(
            "Select this object for an action - {} to {}", notification_kind_label(obj.kind), obj.recipient
        )
        checkbox = CheckboxInput({"class": "action-select", "aria-label": label}, lambda value: False)
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
