"""Bad `resque_work` options are CommandErrors raised before any worker starts."""

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.parametrize("value", ["", " ", ",,,", "a,,b"])
def test_an_empty_or_gappy_queues_option_is_an_error(value):
    with pytest.raises(CommandError, match="--queues needs comma-separated queue names"):
        call_command("resque_work", queues=value, burst=True)


@pytest.mark.parametrize("variable", ["QUEUE", "QUEUES"])
def test_an_empty_queue_environment_variable_is_an_error_not_a_fall_back(monkeypatch, variable):
    monkeypatch.delenv("QUEUE", raising=False)
    monkeypatch.delenv("QUEUES", raising=False)
    monkeypatch.setenv(variable, "")
    with pytest.raises(CommandError, match=f"The {variable} environment variable needs"):
        call_command("resque_work", burst=True)


def test_scheduler_list_with_redis_down_is_a_command_error_naming_the_server(settings):
    down = "redis://:secret@127.0.0.1:1/0"
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": down, "SOCKET_CONNECT_TIMEOUT": 1}
    with pytest.raises(
        CommandError, match=r"Redis at redis://:\*\*\*@127.0.0.1:1/0 is unreachable"
    ):
        call_command("resque_scheduler", list=True)
