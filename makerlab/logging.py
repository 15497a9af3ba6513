"""Private tokens never reach the logs: a logging filter that redacts them from request paths.

Django logs every 4xx and 5xx answer with its path ("Not Found: /book/manage/<token>/"), and the development
server logs every request line. A path that carries a private link (a manage, offer, sign-in, calendar or
survey token) or a check-in code in its query string is logged with that part replaced by ``[redacted]``.

``TOKEN_PATHS`` is the one list of the addresses that carry a secret; ``tests/makerlab/test_logging.py``
walks every URL pattern with a ``token`` or ``code`` part and checks that this list covers it.
"""

import logging
import re

REDACTED = "[redacted]"

# One path segment: everything up to the next slash, query, fragment, quote or space.
_SEGMENT = r"[^/?#\s\"'.]+"
# The start of each address that carries a secret, then the secret (the segment after it).
TOKEN_PATHS = [
    r"/book/manage/",
    r"/programs/manage/",
    r"/programs/claim/",
    r"/seeds/request/(?!(?:add|remove)/)",
    r"/my/sign-in/",
    r"/staff/calendar/(?!new-address/)",
    r"/survey/program/",
    r"/survey/(?!(?:thanks|program)/)",
]
# Query parameters that carry a secret: a check-in code, an earlier registration's manage token.
TOKEN_PARAMETERS = ["code", "after", "token"]

_PATTERN = re.compile(
    "|".join(f"(?P<path{index}>{prefix}){_SEGMENT}" for index, prefix in enumerate(TOKEN_PATHS))
    + r"|(?P<parameter>[?&](?:"
    + "|".join(TOKEN_PARAMETERS)
    + r")=)[^&#\s\"']*"
)


def _keep_prefix(match: re.Match) -> str:
    prefix = next(value for value in match.groupdict().values() if value is not None)
    return prefix + REDACTED


def redact_tokens(text: str) -> str:
    """The text with every private token in an address replaced by ``[redacted]``."""
    return _PATTERN.sub(_keep_prefix, text)


class RedactTokensFilter(logging.Filter):
    """Rewrites a record's message with tokens redacted; the record is always kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
