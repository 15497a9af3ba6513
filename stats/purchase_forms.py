"""The patron's suggestion form and the coordinator's recommendation and answer forms."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from makerlab.forms import HoneypotMixin, honeypot_field
from makerlab.validators import validate_plain_text
from stats.models import SuggestionKind
from stats.purchases import KIND_MISSING, WHY_MISSING, Evidence, EvidenceRow

WHAT_LENGTH, WHY_LENGTH, ITEM_LENGTH, REASON_LENGTH, ANSWER_LENGTH = 120, 600, 150, 1500, 1000


def _text(
    label: str, length: int, *, missing: str = "", rows: int | None = None, required: bool = True, help_text: str = ""
):
    return forms.CharField(
        label=label,
        max_length=length,
        required=required,
        validators=[validate_plain_text],
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(),
        error_messages={"max_length": f"Keep this to {length} characters.", "required": missing},
    )


class SuggestionForm(HoneypotMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What kind of thing is it?",
        choices=SuggestionKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": KIND_MISSING,
            "invalid_choice": "Choose one of the kinds listed.",
        },
    )
    what = _text(
        "What would you like the Maker Lab to have?",
        WHAT_LENGTH,
        missing="Say what you would like the Maker Lab to have.",
        help_text="For example: a laser cutter, Inkscape, Cherokee Purple tomato.",
    )
    why = _text(
        "How would it help you or others?",
        WHY_LENGTH,
        missing=WHY_MISSING,
        rows=4,
        help_text=f"A sentence or two is plenty (up to {WHY_LENGTH} characters).",
    )
    email = forms.EmailField(
        label="Your email (optional)",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address like name@example.com, or leave it empty."},
    )
    website = honeypot_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = (
            "Only if you would like an answer: we use it to reply to this suggestion and for nothing else, "
            f"and delete it {settings.PATRON_RETENTION_DAYS} days after you send the suggestion."
        )


class DollarsField(forms.Field):
    """An amount in dollars as people write it: "1250", "1,250.50" or "$1,250"."""

    default_error_messages = {
        "invalid": "Enter the cost in dollars as a number, like 1250 or 1250.50.",
        "cents": "Give the cost in dollars and cents, with at most two digits after the point.",
    }
    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value) -> Decimal | None:
        text = str(value or "").strip().replace(",", "").replace("$", "").strip()
        if not text:
            return None
        if len(text) > 20:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not amount.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(self.error_messages["cents"], code="cents")
        return amount


class RecommendationForm(forms.Form):
    item = _text(
        "What to buy",
        ITEM_LENGTH,
        missing="Say what to buy.",
        help_text="For example: a second laser cutter (Glowforge Pro).",
    )
    estimated_cost = DollarsField(
        label="Estimated cost in dollars",
        help_text="Taxes and shipping included, for example 6500.",
        error_messages={"required": "Enter the estimated cost."},
    )
    reason = _text(
        "Why the lab should buy it",
        REASON_LENGTH,
        missing="Say why the lab should buy it.",
        rows=5,
        help_text=f"Up to {REASON_LENGTH} characters.",
    )
    evidence = forms.MultipleChoiceField(
        label="Evidence to include",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Some of this evidence has changed since the page was opened: choose again."},
    )

    def __init__(self, *args, evidence: Evidence, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = evidence.by_key
        self.fields["evidence"].choices = [(row.key, f"{row.label}: {row.detail}") for row in evidence.rows]

    def chosen_evidence(self) -> list[EvidenceRow]:
        return [self.rows[key] for key in self.cleaned_data["evidence"]]


class AnswerForm(forms.Form):
    answer = _text(
        "Answer to email the patron (optional)",
        ANSWER_LENGTH,
        rows=4,
        required=False,
        help_text="Leave empty to mark the suggestion answered without emailing.",
    )
