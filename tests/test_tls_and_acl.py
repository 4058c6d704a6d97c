"""Redis over TLS (a throw-away CA, client certificates) and under a least-privilege ACL user.

A redis-server of the test's own serves TLS on a second port; its certificates come from a CA the
test makes with the openssl CLI. The ACL user gets exactly the rule docs/scale-out.md documents;
a worker, a scheduler, .delay(), the admin pages and `check --deploy` run under it.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis as redis_py
from private_redis import find_binary, free_port  # scripts/, on sys.path by tests.helpers

from django_resque.exceptions import EnqueueError, EnqueueOutcomeUnknown
from django_resque.scheduler import schedules
from django_resque.storage import connection
from tests import jobs
from tests.helpers import ROOT, RedisServer, manage, run_command, wait_until, worker_env

pytestmark = pytest.mark.one_leg(leg=2)  # Redis processes of their own

# The ACL rule docs/scale-out.md gives for the namespace "resque" (keep the two the same).
ACL_RULE = (
    "~resque:* resetchannels -@all +@list +@hash +@set +@sortedset +@string +@keyspace +@scripting "
    "+@connection +@transaction -@dangerous +info +time"
)


def tls_unsupported() -> str:
    """Why the redis-server binary cannot serve TLS, or "" when it can."""
    probe = subprocess.run(
        [find_binary(), "--port", "0", "--tls-port", str(free_port()), "--tls-cert-file", "/-"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    if "Bad directive" in probe.stdout + probe.stderr:
        return (
            f"{find_binary()} was built without TLS (BUILD_TLS=yes); Debian's redis-server has it"
        )
    return ""


def openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True)


def make_ca(where: Path) -> dict[str, Path]:
    """A throw-away CA and two certificates it signs: the server's (127.0.0.1) and a client's."""
    key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
            "-subj", "/CN=resque-test-ca", cwd=where)  # fmt: skip
    (where / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "client"):
        openssl("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN={name}", cwd=where)  # fmt: skip
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "1", "-extfile", "san.ext",
                cwd=where)  # fmt: skip
    return {
        n: where / n for n in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")
    }


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisServer, int, dict]]:
    """A redis-server with a TLS port that requires client certificates from our CA."""
    if why := tls_unsupported():
        pytest.skip(why)
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the test CA")
    files = make_ca(tmp_path_factory.mktemp("ca"))
    tls_port = free_port()
    server = RedisServer(
        extra=[
            *("--tls-port", str(tls_port), "--tls-auth-clients", "yes"),
            *(
                "--tls-cert-file",
                str(files["server.crt"]),
                "--tls-key-file",
                str(files["server.key"]),
            ),
            *("--tls-ca-cert-file", str(files["ca.crt"])),
        ]
    ).start()
    yield server, tls_port, files
    server.stop()


def tls_url(port: int, files: dict[str, Path], **overrides: str) -> str:
    query = {
        "ssl_ca_certs": str(files["ca.crt"]),
        "ssl_certfile": str(files["client.crt"]),
        "ssl_keyfile": str(files["client.key"]),
        "ssl_cert_reqs": "required",
        **overrides,
    }
    return f"rediss://127.0.0.1:{port}/0?{urlencode(query)}"


def test_a_worker_and_delay_work_over_tls_with_a_client_certificate(
    tls_server, ledger, settings, start_worker
):
    server, port, files = tls_server
    url = tls_url(port, files)
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": url}
    jobs.record.delay(ledger, "over-tls")
    worker = start_worker("--burst", "--queues", "default", env={"RESQUE_TEST_REDIS_URL": url})
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert [r[0] for r in jobs.read_ledger(ledger)] == ["over-tls"]
    plain = redis_py.Redis.from_url(server.url)
    assert plain.get("resque:stat:processed") == b"1"
    plain.flushdb()
    checked = run_command("check", "--deploy", env={"RESQUE_TEST_REDIS_URL": url})
    assert "django_resque.E" not in checked.stdout + checked.stderr, checked.stderr


def test_tls_with_a_wrong_ca_or_a_foreign_client_certificate_is_a_clear_enqueue_error(
    tls_server, settings, tmp_path
):
    server, port, files = tls_server
    other = make_ca(tmp_path)
    untrusted = tls_url(port, files, ssl_ca_certs=str(other["ca.crt"]))
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": untrusted}
    with pytest.raises(EnqueueError, match="certificate verify failed.* Nothing was stored"):
        jobs.add.delay(1, 2)
    assert redis_py.Redis.from_url(server.url).llen("resque:queue:default") == 0


def test_a_client_certificate_the_server_refuses_is_not_enqueued_and_says_why(
    tls_server, settings, tmp_path
):
    # The server refuses a client certificate of another CA once the TLS 1.3 handshake is
    # over: the client meets it at the connection's first write, before any command of ours.
    server, port, files = tls_server
    other = make_ca(tmp_path)
    foreign = {**files, "client.crt": other["client.crt"], "client.key": other["client.key"]}
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": tls_url(port, foreign)}
    with pytest.raises(EnqueueError) as refused:
        jobs.add.delay(1, 2)
    assert refused.value.outcome_unknown is False, refused.value
    assert not isinstance(refused.value, EnqueueOutcomeUnknown)
    message = str(refused.value)
    assert "Error connecting to rediss://127.0.0.1" in message and "Nothing was stored" in message
    (tls_error,) = [e for e in _chain(refused.value) if isinstance(e, ssl.SSLError)]
    assert str(tls_error.args[-1]) in message  # the TLS error, in its own words
    assert redis_py.Redis.from_url(server.url).llen("resque:queue:default") == 0


def _chain(exc: BaseException | None) -> list[BaseException]:
    """`exc` and the errors it was raised from, outermost first."""
    chain = []
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


def test_a_tls_url_naming_a_missing_ca_file_fails_saying_the_file_is_missing(tls_server, settings):
    _, port, files = tls_server
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": tls_url(port, files, ssl_ca_certs="/nope")}
    with pytest.raises(redis_py.ConnectionError, match="No such file"):
        connection.get_redis().ping()


# --- ACL ------------------------------------------------------------------------------------
@pytest.fixture
def acl_url(redis_server: RedisServer, redis: redis_py.Redis) -> Iterator[str]:
    """A user with only the documented rule on the session's server; removed afterwards."""
    redis.execute_command(
        "ACL", "SETUSER", "resque-app", "reset", "on", ">s3cret", *ACL_RULE.split()
    )
    yield f"redis://resque-app:s3cret@127.0.0.1:{redis_server.port}/0"
    redis.execute_command("ACL", "DELUSER", "resque-app")


