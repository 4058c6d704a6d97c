"""The Limits pages: locks, slots and rate windows held, who waits, and releasing a lock or slot.

Each test writes the layout of storage/limit_keys.py into the test Redis, as the limit scripts
leave it, and reads what the pages make of it.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from django.test import override_settings

from django_resque.limits import browse
from django_resque.storage.keys import get_keys
from tests.admin_pages.conftest import XSS, assert_escaped
from tests.helpers import RedisServer

LIST = "/admin/django_resque/limit/"
DETAIL = "/admin/django_resque/limit/detail/"
RELEASE = "/admin/django_resque/limit/release/"
EXPORT = "tests.jobs.export/42"  # a unique job's lock, keyed by its argument
SYNC = "tests.jobs.sync"  # a concurrency limit of 3
MAIL = "tests.jobs.mail"  # a rate window of 10 starts a minute


def now_ms(redis) -> int:
    seconds, micros = redis.time()
    return seconds * 1000 + micros // 1000


def item(job_id: str, limits: dict, queue: str = "default", job: str = SYNC) -> str:
    """A waiting list's item: `<queue>\\n<payload>`, the payload carrying its limits field."""
    payload = {"class": job, "args": [job_id], "id": job_id, "limits": limits}
    return f"{queue}\n{json.dumps(payload)}"


@pytest.fixture
def held(redis) -> dict[str, int]:
    """A lock, three slots of SYNC (two workers, one handed out) with two jobs waiting, and a
    rate window of MAIL with two starts in it, one that left it, and one job waiting."""
    keys, now = get_keys(), now_ms(redis)
    redis.set(keys.limit_lock(EXPORT), "job-export", px=60_000)
    redis.hset(
        keys.limit_slots(SYNC),
        mapping={"host:1:default": "job-a", "host:2:default": "job-b", "~job-c": now + 300_000},
    )
    redis.hset(keys.limit_max(), mapping={f"slots:{SYNC}": "3", f"rate:{MAIL}": "10/60"})
    slots = {"slots": [{"key": SYNC, "max": 3}]}
    redis.rpush(keys.limit_wait("slots", SYNC), item("job-d", slots), item("job-e", slots))
    redis.zadd(
        keys.limit_rate(MAIL),
        {"m1@1": now - 1000, "~m2": now - 5000, "m0@0": now - 120_000},
    )
    rate = {"rate": {"key": MAIL, "max": 10, "per": 60}}
    redis.rpush(keys.limit_wait("rate", MAIL), item("m3", rate, "mail", MAIL))
    return {"now": now}


def test_the_list_shows_locks_slots_and_rate_windows_with_their_waiting_counts(viewer, held):
    response = viewer.get(LIST)
    assert response.status_code == 200
    listing = response.context["listing"]
    (lock,) = listing.locks
    assert (lock.k, lock.job_name, lock.holder) == (EXPORT, "tests.jobs.export", "job-export")
    assert 55_000 < lock.expires_ms <= 60_000
    (slots,) = listing.slots
    assert (slots.k, slots.in_use, slots.limit, slots.waiting.count) == (SYNC, 3, 3, 2)
    assert [(h.field, h.job_id, h.handed_out) for h in slots.holders] == [
        ("host:1:default", "job-a", False),
        ("host:2:default", "job-b", False),
        ("~job-c", "job-c", True),
    ]
    (rate,) = listing.rates
    assert (rate.k, rate.starts, rate.limit, rate.per, rate.waiting.count) == (MAIL, 2, 10, 60, 1)
    assert listing.complete and listing.unreadable == []
    html = response.content.decode()
    assert f'href="detail/?k={EXPORT}"' in html
    assert "3 of 3" in html and "2 of 10" in html and "60 s" in html
    assert "Release" not in html  # view-only staff see no action


def test_a_limits_size_comes_from_a_waiting_or_a_running_payload_when_max_does_not_say(
    viewer, redis
):
    keys = get_keys()
    waiting = {"slots": [{"key": "while/tests.jobs.once/abc", "max": 1}]}
    redis.rpush(keys.limit_wait("slots", "while/tests.jobs.once/abc"), item("w1", waiting))
    running = {"slots": [{"key": "tests.jobs.crawl", "max": 4}]}
    record = {"queue": "default", "run_at": "now", "payload": {"class": "c", "limits": running}}
    redis.hset(keys.limit_slots("tests.jobs.crawl"), "host:9:default", "r1")
    redis.set(keys.worker("host:9:default"), json.dumps(record))
    redis.zadd(keys.limit_rate("tests.jobs.ping"), {"p1@1": now_ms(redis)})
    slots = {s.k: s for s in viewer.get(LIST).context["listing"].slots}
    assert (slots["while/tests.jobs.once/abc"].limit, slots["tests.jobs.crawl"].limit) == (1, 4)
    assert slots["while/tests.jobs.once/abc"].job_name == "tests.jobs.once"
    (rate,) = viewer.get(LIST).context["listing"].rates
    assert (rate.starts, rate.limit, rate.per) == (1, None, None)  # no waiting job says it
    assert "1 of ?" in viewer.get(LIST).content.decode()


