"""Measure each registered page against a baseline view, served by gunicorn on the loopback interface.

    python bench/run.py [--scale N] [--compare-scales 1,10] [--database NAME] [--pages A,B] [--requests N] [--port P]

Needs DATABASE_URL (``make bench`` sets it). The benchmark uses its own database, ``makerlab_bench`` on
the same server (``--database`` or BENCH_DATABASE to choose another, so two people can bench at once),
dropped and rebuilt with ``load_demo --scale`` on every run so figures are comparable; the developer's
database is never touched. For every page it prints one JSON object per line, then a table with each
goal met or not, and writes bench/results.json.

Each page's ``inproc_ms`` is the median time of one request served in this process (production settings,
no network, no other load of ours), the pages taking turns request by request: a busy machine moves it far
less than requests per second. With
``--compare-scales 1,10`` the data is built at each scale in turn, every page is timed in-process at
each, and the full run happens at the largest; ``scale_ratio`` is the page's ``inproc_ms`` at the largest
scale over the smallest, divided by the same ratio of the baseline, which does not grow with the data (the two
passes run minutes apart, and a machine busier in one of them slows every page alike); ``scale_ratio_raw``
keeps the machine's drift in. ``--pages`` measures only the named pages (and the baseline, always first).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
VAR_DIR = ROOT / "var" / "bench"
RESULTS_FILE = BENCH_DIR / "results.json"
DEFAULT_BENCH_DATABASE = "makerlab_bench"
BASELINE = "baseline"
BASELINE_PATH = "/bench/baseline/"
HOST = "127.0.0.1"
WARMUP_SECONDS = 30.0
INPROC_ROUNDS = 101  # timed in-process requests per page, taking turns with the others, after two untimed
UNCACHED_ROUNDS = 21  # the same with the page cache off: each request renders its page

# The goals of issue 16, each measured in the same run as the baseline.
PUBLIC_GOAL = 1.0  # an anonymous page: at least the baseline's requests per second
STAFF_GOAL = 0.3  # a page behind the login: at least this share of them
SCALE_RATIO_GOAL = 1.2  # a page's in-process time at the largest scale over the smallest

# Run as a script, Python puts bench/ first on the path; the project root is what imports need.
if sys.path and Path(sys.path[0]).resolve() == BENCH_DIR:
    sys.path[0] = str(ROOT)


class BenchError(Exception):
    """Something made the figures meaningless: a failed setup step, a non-200 answer, a dead server."""


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    cookie: str = ""  # "sessionid=..." for a page behind the login
    inproc_goal_ms: float | None = None


@dataclass(frozen=True)
class Result:
    page: str
    queries: int
    p50_ms: float
    p95_ms: float
    rps: float
    rps_vs_baseline: float
    inproc_ms: float
    scale_ratio: float | None
    goals_met: bool
    goals_missed: list[str]
    scale_ratio_raw: float | None = None
    inproc_uncached_ms: float | None = None
    scale_ratio_uncached: float | None = None


@dataclass(frozen=True)
class Load:
    """Latencies of one page under load, how long the measured requests took in all, and each turn's req/s."""

    latencies: list[float]
    elapsed: float
    turns: tuple[float, ...] = ()

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed

    def plus(self, other: Load) -> Load:
        return Load(
            latencies=self.latencies + other.latencies,
            elapsed=self.elapsed + other.elapsed,
            turns=self.turns + other.turns,
        )

    def ratio_to(self, baseline: Load) -> float:
        """The median, over the turns, of this page's req/s over the baseline's in the turn just before it.

        A hiccup of the machine in one turn moves one of the ratios, not the median.
        """
        if self is baseline or len(self.turns) != len(baseline.turns) or not self.turns:
            return self.rps / baseline.rps
        return statistics.median(mine / theirs for mine, theirs in zip(self.turns, baseline.turns, strict=True))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10, help="load_demo --scale for the dataset (default 10)")
    parser.add_argument("--requests", type=int, default=1600, help="measured requests per page (default 1600)")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests per page first (default 30)")
    parser.add_argument("--concurrency", type=int, default=8, help="simultaneous connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--rounds", type=int, default=8, help="alternate between the pages this many times (default 8)")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="measuring time allowed per page (default 30)")
    parser.add_argument(
        "--compare-scales",
        type=scales_list,
        default=None,
        metavar="A,B",
        help="time every page in-process at each scale; the full run uses the largest (e.g. 1,10)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", DEFAULT_BENCH_DATABASE),
        help="name of the database to drop and rebuild (default: $BENCH_DATABASE or makerlab_bench)",
    )
    parser.add_argument(
        "--inproc-only",
        action="store_true",
        help="count queries and time pages in-process only, without gunicorn (a quick look)",
    )
    parser.add_argument(
        "--pages",
        type=page_names,
        default=None,
        metavar="NAME,NAME",
        help="measure only these pages of bench/pages.py (the baseline is always measured)",
    )
    args = parser.parse_args(argv)
    if args.compare_scales:
        args.scale = max(args.compare_scales)
    if not args.database.replace("_", "").isalnum():
        parser.error("--database takes letters, digits and underscores only")
    if min(args.requests, args.concurrency, args.workers, args.rounds) < 1 or args.warmup < 0:
        parser.error("--requests, --concurrency, --workers and --rounds must be positive, --warmup not negative")
    if args.rounds > args.requests:
        parser.error("--rounds cannot exceed --requests")
    return args


