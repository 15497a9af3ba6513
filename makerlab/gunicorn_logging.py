"""gunicorn's access and error logs with private tokens redacted, as Django's logs are (``makerlab.logging``).

gunicorn writes its own line for every request: the request line, and the page the request came from, which can be
a private manage link. ``gunicorn.conf.py`` at the top of the project names this logger, so those lines read
``/book/manage/[redacted]/`` like Django's.
"""

from gunicorn.glogging import Logger

from makerlab.logging import RedactTokensFilter


class RedactingLogger(Logger):
    """gunicorn's logger with every line of its access and error logs passed through ``RedactTokensFilter``."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        # setup() runs again when gunicorn reloads its configuration: one filter is enough.
        for log in (self.access_log, self.error_log):
            if not any(isinstance(existing, RedactTokensFilter) for existing in log.filters):
                log.addFilter(RedactTokensFilter())
