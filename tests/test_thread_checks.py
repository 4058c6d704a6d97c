"""W025 against a real PostgreSQL with a small max_connections, started by the test itself."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from tests.helpers import run_command

POSTGRES = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def small_postgres():
    """A private PostgreSQL on a free loopback port with max_connections=5; stopped by pid."""
    if not POSTGRES:
        pytest.skip("no PostgreSQL server binary on this machine")
    pytest.importorskip("psycopg")
    bin_dir, root = os.path.dirname(POSTGRES[-1]), tempfile.mkdtemp(prefix="resque-pg-")
    as_postgres: list[str] = []  # PostgreSQL refuses to run as root: then as its own user
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and no postgres user to run the server as")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(root, "data"), free_port()
    subprocess.run(
        [
            *as_postgres,
            f"{bin_dir}/initdb",
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    settings = ["-c", "max_connections=5", "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
    server = subprocess.Popen(
        [*as_postgres, POSTGRES[-1], "-D", data, "-p", str(port), "-k", root, *settings],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while subprocess.run(
        [f"{bin_dir}/pg_isready", "-h", "127.0.0.1", "-p", str(port)], capture_output=True
    ).returncode:
        assert time.monotonic() < deadline and server.poll() is None, "PostgreSQL did not start"
        time.sleep(0.1)
    yield port
    with open(os.path.join(data, "postmaster.pid")) as pidfile:
        os.kill(int(pidfile.readline()), 15)  # the postmaster, by the pid it wrote
    server.wait(timeout=30)
    shutil.rmtree(root, ignore_errors=True)


def test_w025_warns_when_threads_outnumber_the_databases_connections(redis, small_postgres):
    env = {"RESQUE_TEST_PG_PORT": str(small_postgres)}
    many = run_command("resque_work", "--burst", "--threads", "4", "--count", "2", env=env)
    assert many.returncode == 0, many.stderr
    assert "django_resque.W025" in many.stderr
    assert "allows 5 connections" in many.stderr and "may open 8 at once" in many.stderr
    few = run_command("resque_work", "--burst", "--threads", "4", env=env)
    assert few.returncode == 0 and "W025" not in few.stderr, few.stderr
