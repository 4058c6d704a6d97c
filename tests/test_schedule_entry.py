"""A schedule's config is checked when it is parsed, with a sentence naming what to fix."""

from __future__ import annotations

from datetime import timedelta

import pytest

from django_resque.scheduler.entry import parse

JOB = {"job": "tests.jobs.add", "every": "1m"}


@pytest.mark.parametrize(
    ("name", "cfg", "says"),
    [
        ("", JOB, "must be non-empty text without spaces"),
        ("two words", JOB, "must be non-empty text without spaces"),
        ("x", ["not", "a", "dict"], "must be a dict, not list"),
        ("x", {**JOB, "cron": 5}, "'cron' must be text"),
        ("x", {**JOB, "queue": "a:b"}, "Queue name 'a:b' is not valid"),
        ("x", {**JOB, "args": [object()]}, "Schedule 'x': "),
        ("x", {**JOB, "kwargs": [1]}, "'kwargs' must be a dict"),
        ("x", {**JOB, "kwargs": {"a": object()}}, "Schedule 'x': "),
        ("x", {**JOB, "timezone": 5}, "'timezone' must be an IANA zone name"),
        ("x", {**JOB, "enabled": "yes"}, "'enabled' must be True or False"),
        ("x", {**JOB, "catchup": "sometimes"}, "'catchup' must be one of"),
        ("x", {**JOB, "max_catchup": 0}, "'max_catchup' must be a whole number >= 1"),
        ("x", {**JOB, "max_catchup": True}, "'max_catchup' must be a whole number >= 1"),
        ("x", {**JOB, "misfire_grace": -1}, "'misfire_grace' must be seconds >= 0"),
        ("x", {**JOB, "misfire_grace": "soon"}, "'misfire_grace' must be seconds >= 0"),
    ],
)
def test_a_bad_schedule_config_is_refused_with_what_to_fix(name, cfg, says):
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace("[", r"\[")):
        parse(name, cfg)


def test_a_misfire_grace_may_be_a_timedelta_and_a_lone_argument_is_a_list_of_one():
    entry = parse("x", {**JOB, "misfire_grace": timedelta(minutes=2), "args": 7})
    assert entry.misfire_grace == 120.0 and entry.args == [7]
