"""metrics.queue_state: each queue's size, paused state and latency, and ages said in words."""

from __future__ import annotations

import json

import pytest

from django_resque.metrics import queue_state
from django_resque.queues import lists as queues


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59.9, "59 s"), (60, "1 min"), (3599, "59 min"), (3600, "1 h"), (86400, "1 d")],
)
def test_an_age_is_said_in_its_largest_whole_unit_rounded_down(seconds, text):
    assert queue_state.age_text(seconds) == text


def test_known_unknown_and_empty_latencies_are_told_apart(redis):
    seconds, _ = redis.time()
    queues.push("php", json.dumps({"class": "Mailer", "args": [], "queue_time": seconds - 30}))
    queues.push("ruby", json.dumps({"class": "Mailer", "args": []}))
    queues.push("hostile", "not json")
    queues.push("boolean", json.dumps({"class": "M", "args": [], "queue_time": True}))
    redis.sadd("resque:queues", "empty")
    queues.pause("ruby")
    states = {
        s.name: s for s in queue_state.describe(["php", "ruby", "hostile", "boolean", "empty"])
    }
    php = states["php"]
    assert php.size == 1 and not php.paused and 30 <= php.latency < 90
    assert php.latency_text.endswith(" s") and php.latency_note == ""
    for name in ("ruby", "hostile", "boolean"):
        assert states[name].latency is None and states[name].latency_text == ""
        assert states[name].latency_note == queue_state.UNKNOWN
    assert states["ruby"].paused
    assert states["empty"].latency is None and states["empty"].latency_note == queue_state.EMPTY
