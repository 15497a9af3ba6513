"""Settings of a real Celery worker started by the broker tests: the test settings, with tasks sent to the broker.

The test passes where to find everything through the environment: DATABASE_URL (the test database),
REDIS_URL (Redis) or WORKER_BROKER_DIR (a filesystem broker of its own), WORKER_QUEUE (a queue no other
worker on the machine reads), WORKER_EMAIL_DIR (sent emails are written there as files) and WORKER_NOW (the
test's moment: the worker's clock starts there, as the test's did).
"""

import os

import time_machine

from tests.settings import *  # noqa: F403
from tests.settings import CELERY_BROKER_TRANSPORT_OPTIONS, REDIS_URL

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("WORKER_QUEUE", "celery")
if REDIS_URL:
    # A message whose worker was killed goes back to the queue after this many seconds, not an hour.
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 5}
elif os.environ.get("WORKER_BROKER_DIR"):
    _broker = os.environ["WORKER_BROKER_DIR"]
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker,
        "data_folder_out": _broker,
        "control_folder": os.path.join(_broker, "control"),
        "store_processed": False,
    }
if os.environ.get("WORKER_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["WORKER_EMAIL_DIR"]
if os.environ.get("WORKER_NOW"):
    time_machine.travel(os.environ["WORKER_NOW"], tick=True).start()
