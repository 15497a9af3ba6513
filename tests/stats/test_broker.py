"""The monthly jobs against the real broker and a real worker process: the close and the board's send, each sent
twice, close and email once; and a worker killed in the middle of a close leaves no half-closed month.

The broker is Redis when REDIS_URL is set (as on CI), else a filesystem broker in a folder of the test's
own; either way the test uses a queue of its own, so no other worker on the machine takes its messages.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from makerlab import celery_app
from makerlab.models import Notification
from stats import services, tasks
from stats.models import MonthlyReport, ReportClosing

BOARD = "board@example.org"
ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 120


@pytest.fixture
def broker(tmp_path, monkeypatch):
    """Point this process's Celery app at the worker's broker and queue; return the worker's environment."""
    queue = f"stats-broker-test-{uuid.uuid4().hex[:8]}"
    redis_url = os.environ.get("REDIS_URL", "")
    broker_dir = tmp_path / "broker"
    (broker_dir / "control").mkdir(parents=True)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    monkeypatch.setattr(settings, "BOARD_REPORT_EMAILS", [BOARD])
    conf = celery_app.conf
    saved = (
        conf.task_always_eager,
        conf.broker_url,
        conf.broker_transport_options,
        conf.task_default_queue,
    )
    conf.task_always_eager = False
    conf.task_default_queue = queue
    if redis_url:
        conf.broker_url = redis_url
        conf.broker_transport_options = {"visibility_timeout": 5, "max_retries": 1}
    else:
        conf.broker_url = "filesystem://"
        conf.broker_transport_options = {
            "data_folder_in": str(broker_dir),
            "data_folder_out": str(broker_dir),
            "control_folder": str(broker_dir / "control"),
            "store_processed": False,
        }
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_worker",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CONN_MAX_AGE": "0",
        "WORKER_QUEUE": queue,
        "WORKER_BROKER_DIR": str(broker_dir),
        "WORKER_EMAIL_DIR": str(mail_dir),
        "BOARD_REPORT_EMAILS": BOARD,
    }
    yield {"env": environment, "queue": queue, "mail_dir": mail_dir, "redis": bool(redis_url), "log": tmp_path}
    (
        conf.task_always_eager,
        conf.broker_url,
        conf.broker_transport_options,
        conf.task_default_queue,
    ) = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def start_worker(broker: dict, name: str) -> subprocess.Popen:
    log = open(broker["log"] / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "makerlab",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--queues={broker['queue']}",
            f"--hostname={name}@%h",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        # The worker's clock starts where the test's is now, as a worker started at this moment would.
        env={**broker["env"], "WORKER_NOW": timezone.now().isoformat()},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def wait_for(condition, *, what: str, broker: dict, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    logs = "\n".join(path.read_text(errors="replace")[-3000:] for path in broker["log"].glob("*.log"))
    pytest.fail(f"Timed out waiting for {what}.\nWorker logs:\n{logs}")


def board_emails_sent() -> int:
    return Notification.objects.filter(kind="monthly_report", status=Notification.Status.SENT).count()


def mail_files(broker: dict) -> int:
    return len(list(broker["mail_dir"].glob("*.log")))


@pytest.mark.django_db(transaction=True)
def test_the_monthly_job_sent_twice_through_the_broker_closes_and_emails_once(broker):
    worker = start_worker(broker, "twice")
    try:
        tasks.month_close_previous.delay()
        tasks.month_close_previous.delay()  # beat firing twice, or two beats
        wait_for(lambda: MonthlyReport.objects.exists(), what="the close", broker=broker)
        time.sleep(2)  # time for the second close, if it closed again
        # The suite's moment is past the send day (the 3rd): the daily send emails last month's report.
        tasks.reports_send_due.delay()
        tasks.reports_send_due.delay()
        wait_for(lambda: board_emails_sent() >= 1, what="the board email", broker=broker)
        time.sleep(3)  # time for a second email, if there were one
    finally:
        stop_worker(worker)
    [report] = MonthlyReport.objects.all()
    assert report.month == services.month_before_current()
    assert ReportClosing.objects.count() == 1
    notification = Notification.objects.get(kind="monthly_report")
    assert notification.idempotency_key == f"monthly-report:{report.month:%Y-%m}:v1:{BOARD}"
    assert notification.status == Notification.Status.SENT
    assert mail_files(broker) == 1


def _blocked_on_closings(database: dict) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' AND query ILIKE %s",
            [database["NAME"], "%stats_reportclosing%"],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_close_leaves_no_half_closed_month(broker):
    database = connection.settings_dict
    # Another session holds the table of closings: the worker's close gets as far as recording its
    # closing (the report row is written, the figures computed) and waits there, inside its transaction.
    blocker = psycopg2.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    )
    blocker.autocommit = False
    worker = None
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE stats_reportclosing IN EXCLUSIVE MODE")
        worker = start_worker(broker, "killed")
        tasks.month_close_previous.delay()
        wait_for(lambda: _blocked_on_closings(database), what="the worker to be inside the close", broker=broker)
        worker.kill()  # SIGKILL: no clean shutdown, no acknowledgement
        worker.wait(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
        if worker is not None and worker.poll() is None:
            worker.kill()
    # The killed worker's transaction never committed: nothing of the close is visible.
    wait_for(lambda: not _blocked_on_closings(database), what="the killed session to end", broker=broker)
    assert not MonthlyReport.objects.exists()
    assert not ReportClosing.objects.exists()
    assert not Notification.objects.exists()

    restarted = start_worker(broker, "restarted")
    try:
        if not broker["redis"]:
            # The filesystem broker removes a message when a worker takes it, so the killed worker's
            # message is gone: the close runs again when the job is sent again (beat, or close_month).
            tasks.month_close_previous.delay()
        # With Redis the unacknowledged message (acks_late, reject_on_worker_lost) comes back by itself.
        wait_for(lambda: ReportClosing.objects.exists(), what="the close to complete after the restart", broker=broker)
        tasks.month_close_previous.delay()
        tasks.reports_send_due.delay()
        wait_for(lambda: board_emails_sent() >= 1, what="the board email", broker=broker)
        time.sleep(5)
    finally:
        stop_worker(restarted)
    assert MonthlyReport.objects.count() == 1
    assert ReportClosing.objects.count() == 1
    assert Notification.objects.filter(kind="monthly_report").count() == 1
    assert board_emails_sent() == 1
    assert mail_files(broker) == 1
