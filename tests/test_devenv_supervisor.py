"""`make run`'s supervisor (scripts/devenv.py), run with tiny stand-in children instead of Celery and the web server:
a worker that dies is restarted with a message, and SIGTERM twice still stops everything cleanly."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A worker that takes a moment to stop on SIGTERM, as Celery does, so a second SIGTERM arrives mid-stop.
SLOW_TO_STOP = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1), sys.exit(0)))\n"
    "while True: time.sleep(0.1)\n"
)
SUPERVISE = f"""
import sys
sys.path.insert(0, {str(ROOT / "scripts")!r})
import devenv
supervisor = devenv.Supervisor(env=dict(__import__("os").environ), cwd=devenv.ROOT, restart_delay=0.1, poll_seconds=0.1)
supervisor.add("worker", [sys.executable, "-c", {SLOW_TO_STOP!r}], restart=True)
supervisor.install_signal_handlers()
supervisor.start_all()
try:
    code = supervisor.watch()
finally:
    supervisor.stop()
sys.exit(code)
"""


class Running:
    """The supervisor as a process, its messages read line by line by a thread, never waited on past a deadline."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", SUPERVISE], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self._incoming: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self._incoming.put(line)

    def wait_for(self, text: str, *, seconds: float = 15) -> str:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._incoming.get(timeout=left)
            except queue.Empty:
                break
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {seconds} s; saw: {self.lines}")

    def worker_pid(self, line: str) -> int:
        return int(line.rsplit("pid ", 1)[1].rstrip(")\n"))

    def close(self) -> None:
        """Stop the supervisor as a person would, then make sure none of its children outlives the test."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.lines.extend(self._incoming.queue)
        for line in self.lines:
            if "started worker" in line and alive(pid := self.worker_pid(line)):
                os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def supervisor():
    running = Running()
    yield running
    running.close()


def test_a_worker_that_dies_is_restarted_with_a_message(supervisor):
    first = supervisor.worker_pid(supervisor.wait_for("started worker"))
    os.kill(first, signal.SIGKILL)
    assert "worker stopped (exit code -9); restarting it" in supervisor.wait_for("worker stopped")
    second = supervisor.worker_pid(supervisor.wait_for("started worker"))
    assert second != first
    assert supervisor.process.poll() is None  # the site runs on


def test_sigterm_twice_stops_everything_cleanly(supervisor):
    worker = supervisor.worker_pid(supervisor.wait_for("started worker"))
    supervisor.process.send_signal(signal.SIGTERM)
    supervisor.wait_for("SIGTERM: stopping")
    supervisor.process.send_signal(signal.SIGTERM)
    supervisor.wait_for("already stopping")
    supervisor.wait_for("stopped.")
    assert supervisor.process.wait(timeout=15) == 0
    assert not alive(worker)
    time.sleep(0.2)  # the reader thread takes the last lines
    supervisor.lines.extend(supervisor._incoming.queue)
    assert not any("Traceback" in line for line in supervisor.lines)