def test_one_limits_page_shows_its_holders_and_its_oldest_waiting_jobs(viewer, redis, held):
    keys = get_keys()
    slots = {"slots": [{"key": SYNC, "max": 3}]}
    redis.rpush(keys.limit_wait("slots", SYNC), *(item(f"job-{n}", slots) for n in range(23)))
    redis.rpush(keys.limit_wait("slots", SYNC), "no newline, no JSON")
    response = viewer.get(DETAIL, {"k": SYNC})
    assert response.status_code == 200
    rows = response.context["waiting_slots"]
    assert len(rows) == browse.WAITING_SHOWN
    assert [r.job_id for r in rows[:3]] == ["job-d", "job-e", "job-0"]
    assert rows[0].queue == "default" and rows[0].job_name == SYNC and '"job-d"' in rows[0].payload
    html = response.content.decode()
    assert "Showing the oldest 20 of 26." in html
    assert "/admin/django_resque/worker/detail/?id=host%3A1%3Adefault" in html
    assert "released from waiting, not yet taken by a worker" in html
    rate = viewer.get(DETAIL, {"k": MAIL})
    assert rate.context["rate"].starts == 2 and rate.context["waiting_rate"][0].queue == "mail"
    lock = viewer.get(DETAIL, {"k": EXPORT}).content.decode()
    assert "held by job job-export" in lock
    expires = re.search(r"expires in (\d+) s", lock)  # its 60 s TTL, less the test's time so far
    assert expires is not None and 50 <= int(expires.group(1)) <= 60


@pytest.mark.parametrize("k", ["", "tests.jobs.nothing", "x" * 5000])
def test_a_limit_that_nothing_holds_or_an_absurd_key_is_a_404(viewer, k):
    assert viewer.get(DETAIL, {"k": k}).status_code == 404


def test_keys_of_the_wrong_type_and_payloads_that_are_no_json_render(viewer, redis):
    keys = get_keys()
    redis.hset(keys.limit_lock("a"), "not", "a string")
    redis.set(keys.limit_slots("b"), "not a hash")
    redis.rpush(keys.limit_rate("c"), "not a zset")
    redis.sadd(keys.limit_wait("slots", "d"), "not a list")
    redis.set(keys.limit_max(), "not a hash")
    redis.set(keys.limit_lock(XSS[1]), XSS[0])
    redis.set(keys.limit_prefix().encode() + b"lock:\xff\xfe", b"\xff\x00" * 3000)
    redis.hset(keys.limit_slots(XSS[0]), mapping={XSS[1]: XSS[0], "~x": "soon", "~y": "1e999"})
    wait = keys.limit_wait("slots", XSS[0])
    redis.rpush(wait, b"q\n\xff{", b"\n[" * 2000, b"q\n" + b"[" * 1500 + b"]" * 1500)
    redis.rpush(wait, 'q\n{"class": {"x": 1}, "id": 7, "limits": {"slots": "x"}}')
    redis.rpush(keys.limit_wait("rate", "e"), 'q\n{"limits": {"rate": {"key": "e", "max": true}}}')
    response = viewer.get(LIST)
    assert response.status_code == 200
    listing = response.context["listing"]
    assert sorted(t for _, t in listing.unreadable) == ["hash", "list", "set", "string", "string"]
    assert {lock.holder[:2] for lock in listing.locks} >= {"<s", "\ufffd\x00"}
    html = response.content.decode()
    assert_escaped(html)
    for k in (XSS[0], XSS[1], "a", "b", "d", "e"):
        detail = viewer.get(DETAIL, {"k": k})
        assert detail.status_code == 200, k
        assert_escaped(detail.content.decode())
    rows = viewer.get(DETAIL, {"k": XSS[0]}).context["waiting_slots"]
    assert [r.malformed for r in rows] == [True, True, True, False]
    assert rows[3].job_name == "" and rows[3].job_id == "7"


def test_the_list_reads_a_bounded_number_of_keys_and_one_item_of_each_waiting_list(viewer, redis):
    keys = get_keys()
    with redis.pipeline(transaction=False) as pipe:
        for n in range(browse.NAMES_READ + 100):
            pipe.set(keys.limit_lock(f"tests.jobs.many/{n}"), f"j{n}")
        pipe.execute()
    huge = keys.limit_wait("slots", SYNC)
    for _ in range(10):
        redis.rpush(huge, *(item(f"h{n}", {}) for n in range(10_000)))
    started = time.monotonic()
    response = viewer.get(LIST)
    assert response.status_code == 200 and time.monotonic() - started < 5
    listing = response.context["listing"]
    assert not listing.complete and len(listing.locks) <= browse.NAMES_READ
    assert "More limit keys than one page reads" in response.content.decode()
    detail = viewer.get(DETAIL, {"k": SYNC}).context["slots"]
    assert detail.waiting.count == 100_000 and len(detail.waiting.jobs) == browse.WAITING_SHOWN


