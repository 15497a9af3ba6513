"""Real parallel transactions for concurrency tests: each call in its own thread and database connection."""

import threading
from collections.abc import Callable

from django.db import connection


def run_together(calls: list[Callable[[], object]]) -> list[object]:
    """Start every call at the same moment, each in its own thread; what each returned or raised, in finishing order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            barrier.wait()
            result = call()
        except Exception as error:
            result = error
        finally:
            connection.close()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
