import pytest

from django_resque.exceptions import EnqueueError
from django_resque.queues import delayed, priority
from django_resque.queues import lists as queues
from tests import jobs


def test_resolve_expands_globs_alphabetically_and_keeps_plain_names_in_order():
    known = ["mail_b", "low", "mail_a", "high", "default"]
    assert queues.resolve(["high", "mail_*", "low"], known) == ["high", "mail_a", "mail_b", "low"]
    assert queues.resolve(["critical", "*"], known) == [
        "critical",
        "default",
        "high",
        "low",
        "mail_a",
        "mail_b",
    ]
    assert queues.resolve(["*", "!mail_*"], known) == ["default", "high", "low"]


def test_is_dynamic_only_for_globs_and_exclusions():
    assert not queues.is_dynamic(["high", "low"])
    assert queues.is_dynamic(["*"]) and queues.is_dynamic(["a", "!b"])


def test_names_size_peek_clear_and_remove(redis):
    for n in range(3):
        jobs.add.delay(n, n)
    jobs.add.using(queue="other").delay(1, 1)
    assert queues.names() == ["default", "other"]
    assert queues.size("default") == 3
    assert [p.count(b'"args":[1,1]') for p in queues.peek("default", 1, 1)] == [1]
    assert queues.peek("default", 0, 0) == []
    assert queues.clear("default") == 3
    assert queues.size("default") == 0 and "default" in queues.names()
    queues.remove("other")
    assert queues.names() == ["default"]


def test_push_leaves_one_wake_token_per_payload_up_to_a_cap(redis):
    queues.push("default", *['{"class":"x","args":[]}'] * 5)
    assert redis.llen("resque:dj:wake:default") == 5
    queues.push("default", *['{"class":"x","args":[]}'] * (queues.WAKE_TOKEN_CAP + 10))
    assert redis.llen("resque:dj:wake:default") == queues.WAKE_TOKEN_CAP
    queues.push("default", '{"class":"x","args":[]}')  # a full list takes no more tokens
    assert redis.llen("resque:dj:wake:default") == queues.WAKE_TOKEN_CAP
    assert queues.size("default") == queues.WAKE_TOKEN_CAP + 16  # but every payload is stored


@pytest.mark.parametrize(
    "push",
    [
        lambda p: queues.push("default", p),
        lambda p: queues.push_many("default", [p], chunk_size=10),
        lambda p: priority.push("default", p, 5),
        lambda p: delayed.push(2_000_000_000, p),
    ],
    ids=["push", "push_many", "priority", "delayed"],
)
def test_every_enqueue_path_refuses_an_oversized_payload_with_one_sentence(redis, settings, push):
    settings.RESQUE = {**settings.RESQUE, "MAX_PAYLOAD_BYTES": 100}
    big = '{"class":"x","args":["' + "a" * 100 + '"]}'
    with pytest.raises(EnqueueError, match=r"^Payload of 125 bytes is over .*pass its key\.$"):
        push(big)
    assert redis.dbsize() == 0