def scales_list(text: str) -> list[int]:
    """ "1,10" as [1, 10]: at least two different positive scales."""
    try:
        scales = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of whole numbers such as 1,10") from None
    if len(scales) < 2 or scales[0] < 1:
        raise argparse.ArgumentTypeError("give at least two different scales of 1 or more, such as 1,10")
    return scales


def page_names(text: str) -> list[str]:
    """ "staff_programs,seed_desk_lend" as a list of names, each of a page registered in bench/pages.py."""
    from bench.pages import PAGES

    known = [page.name for page in PAGES]
    names = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not names:
        raise argparse.ArgumentTypeError("name at least one page, such as staff_programs")
    unknown = [name for name in names if name not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"no page named {', '.join(unknown)}; the pages are: {', '.join(known)}")
    return names


def bench_database_url(database_url: str, name: str) -> str:
    """The developer's DATABASE_URL with the database name swapped for the benchmark's own."""
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def bench_environment(database_url: str) -> dict[str, str]:
    """Production-like settings (DEBUG off, manifest static files) made to work over plain HTTP on loopback."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        BENCH_STATIC_ROOT=str(VAR_DIR / "static"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def recreate_database(database_url: str) -> None:
    """Drop and create the benchmark database, connecting to the server's ``postgres`` database to do it."""
    import psycopg2
    from psycopg2 import sql

    admin_url = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            name = sql.Identifier(urlsplit(database_url).path.lstrip("/"))
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        connection.close()


def analyze(database_url: str) -> None:
    """Refresh the planner's statistics: on tables just filled, it believes they are empty and picks bad plans."""
    import psycopg2

    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        connection.close()


