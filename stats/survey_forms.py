"""The survey forms patrons fill in: every question may be skipped, but at least one must be answered."""

from django import forms
from django.core.exceptions import ValidationError

from makerlab.forms import HoneypotMixin, honeypot_field
from makerlab.validators import validate_plain_text
from stats.models import Agreement, FollowUpAnswer
from stats.surveys import FOLLOW_UP_QUESTIONS, MAX_ANSWER_LENGTH, NO_ANSWER, OPEN_QUESTIONS, STATEMENTS, SurveyAnswers

# From disagreeing to agreeing, as the statements are read, with "not applicable" last.
SCALE = [
    *((choice.value, choice.label) for choice in Agreement if choice != Agreement.NOT_APPLICABLE),
    (Agreement.NOT_APPLICABLE.value, Agreement.NOT_APPLICABLE.label),
]
NOT_LISTED = "Choose one of the answers listed."


def _scale_field(statement: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=statement,
        choices=SCALE,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": NOT_LISTED},
    )


def _open_field(question: str) -> forms.CharField:
    return forms.CharField(
        label=f"{question} (optional)",
        max_length=MAX_ANSWER_LENGTH,
        required=False,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {MAX_ANSWER_LENGTH} characters. Please do not write your name or contact details.",
        error_messages={"max_length": f"Keep this answer to {MAX_ANSWER_LENGTH} characters."},
    )


def _follow_up_field(question: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=question,
        choices=FollowUpAnswer.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": NOT_LISTED},
    )


class _SurveyForm(HoneypotMixin, forms.Form):
    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and all(data.get(name) in (None, "") for name in self.question_names):
            raise ValidationError(NO_ANSWER, code="no_answer")
        return data

    @property
    def question_names(self) -> list[str]:
        return [name for name in self.fields if name != "website"]

    def answers(self) -> SurveyAnswers:
        return SurveyAnswers(**{name: self.cleaned_data[name] for name in self.question_names})


class ImmediateSurveyForm(_SurveyForm):
    """The four outcome statements on the agreement scale, and the two open questions."""

    learned = _scale_field(STATEMENTS["learned"])
    confident = _scale_field(STATEMENTS["confident"])
    intend_to_apply = _scale_field(STATEMENTS["intend_to_apply"])
    more_aware = _scale_field(STATEMENTS["more_aware"])
    liked_most = _open_field(OPEN_QUESTIONS["liked_most"])
    could_do_better = _open_field(OPEN_QUESTIONS["could_do_better"])
    website = honeypot_field()

    @property
    def statement_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in STATEMENTS]

    @property
    def open_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in OPEN_QUESTIONS]


class FollowUpSurveyForm(_SurveyForm):
    """Three questions some weeks later: yes, not yet, or no."""

    applied = _follow_up_field(FOLLOW_UP_QUESTIONS["applied"])
    changed_something = _follow_up_field(FOLLOW_UP_QUESTIONS["changed_something"])
    used_other_resources = _follow_up_field(FOLLOW_UP_QUESTIONS["used_other_resources"])
    website = honeypot_field()

    @property
    def statement_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FOLLOW_UP_QUESTIONS]

    @property
    def open_fields(self) -> list[forms.BoundField]:
        return []
