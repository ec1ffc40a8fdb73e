"""Real engines for the scale-out tests and benchmarks: a Postgres server (Debian's
``postgresql``: ``initdb`` in a temporary folder, ``pg_ctl`` on 127.0.0.1 on a free port) and a
Redis server (``redis-server``), each started for the length of a ``with`` block and stopped
after, their folders removed. Nothing listens beyond 127.0.0.1.

    with postgres() as pg:
        location = pg.lake("gongkai")      # ducklake:postgres:dbname=gongkai host=127.0.0.1 …
    with redis() as broker:
        broker.url                         # redis://127.0.0.1:PORT/0

``missing_postgres()`` / ``missing_redis()`` say why they cannot start here (for a skip), or
None.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_USER = "gongkai"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path | None:
    """The folder of Debian's Postgres server programs (the newest installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_postgres() -> str | None:
    if postgres_bin() is None:
        return "Postgres is not installed (Debian: apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb refuses root"
    return None


def missing_redis() -> str | None:
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (Debian: apt-get install redis-server)"
    return None


def _as_server_user(args: list[str]) -> list[str]:
    """Postgres refuses to run as root: as root, run its programs as the ``postgres`` user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _wait_for_port(port: int, seconds: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@dataclass
class Postgres:
    port: int
    bin: Path
    folder: Path

    def dsn(self, database: str) -> str:
        """A libpq connection string (keyword=value) to ``database``."""
        return f"dbname={database} host=127.0.0.1 port={self.port} user={PG_USER}"

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        subprocess.run(_as_server_user([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p",
                                        str(self.port), "-U", PG_USER, name]),
                       check=True, capture_output=True, cwd="/")
        return name

    def lake(self, database: str) -> str:
        """A new database made a DuckLake location (its catalogue)."""
        self.create_database(database)
        return "ducklake:postgres:" + self.dsn(database)


@contextmanager
def postgres() -> Iterator[Postgres]:
    """A Postgres server of its own (trust authentication, user ``gongkai``, 127.0.0.1 only)
    in a temporary folder, stopped and removed after."""
    reason = missing_postgres()
    if reason:
        raise RuntimeError(reason)
    bin_dir = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="gongkai-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, log = folder / "data", folder / "server.log"
    port = free_port()
    try:
        subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER,
                                        "--auth=trust", "-E", "UTF8", "--no-locale"]),
                       check=True, capture_output=True, cwd="/")
        subprocess.run(_as_server_user([
            str(bin_dir / "pg_ctl"), "start", "-D", str(data), "-l", str(log), "-w", "-t", "60",
            "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c max_connections=200 "
                  "-c fsync=off"]),
            check=True, capture_output=True, cwd="/")
        _wait_for_port(port, 30)
        yield Postgres(port, bin_dir, folder)
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                        "-w", "stop"]), capture_output=True, cwd="/")
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Redis:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextmanager
def redis() -> Iterator[Redis]:
    """A Redis server of its own on 127.0.0.1 (no persistence), stopped after."""
    reason = missing_redis()
    if reason:
        raise RuntimeError(reason)
    folder = Path(tempfile.mkdtemp(prefix="gongkai-redis-"))
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes"],
        stdout=open(folder / "redis.log", "wb"), stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, 30, process)
        yield Redis(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class CeleryWorker:
    """A `dagster-celery worker` started for a test: its own process group (the
    `dagster-celery` launcher, the `celery` worker it runs, that worker's pool process)."""

    name: str
    process: subprocess.Popen
    log: Path

    def pids(self) -> set[int]:
        """The worker's processes: the launcher and everything it started."""
        return {self.process.pid} | _descendants(self.process.pid)


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat_file in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat_file).read_text()
        except OSError:
            continue  # gone meanwhile
        # pid (comm) state ppid …; comm may hold spaces and parentheses
        ppid = int(text[text.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(text.split(" ", 1)[0]))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@contextmanager
def celery_workers(count: int, env: dict[str, str], config_yaml: Path, cwd: Path,
                   seconds: float = 120) -> Iterator[list[CeleryWorker]]:
    """``count`` workers (``dagster-celery worker start -A dagster_celery.app -y
    config_yaml``, one step at a time each, in the worker's own process: Celery's ``solo``
    pool, as deploy/celery/start-worker.sh starts them) with ``env`` (the broker,
    DAGSTER_HOME, the warehouse), ready when the block starts; each process group stopped
    after (TERM, then KILL), also when the block fails."""
    import signal
    import sys

    folder = Path(tempfile.mkdtemp(prefix="gongkai-celery-"))
    launcher = str(Path(sys.executable).with_name("dagster-celery"))
    # the launcher runs `celery` from PATH: this interpreter's
    env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    workers: list[CeleryWorker] = []
    try:
        for i in range(count):
            name = f"gongkai-test-{i + 1}-{os.getpid()}"
            log = folder / f"{name}.log"
            process = subprocess.Popen(
                [launcher, "worker", "start", "-A", "dagster_celery.app", "-y",
                 str(config_yaml), "--name", name, "--", "--pool", "solo"],
                env=env, cwd=cwd, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                start_new_session=True)
            workers.append(CeleryWorker(name, process, log))
        deadline = time.monotonic() + seconds
        for worker in workers:
            while b" ready." not in worker.log.read_bytes():
                if worker.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"celery worker {worker.name} did not start:\n"
                                       + worker.log.read_text(errors="replace")[-3000:])
                time.sleep(0.2)
        yield workers
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                os.killpg(worker.process.pid, signal.SIGTERM)  # the group this block made
        for worker in workers:
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.process.pid, signal.SIGKILL)
                worker.process.wait()
            try:  # the pool processes too, if the worker left any
                os.killpg(worker.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(folder, ignore_errors=True)
