"""System checks of the integration settings (ENQUEUE_ON_COMMIT, INLINE, TASKS), and the
deploy-only Redis server checks."""

import pytest
from django.conf import settings
from django.core import checks as django_checks
from django.test import override_settings

from django_resque.checks import deploy as checks_integration
from django_resque.checks.deploy import check_integration_settings, check_redis_server
from tests.helpers import run_command


def ids(messages):
    return [m.id for m in messages]


def with_resque(**changes):
    return override_settings(RESQUE={**settings.RESQUE, **changes})


def test_the_test_settings_pass():
    assert check_integration_settings() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"ENQUEUE_ON_COMMIT": "yes"}, "django_resque.E050"),
        ({"INLINE": 1}, "django_resque.E051"),
    ],
)
def test_bad_values_are_reported(changes, expected):
    with with_resque(**changes):
        assert ids(check_integration_settings()) == [expected]


def test_task_queues_that_workers_do_not_listen_to_are_a_warning():
    tasks = {"default": {"BACKEND": checks_integration.BACKEND_PATH, "QUEUES": ["default", "x"]}}
    with override_settings(TASKS=tasks):
        [message] = checks_integration.check_task_queues()
    assert message.id == "django_resque.W057" and "['x']" in message.msg
    with override_settings(TASKS=tasks), with_resque(QUEUES=["default", "x"]):
        assert checks_integration.check_task_queues() == []


def test_redis_checks_run_only_on_deploy():
    assert check_redis_server in django_checks.registry.registry.get_checks(
        include_deployment_checks=True
    )
    assert check_redis_server not in django_checks.registry.registry.get_checks()


def test_an_unreachable_redis_is_an_error():
    with with_resque(REDIS_URL="redis://127.0.0.1:1/0"):
        [message] = check_redis_server()
    assert message.id == "django_resque.E053"


def test_the_test_server_warns_about_eviction_policy_only_when_it_evicts(redis):
    redis.config_set("maxmemory-policy", "allkeys-lru")
    try:
        assert "django_resque.W055" in ids(check_redis_server())
    finally:
        redis.config_set("maxmemory-policy", "noeviction")
    assert "django_resque.W055" not in ids(check_redis_server())


def test_persistence_off_is_a_warning_and_on_is_fine(redis):
    redis.config_set("appendonly", "no")
    assert "django_resque.W056" in ids(check_redis_server())
    redis.config_set("appendonly", "yes")
    try:
        assert ids(check_redis_server()) == []
    finally:
        redis.config_set("appendonly", "no")


def test_manage_py_check_deploy_reports_the_redis_checks(redis):
    redis.config_set("appendonly", "no")
    result = run_command("check", "--deploy", "--tag", checks_integration.REDIS_TAG)
    assert "django_resque.W056" in result.stderr + result.stdout
    plain = run_command("check", env={"RESQUE_TEST_REDIS_URL": "redis://127.0.0.1:1/0"})
    assert plain.returncode == 0, plain.stderr
