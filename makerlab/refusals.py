"""Refusals whose reason is a library card's own record, which public pages never show.

A public form is open to anyone who types a card number, so its answer must not tell what that card has
done or is: what it borrowed, booked or registered, whether it holds a training or the seed-saving
orientation, whether its online booking is paused, whether the seed library knows it. Services raise
such refusals as ``CardRecordRefusal``, with the reason written for the card holder. Staff forms show
the reason as it is. A public form shows ``PUBLIC_ANSWER``, the same for every such reason, and the
reason with what to do goes by email to the address the library has on file for the card (never to an
address typed in the form): see ``add_public_refusal`` and ``makerlab.services.card_refusal_tell``.
"""

from django.core.exceptions import ValidationError

PUBLIC_ANSWER = (
    "We could not do this with this library card. If the card is yours, we have emailed the reason, and "
    "what to do, to the email address the library has on file for it. No email from us? Ask at the "
    "library desk or call the library: staff can see the reason and help you."
)


class CardRecordRefusal(ValidationError):
    """A refusal rooted in the card's own record: shown in full to staff, never on a public page."""
