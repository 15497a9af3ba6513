import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from makerlab.cards import card_number_normalise, validate_card_number
from makerlab.formatting import count_text
from makerlab.refusals import PUBLIC_ANSWER, CardRecordRefusal
from makerlab.services import card_refusal_tell
from makerlab.validators import validate_plain_text


class _BoundedUsernameMixin:
    """Refuse an over-long username before it reaches authentication.

    Django's AuthenticationForm sets max_length on the username after the field is built, so the
    length is never validated; an over-long name would reach django-axes' attempt log and fail there.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class StaffLoginForm(_BoundedUsernameMixin, AuthenticationForm):
    # Unticked by default: on a shared desk computer, forgetting the box must log the person out, not keep them in.
    keep_logged_in = forms.BooleanField(required=False, label="Keep me logged in on this computer")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        hours = count_text(settings.STAFF_SESSION_IDLE_HOURS, "hour")
        self.fields["keep_logged_in"].help_text = (
            "Only on a computer no one else uses. Otherwise closing the browser logs you out. "
            f"Either way, after {hours} without use you log in again."
        )


class AdminLoginForm(_BoundedUsernameMixin, AdminAuthenticationForm):
    pass


class CardNumberForm(forms.Form):
    """A library card number as patrons type it, checked for its shape only.

    The same check for every number, known or not: a public form never says whether a card is known.
    """

    card_number = forms.CharField(
        label="Library card number",
        max_length=40,
        help_text="The number on the back of your card. Spaces and dashes are fine.",
        error_messages={"required": "Enter your library card number."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_card_number(self) -> str:
        card = card_number_normalise(self.cleaned_data["card_number"])
        validate_card_number(card)
        return card


class StaffCardLookupForm(CardNumberForm):
    """The card staff scan or type to find a patron on file: the same check, in words for staff."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["card_number"]
        field.help_text = "Scan or type the number on the back of the card."
        field.error_messages["required"] = "Enter the patron's library card number."


def name_field() -> forms.CharField:
    """A person's name as the public forms ask for it."""
    return forms.CharField(
        label="Your name",
        max_length=160,
        validators=[validate_plain_text],
        error_messages={"required": "Enter your name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def email_field() -> forms.EmailField:
    """An email address as the public forms ask for it."""
    return forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={"required": "Enter your email address."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PatronContactForm(CardNumberForm):
    """The card number and contact details a patron gives on a public form (booking, registering), or
    that staff type for a patron at the desk.

    Subclasses say in ``email_help`` what the address is used for; a desk form words the fields for
    staff (``for_staff``) and may take a phone number instead of an email (``email_required``).
    """

    email_help = ""
    for_staff = False
    email_required = True

    name = name_field()
    email = email_field()
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=30,
        required=False,
        validators=[validate_plain_text],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = self.email_help
        if self.for_staff:
            self.fields["card_number"].help_text = "The number on the back of the patron's card."
            self.fields["name"].label = "Patron's name"
            self.fields["name"].error_messages["required"] = "Enter the patron's name."
            for name in ("name", "email", "phone"):
                # The browser would offer the staff member's own details.
                self.fields[name].widget.attrs["autocomplete"] = "off"
        if not self.email_required:
            self.fields["email"].required = False
            self.fields["phone"].label = "Phone"
            self.fields["phone"].help_text = "A phone number, an email, or both."


def patron_needs_field(*, label: str, help_text: str) -> forms.CharField:
    """The free-text field where a patron says what helps them take part (large print, a quiet spot)."""
    return forms.CharField(
        label=label,
        max_length=500,
        required=False,
        validators=[validate_plain_text],
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyConsentMixin(forms.Form):
    """The anonymous survey a patron may ask for when booking or registering, worded once for both forms.

    A form using it lists ``survey_consent`` in its ``field_order``: declared on a base class, it would come first.
    """

    survey_consent = forms.BooleanField(
        label="Email me a two-minute survey afterwards (anonymous)",
        required=False,
        help_text="Your answers are not linked to your name or card. They help the library improve.",
    )


def honeypot_field() -> forms.CharField:
    """A field people never see or fill in; software that fills in every field gives itself away."""
    return forms.CharField(
        label="Leave this field empty",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class HoneypotMixin:
    """For forms with ``website = honeypot_field()``."""

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's refusal on the form: on the field it names when the form has it, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _first_code(error: ValidationError) -> str:
    errors = (
        [e for field_errors in error.error_dict.values() for e in field_errors]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return next((e.code for e in errors if e.code), "")


def add_public_refusal(
    form: forms.BaseForm, error: ValidationError, *, card_number: str, doing: str, now: dt.datetime
) -> None:
    """Put a service's refusal on a public form, where a reason rooted in the card's own record is never shown.

    Such a refusal (``CardRecordRefusal``) shows the one answer that is the same for every such reason, and
    its reason is emailed to the card's address on file; any other refusal shows as ``add_service_error`` does.
    ``doing`` completes "We could not …": "book Laser cutting on Tuesday 8 December at 2:00 p.m.".
    """
    if not isinstance(error, CardRecordRefusal):
        add_service_error(form, error)
        return
    card_refusal_tell(
        card_number=card_number, doing=doing, reason=" ".join(error.messages), code=_first_code(error), now=now
    )
    # One code for every such reason, as one answer: the code must not tell the reason either.
    form.add_error(None, ValidationError(PUBLIC_ANSWER, code="card_record"))