def test_releasing_a_lock_asks_first_then_frees_it(operator, redis, held):
    lock = get_keys().limit_lock(EXPORT)
    assert "Release" in operator.get(LIST).content.decode()
    data = {"kind": "lock", "k": EXPORT, "holder": "job-export"}
    asked = operator.post(RELEASE, data)
    assert asked.status_code == 200 and "Are you sure?" in asked.content.decode()
    assert f"Release the lock “{EXPORT}”, held by job job-export?" in asked.content.decode()
    assert redis.get(lock) == b"job-export"  # nothing done yet
    done = operator.post(RELEASE, {**data, "post": "yes"}, follow=True)
    assert f"Released the lock “{EXPORT}”, held by job job-export." in done.content.decode()
    assert done.redirect_chain[-1][0] == LIST
    assert redis.exists(lock) == 0


def test_a_lock_taken_by_another_job_meanwhile_is_not_released(operator, redis, held):
    lock = get_keys().limit_lock(EXPORT)
    redis.set(lock, "job-newer", px=60_000)
    data = {"kind": "lock", "k": EXPORT, "holder": "job-export", "post": "yes"}
    done = operator.post(RELEASE, data, follow=True)
    assert "Nothing released: job job-export no longer holds the lock" in done.content.decode()
    assert redis.get(lock) == b"job-newer"


def test_releasing_a_workers_slot_hands_it_to_the_oldest_waiting_job(operator, redis, held):
    keys = get_keys()
    data = {"kind": "slot", "k": SYNC, "holder": "host:1:default"}
    assert "Are you sure?" in operator.post(RELEASE, data).content.decode()
    done = operator.post(RELEASE, {**data, "post": "yes"}, follow=True)
    assert f"Released a slot of “{SYNC}”, held by worker host:1:default." in done.content.decode()
    slots = redis.hgetall(keys.limit_slots(SYNC))
    assert b"host:1:default" not in slots and b"~job-d" in slots  # handed to the next in line
    (queued,) = redis.lrange(keys.queue("default"), 0, -1)
    assert json.loads(queued)["id"] == "job-d"
    assert redis.lrange(keys.limit_wait("slots", SYNC), 0, -1) == [
        item("job-e", {"slots": [{"key": SYNC, "max": 3}]}).encode()
    ]
    again = operator.post(RELEASE, {**data, "post": "yes"}, follow=True)
    assert "Nothing released: worker host:1:default no longer holds" in again.content.decode()


def test_a_handed_out_slot_is_released_by_its_claim(operator, redis, held):
    data = {"kind": "slot", "k": SYNC, "holder": "~job-c", "post": "yes"}
    done = operator.post(RELEASE, data, follow=True)
    assert "held by job job-c (handed to it, not yet taken)" in done.content.decode()
    assert not redis.hexists(get_keys().limit_slots(SYNC), "~job-c")


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "queue", "k": SYNC, "holder": "x"},
        {"kind": "lock", "k": "", "holder": "x"},
        {"kind": "lock", "k": "x" * 5000, "holder": "x"},
    ],
)
def test_a_release_of_no_lock_or_slot_does_nothing(operator, data):
    done = operator.post(RELEASE, {**data, "post": "yes"}, follow=True)
    assert done.status_code == 200 and "Nothing to release." in done.content.decode()


def test_only_staff_who_may_change_limits_may_release_and_only_by_post(
    viewer, nobody, operator, csrf_operator, redis, held
):
    data = {"kind": "lock", "k": EXPORT, "holder": "job-export", "post": "yes"}
    assert nobody.get(LIST).status_code == 403
    assert nobody.get(DETAIL, {"k": EXPORT}).status_code == 403
    assert viewer.post(RELEASE, data).status_code == 403
    assert operator.get(RELEASE, data).status_code == 405
    assert csrf_operator.post(RELEASE, data).status_code == 403
    assert redis.get(get_keys().limit_lock(EXPORT)) == b"job-export"


def test_the_pages_and_the_release_say_redis_is_unreachable_with_a_503(operator, settings):
    down = RedisServer()  # never started: connections to its port are refused
    with override_settings(RESQUE={**settings.RESQUE, "REDIS_URL": down.url}):
        for response in (
            operator.get(LIST),
            operator.get(DETAIL, {"k": SYNC}),
            operator.post(RELEASE, {"kind": "lock", "k": EXPORT, "holder": "j", "post": "yes"}),
        ):
            assert response.status_code == 503
            assert "Redis is unreachable" in response.content.decode()