def test_the_documented_acl_rule_lets_a_worker_a_scheduler_and_delay_do_everything(
    acl_url, redis, ledger, settings, start_worker, tmp_path
):
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": acl_url}
    env = {"RESQUE_TEST_REDIS_URL": acl_url}
    schedules.set("tick", every=1, job="tests.jobs.record", args=[ledger, "scheduled"])
    jobs.record.delay(ledger, "delayed")
    jobs.fail.delay("on purpose")  # the failure path too
    log = tmp_path / "scheduler.log"
    with log.open("w") as out:
        scheduler = subprocess.Popen(
            manage("resque_scheduler", "--interval", "0.2", "-v", "2"),
            env=worker_env(**env),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        worker = start_worker("--queues", "default", "-v", "2", env=env)
        wait_until(lambda: {"delayed", "scheduled"} <= {r[0] for r in jobs.read_ledger(ledger)})
        wait_until(lambda: redis.llen("resque:failed") == 1)
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    assert worker.returncode == 0, output
    assert "NOPERM" not in output + log.read_text(), output + log.read_text()
    assert "Traceback" not in output + log.read_text()


def test_a_wrong_password_is_not_enqueued_and_nothing_is_stored(acl_url, redis, settings):
    wrong = acl_url.replace(":s3cret@", ":not-the-password@")
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": wrong}
    with pytest.raises(EnqueueError, match="invalid username-password pair") as refused:
        jobs.add.delay(1, 2)
    assert refused.value.outcome_unknown is False
    message = str(refused.value)
    assert "Nothing was stored" in message and "not-the-password" not in message
    assert redis.llen("resque:queue:default") == 0


def test_the_acl_user_cannot_flush_configure_or_list_all_keys(acl_url):
    client = redis_py.Redis.from_url(acl_url)
    for command in (("FLUSHALL",), ("CONFIG", "SET", "maxmemory", "1"), ("KEYS", "*")):
        with pytest.raises(redis_py.exceptions.NoPermissionError):
            client.execute_command(*command)
    with pytest.raises(redis_py.exceptions.NoPermissionError):
        client.set("other-app:key", "x")  # outside the namespace


def test_the_admin_pages_and_check_deploy_work_under_the_acl_user(acl_url, admin_client, settings):
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": acl_url}
    jobs.add.delay(1, 2)
    for url in (
        "/admin/django_resque/overview/",
        "/admin/django_resque/queue/",
        "/admin/django_resque/worker/",
        "/admin/django_resque/failedjob/",
        "/admin/django_resque/delayedjob/",
        "/admin/django_resque/schedule/",
        "/admin/django_resque/stats/",
        "/admin/django_resque/jobgroup/",
        "/admin/django_resque/limit/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    result = run_command("check", "--deploy", env={"RESQUE_TEST_REDIS_URL": acl_url})
    assert "NOPERM" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert "django_resque.E" not in result.stdout + result.stderr, result.stdout + result.stderr