def manage(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchError(f"`manage.py {' '.join(args)}` failed:\n{result.stdout}\n{result.stderr}")


def prepare(env: dict[str, str], *, scale: int) -> None:
    step("Building the benchmark database (migrate, load_demo --scale %d)", scale)
    recreate_database(env["DATABASE_URL"])
    manage(env, "migrate", "--no-input")
    manage(env, "load_demo", "--scale", str(scale), "--force")
    analyze(env["DATABASE_URL"])
    step("Collecting static files into %s", env["BENCH_STATIC_ROOT"])
    manage(env, "collectstatic", "--no-input", "--clear")


def step(message: str, *args: object) -> None:
    print(f"bench: {message % args}", file=sys.stderr, flush=True)


@contextmanager
def gunicorn(env: dict[str, str], *, port: int, workers: int) -> Iterator[None]:
    """Serve the site for the duration of the block; the server is stopped however the block ends."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    log_path = VAR_DIR / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "makerlab.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--backlog",
        "256",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_serving(process, port=port, log_path=log_path)
            yield
        except BenchError as error:
            log.flush()
            raise BenchError(f"{error}\n--- end of {log_path.relative_to(ROOT)} ---\n{log_tail(log_path)}") from error
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def log_tail(path: Path, size: int = 4000) -> str:
    return path.read_text(errors="replace")[-size:]


def wait_until_serving(process: subprocess.Popen, *, port: int, log_path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{log_tail(log_path)}")
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            connection.request("GET", BASELINE_PATH)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise BenchError(f"gunicorn did not answer within {timeout:.0f}s:\n{log_tail(log_path)}")


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process, against the benchmark database, to count queries and resolve paths."""
    os.environ.update({key: value for key, value in env.items() if key != "PYTHONPATH"})
    import django

    django.setup()


def login_cookie(username: str) -> str:
    """A session for ``username`` in the benchmark database, as the Cookie header that carries it."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    try:
        user = get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as error:
        raise BenchError(f"No user {username!r} to log in as: does load_demo create it?") from error
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def count_queries(path: str, cookie: str = "") -> int:
    """Queries for one request to ``path``, after a first request has warmed any per-process caches."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST, **({"HTTP_COOKIE": cookie} if cookie else {}))
    response = client.get(path)
    check_status(path, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    check_status(path, response.status_code)
    return len(captured.captured_queries)


def time_in_process(targets: list[Target], *, rounds: int = INPROC_ROUNDS) -> dict[str, float]:
    """The median time, in milliseconds, of one request to each target served in this process.

    The pages take turns, one request each per round (after two untimed rounds), so a moment when the
    machine is busier slows every page alike instead of the few being timed just then.
    """
    from django.test import Client

    clients = {
        target.name: Client(HTTP_HOST=HOST, **({"HTTP_COOKIE": target.cookie} if target.cookie else {}))
        for target in targets
    }
    timings: dict[str, list[float]] = {target.name: [] for target in targets}
    for round_number in range(rounds + 2):
        for target in targets:
            started = time.perf_counter()
            response = clients[target.name].get(target.path)
            elapsed = time.perf_counter() - started
            check_status(target.path, response.status_code)
            if round_number >= 2:
                timings[target.name].append(elapsed)
    return {name: round(statistics.median(values) * 1000, 2) for name, values in timings.items()}


def check_status(path: str, status: int) -> None:
    if status != 200:
        raise BenchError(f"GET {path} answered {status}, expected 200")


def fire(path: str, *, port: int, count: int, concurrency: int, deadline: float, cookie: str = "") -> Load:
    """Send ``count`` GETs from ``concurrency`` threads, each reusing its connection while the server allows.

    Stops early at ``deadline`` (a time.monotonic() value) so a slow page cannot make the run unbounded.
    """
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    remaining = [count]
    headers = {"Cookie": cookie} if cookie else {}

    def take() -> bool:
        with lock:
            if remaining[0] <= 0 or errors or time.monotonic() > deadline:
                return False
            remaining[0] -= 1
            return True

    def worker() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            while take():
                started = time.perf_counter()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status != 200:
                        errors.append(f"GET {path} answered {response.status}, expected 200")
                    latencies.append(elapsed)
        except (OSError, http.client.HTTPException) as error:
            with lock:
                errors.append(f"GET {path} failed: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise BenchError(errors[0])
    if not latencies:
        raise BenchError(f"GET {path}: no request finished before the time limit")
    return Load(latencies=latencies, elapsed=elapsed, turns=(len(latencies) / elapsed,))


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: a latency some request really had."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def measure(targets: list[Target], *, args: argparse.Namespace, port: int) -> tuple[list[Load], list[Load]]:
    """Load every page in turn, round after round, each right after a turn of the baseline.

    The first target is the baseline. Answers each target's load, and beside it the baseline's load measured
    just before that page in every round: the two share the machine's state of the moment, so a busy spell
    slows both and ``rps_vs_baseline`` stays meaningful. The baseline's own row counts all its turns.
    """
    if args.warmup:
        for target in targets:
            deadline = time.monotonic() + WARMUP_SECONDS
            fire(
                target.path,
                port=port,
                count=args.warmup,
                concurrency=args.concurrency,
                deadline=deadline,
                cookie=target.cookie,
            )
    empty = Load(latencies=[], elapsed=0.0)
    loads, beside = [empty] * len(targets), [empty] * len(targets)
    budget = args.max_seconds / args.rounds

    def turn(target: Target, count: int) -> Load:
        deadline = time.monotonic() + budget
        return fire(
            target.path, port=port, count=count, concurrency=args.concurrency, deadline=deadline, cookie=target.cookie
        )

    baseline = targets[0]
    for round_number in range(args.rounds):
        count = args.requests // args.rounds + (1 if round_number < args.requests % args.rounds else 0)
        for index, target in enumerate(targets[1:], start=1):
            before = turn(baseline, count)
            loads[0], beside[index] = loads[0].plus(before), beside[index].plus(before)
            loads[index] = loads[index].plus(turn(target, count))
    beside[0] = loads[0]
    return loads, beside


@dataclass(frozen=True)
class CloseMonth:
    """Closing last month on the benchmark data, as the monthly job does: its queries and its time."""

    month: str
    queries: int
    median_ms: float
    runs: int


def time_close_month(*, runs: int = 3) -> CloseMonth:
    """Close last month again from scratch ``runs`` times, each in a transaction rolled back afterwards.

    load_demo has closed it already; removing its report inside the transaction makes each run a
    first close (figures, year to date, last year, the frozen snapshot), and the rollback leaves the
    benchmark database as load_demo made it. No board address is set, so no email is queued.
    """
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from stats.models import MonthlyReport
    from stats.services import month_before_current, month_close

    class Rollback(Exception):
        pass

    month = month_before_current()
    timings, queries = [], 0
    for _ in range(runs):
        try:
            with transaction.atomic():
                MonthlyReport.objects.filter(month=month).delete()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    month_close(month=month)
                    timings.append(time.perf_counter() - started)
                queries = len(captured.captured_queries)
                raise Rollback
        except Rollback:
            pass
    return CloseMonth(
        month=f"{month:%Y-%m}", queries=queries, median_ms=round(statistics.median(timings) * 1000, 1), runs=runs
    )


def goals_missed(target: Target, *, rps_vs_baseline: float, inproc_ms: float, scale_ratio: float | None) -> list[str]:
    """The goals of issue 16 that ``target`` misses, in words; none for the baseline itself."""
    if target.name == BASELINE:
        return []
    missed = []
    floor = STAFF_GOAL if target.cookie else PUBLIC_GOAL
    if rps_vs_baseline < floor:
        missed.append(f"req/s {rps_vs_baseline:.2f}x < {floor}x")
    if target.inproc_goal_ms is not None and inproc_ms > target.inproc_goal_ms:
        missed.append(f"in-process {inproc_ms:.1f} ms > {target.inproc_goal_ms:.0f} ms")
    if scale_ratio is not None and scale_ratio > SCALE_RATIO_GOAL:
        missed.append(f"scale ratio {scale_ratio:.2f} > {SCALE_RATIO_GOAL}")
    return missed


def summarise(
    target: Target,
    *,
    queries: int,
    load: Load,
    baseline: Load,
    inproc_ms: float,
    scale_ratio: float | None = None,
    scale_ratio_raw: float | None = None,
    inproc_uncached_ms: float | None = None,
    scale_ratio_uncached: float | None = None,
) -> Result:
    rps_vs_baseline = round(load.ratio_to(baseline), 3)
    missed = goals_missed(target, rps_vs_baseline=rps_vs_baseline, inproc_ms=inproc_ms, scale_ratio=scale_ratio)
    return Result(
        page=target.name,
        queries=queries,
        p50_ms=round(statistics.median(load.latencies) * 1000, 2),
        p95_ms=round(percentile(load.latencies, 0.95) * 1000, 2),
        rps=round(load.rps, 1),
        rps_vs_baseline=rps_vs_baseline,
        inproc_ms=inproc_ms,
        scale_ratio=scale_ratio,
        goals_met=not missed,
        goals_missed=missed,
        scale_ratio_raw=scale_ratio_raw,
        inproc_uncached_ms=inproc_uncached_ms,
        scale_ratio_uncached=scale_ratio_uncached,
    )


def registered_targets(only: list[str] | None = None) -> list[Target]:
    """The baseline, then every page of bench/pages.py, or only those named in ``only``, in their order there."""
    from bench.pages import PAGES

    targets = [Target(BASELINE, BASELINE_PATH)]
    for page in PAGES:
        if only is not None and page.name not in only:
            continue
        username = page.resolve_login()
        cookie = login_cookie(username) if username else ""
        targets.append(Target(page.name, page.resolve_path(), cookie, page.inproc_goal_ms))
    return targets


def table(results: list[Result]) -> str:
    headers = [
        "page",
        "queries",
        "p50 ms",
        "p95 ms",
        "req/s",
        "vs baseline",
        "in-proc ms",
        "scale ratio",
        "rendered ms",
        "rendered ratio",
        "goals",
    ]
    rows = [
        [
            r.page,
            str(r.queries),
            f"{r.p50_ms:.2f}",
            f"{r.p95_ms:.2f}",
            f"{r.rps:.1f}",
            f"{r.rps_vs_baseline:.3f}",
            f"{r.inproc_ms:.2f}",
            "-" if r.scale_ratio is None else f"{r.scale_ratio:.2f}",
            "-" if r.inproc_uncached_ms is None else f"{r.inproc_uncached_ms:.2f}",
            "-" if r.scale_ratio_uncached is None else f"{r.scale_ratio_uncached:.2f}",
            "-" if r.page == BASELINE else ("met" if r.goals_met else "MISSED: " + "; ".join(r.goals_missed)),
        ]
        for r in results
    ]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        last = cells[-1]
        middle = (cell.rjust(width) for cell, width in zip(cells[1:-1], widths[1:-1], strict=True))
        return "  ".join([first, *middle, last])

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in rows)])


