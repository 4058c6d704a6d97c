"""Fixtures: a private redis-server for the session, a clean database per test, real workers."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_py
from django.conf import settings

from tests.helpers import ROOT, RedisServer, call_here, manage, run_burst_worker, worker_env

pytest_plugins = ["tests.coverage_share"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under RESQUE_TEST_LEG (scripts/test's Django legs), skip the other leg's one_leg tests.

    Long tests whose subject is Redis and processes rather than Django (soak and bulk runs,
    processes racing over Redis, Redis outages) and the browser tests run once per scripts/test,
    on one leg each, shared out so that both legs take about as long. Tests of Django APIs that
    differ between the legs (django.tasks, the admin, checks, the ORM) run on both. Run without
    RESQUE_TEST_LEG, pytest runs them all.

    The leg's own long tests go first: pytest-xdist's worksteal hands each process a share
    of the list and lets an idle one take from the end of another's, so short tests at the end
    fill the gaps instead of one long test running alone last.
    """
    leg = os.environ.get("RESQUE_TEST_LEG")
    if not leg:
        return
    long_ones = set()
    for item in items:
        marker = item.get_closest_marker("one_leg")
        if marker is None:
            continue
        own = str(marker.kwargs.get("leg", 1))
        if own == leg:
            long_ones.add(item.nodeid)
        else:
            item.add_marker(pytest.mark.skip(reason=f"one_leg: runs on leg {own} of scripts/test"))
    items.sort(key=lambda item: item.nodeid not in long_ones)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Start a redis-server of our own on a free loopback port; stop it by pid at the end."""
    server = RedisServer().start()
    os.environ["RESQUE_TEST_REDIS_URL"] = server.url
    _point_settings_at(server.url)
    yield server
    server.stop()


def _point_settings_at(url: str) -> None:
    from django_resque import conf
    from django_resque.storage import connection

    settings.RESQUE["REDIS_URL"] = url
    conf._config.cache_clear()
    connection.reset()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the test database in a file that worker processes share (model jobs)."""
    path = os.environ.get("RESQUE_TEST_DB") or str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    settings.DATABASES["default"]["TEST"]["NAME"] = path
    os.environ["RESQUE_TEST_DB"] = path


@pytest.fixture(autouse=True)
def redis(redis_server: RedisServer) -> Iterator[redis_py.Redis]:
    """A client on the test server, whose database is empty when each test starts."""
    _point_settings_at(redis_server.url)
    client = redis_py.Redis.from_url(redis_server.url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def ledger(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.txt")


@pytest.fixture
def work_here(django_db_blocker: Any) -> Callable[..., str]:
    """Run the real Worker in burst mode in the test process until its queues are empty.

    For tests about what a worker does with its queues (order, priority, pauses, records);
    tests about signals, kill -9, forks seen from outside or supervision use start_worker. The
    worker may use the database as a worker process may. Before each fork it closes this
    process's database connections, so a test whose connection is inside a transaction
    (django_db without transaction=True) passes fork=False. With `until=condition` the worker
    runs without --burst until condition() is true (helpers.run_burst_worker).
    """

    def work(
        *queues: str, fork: bool = True, until: Callable[[], object] | None = None, **resque: Any
    ) -> str:
        with django_db_blocker.unblock():
            return run_burst_worker(*queues, fork=fork, until=until, **resque)

    return work


@pytest.fixture
def command_here(django_db_blocker: Any) -> Callable[..., tuple[str, str]]:
    """Run a management command in the test process (helpers.call_here); (stdout, stderr).

    For tests of a command's options and output; a worker it runs may use the database.
    """

    def call(name: str, *args: str) -> tuple[str, str]:
        with django_db_blocker.unblock():
            return call_here(name, *args)

    return call


@pytest.fixture
def start_worker() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start `manage.py resque_work` as a real process; kill whatever is left of it at the end.

    Its output is a pipe unless `stdout=` names a file, which a test can read while it runs.
    """
    started: list[subprocess.Popen[str]] = []

    def start(
        *args: str, env: dict[str, str] | None = None, stdout: Any = subprocess.PIPE
    ) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            manage("resque_work", *args),
            env=worker_env(**(env or {})),
            cwd=ROOT,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A real Redis Cluster for the module (tests/cluster_set.py); stopped by pid at its end."""
    from tests.cluster_set import ClusterSet  # imports tests.jobs: Django must be set up first

    started = ClusterSet().start()
    yield started
    started.stop()


@pytest.fixture
def on_cluster(cluster: Any, settings: Any) -> Iterator[Any]:
    """Settings on the module's cluster, with CLUSTER=True; its primaries emptied first."""
    from django_resque.storage import connection

    cluster.flush()
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": cluster.url, "CLUSTER": True}
    yield cluster
    connection.reset()