def write_results(
    results: list[Result], loads: list[Load], args: argparse.Namespace, close_month: CloseMonth | None = None
) -> None:
    run = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "compare_scales": args.compare_scales,
        "pages": args.pages,
        "concurrency": args.concurrency,
        "requests": args.requests,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "gunicorn_workers": args.workers,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "requests_done": {result.page: len(load.latencies) for result, load in zip(results, loads, strict=True)},
    }
    payload = {"run": run, "pages": [asdict(result) for result in results]}
    if close_month is not None:
        payload["close_month"] = asdict(close_month)
    RESULTS_FILE.write_text(json.dumps(payload, indent=2) + "\n")


@dataclass(frozen=True)
class InProcess:
    """One scale's in-process figures, per page: queries, and the median time with and without the page cache."""

    targets: list[Target]
    queries: list[int]
    cached_ms: dict[str, float]
    uncached_ms: dict[str, float]


def in_process_pass(env: dict[str, str], *, scale: int, only: list[str] | None = None) -> InProcess:
    """Build the data at ``scale``, then count each page's queries and time it in this process.

    Each page is timed as visitors meet it (from the page cache when it has one), then rendered every time
    with the page cache off: what the first visitor after a change waits for. The second is for information,
    not a goal.
    """
    from django.core.cache import cache
    from django.db import connections
    from django.test.utils import override_settings

    connections.close_all()
    prepare(env, scale=scale)
    cache.clear()
    measured = registered_targets(only)
    queries = [count_queries(target.path, target.cookie) for target in measured]
    if queries[0] != 1:
        raise BenchError(f"The baseline made {queries[0]} queries; it must make exactly one.")
    step("Timing each page in-process at scale %d (median of %d requests, pages taking turns)", scale, INPROC_ROUNDS)
    cached = time_in_process(measured)
    step("At scale %d: %s", scale, ", ".join(f"{name} {ms:.2f} ms" for name, ms in cached.items()))
    step("Timing each page rendered anew at scale %d (page cache off, median of %d)", scale, UNCACHED_ROUNDS)
    with override_settings(PAGE_CACHE=False):
        uncached = time_in_process(measured, rounds=UNCACHED_ROUNDS)
    step("Rendered anew at scale %d: %s", scale, ", ".join(f"{name} {ms:.2f} ms" for name, ms in uncached.items()))
    return InProcess(targets=measured, queries=queries, cached_ms=cached, uncached_ms=uncached)


def scale_ratios(by_scale: dict[int, dict[str, float]], *, raw: bool = False) -> dict[str, float]:
    """Each page's in-process time at the largest scale over its time at the smallest, divided by the baseline's.

    The scales are timed minutes apart: a machine busier in one pass than the other moves every page alike,
    the baseline (one query, at most ten names) included, so its ratio is taken out. ``raw`` keeps it in.
    """
    smallest, largest = by_scale[min(by_scale)], by_scale[max(by_scale)]
    ratios = {name: largest[name] / smallest[name] for name in largest if smallest.get(name)}
    drift = 1.0 if raw or not ratios.get(BASELINE) else ratios[BASELINE]
    return {name: round(ratio / drift, 2) for name, ratio in ratios.items()}


def run(args: argparse.Namespace) -> None:
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        raise BenchError("DATABASE_URL is not set: run `make bench`, which provides one.")
    env = bench_environment(bench_database_url(database_url, args.database))
    setup_django(env)
    scales = sorted(args.compare_scales or [args.scale])
    passes = {scale: in_process_pass(env, scale=scale, only=args.pages) for scale in scales}
    largest = passes[args.scale]
    measured, queries, inproc, uncached = largest.targets, largest.queries, largest.cached_ms, largest.uncached_ms
    by_scale = {scale: one.cached_ms for scale, one in passes.items()}
    compared = bool(args.compare_scales)
    ratios = scale_ratios(by_scale) if compared else {}
    raw_ratios = scale_ratios(by_scale, raw=True) if compared else {}
    uncached_ratios = scale_ratios({scale: one.uncached_ms for scale, one in passes.items()}) if compared else {}
    step("Timing the close of last month")
    close_month = time_close_month()
    if args.inproc_only:
        for target, count in zip(measured, queries, strict=True):
            line = {"page": target.name, "queries": count, "inproc_ms": inproc[target.name]}
            ratio = {"scale_ratio": ratios.get(target.name), "scale_ratio_raw": raw_ratios.get(target.name)}
            rendered = {
                "inproc_uncached_ms": uncached[target.name],
                "scale_ratio_uncached": uncached_ratios.get(target.name),
            }
            print(json.dumps({**line, **ratio, **rendered}), flush=True)
        print(json.dumps({"close_month": asdict(close_month)}), flush=True)
        return
    port = args.port or free_port()
    step("Serving with gunicorn (%d workers) on %s:%d", args.workers, HOST, port)
    with gunicorn(env, port=port, workers=args.workers):
        step("Measuring %s in %d rounds", ", ".join(target.name for target in measured), args.rounds)
        loads, baselines = measure(measured, args=args, port=port)
    results = [
        summarise(
            target,
            queries=count,
            load=load,
            baseline=baseline,
            inproc_ms=inproc[target.name],
            scale_ratio=ratios.get(target.name),
            scale_ratio_raw=raw_ratios.get(target.name),
            inproc_uncached_ms=uncached[target.name],
            scale_ratio_uncached=uncached_ratios.get(target.name),
        )
        for target, count, load, baseline in zip(measured, queries, loads, baselines, strict=True)
    ]
    for result in results:
        print(json.dumps(asdict(result)), flush=True)
    print(json.dumps({"close_month": asdict(close_month)}), flush=True)
    print()
    print(table(results))
    print()
    if ratios:
        print(
            f"Scale ratio: in-process time at scale {max(by_scale)} over scale {min(by_scale)}, divided by the "
            f"baseline's own ratio ({raw_ratios.get(BASELINE, 1.0):.2f}: the machine's drift between the passes)."
        )
    print(
        "Rendered: the page built anew on every request, the page cache off (what the first visitor after a change "
        "waits for); for information, not a goal."
    )
    print(
        f"Closing a month ({close_month.month}, the monthly report job, without sending email): "
        f"{close_month.queries} queries, {close_month.median_ms:.1f} ms (median of {close_month.runs} runs)"
    )
    missed = [result.page for result in results if not result.goals_met and result.page != BASELINE]
    print("Every goal met." if not missed else f"Goals missed by {len(missed)} pages: {', '.join(missed)}.")
    write_results(results, loads, args, close_month)
    step("Wrote %s", RESULTS_FILE.relative_to(ROOT))
    short = [result.page for result, load in zip(results, loads, strict=True) if len(load.latencies) < args.requests]
    if short:
        step("Time limit reached before %d requests for: %s", args.requests, ", ".join(short))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except BenchError as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
