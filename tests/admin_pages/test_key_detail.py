"""The Stats page's keys open a page showing the key's value: bounded, escaped, ours only."""

from __future__ import annotations

import pytest

from django_resque.monitoring import server
from tests.admin_pages.conftest import XSS, assert_escaped

STATS = "/admin/django_resque/stats/"
KEY = "/admin/django_resque/stats/key/"


def test_every_key_on_the_stats_page_links_to_its_page(viewer, redis):
    redis.set("resque:stat:processed", 3)
    html = viewer.get(STATS).content.decode()
    assert f'href="{KEY}?name=resque%3Astat%3Aprocessed"' in html


def test_a_list_shows_its_first_hundred_items_and_its_length(viewer, redis):
    redis.rpush("resque:queue:default", *(f"job {n}" for n in range(250)))
    response = viewer.get(KEY, {"name": "resque:queue:default"})
    key = response.context["key"]
    assert (key.type, key.total, len(key.items)) == ("list", 250, 100)
    assert key.items[0] == ("0", "job 0") and key.items[-1] == ("99", "job 99")
    assert "showing the first 100" in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "fill", "first"),
    [
        # A set's and a hash's first items are the first SCAN meets: any, shown sorted.
        ("set", lambda r, k: r.sadd(k, *(f"m{n:03d}" for n in range(150))), None),
        ("zset", lambda r, k: r.zadd(k, {f"m{n}": n for n in range(150)}), ("0", "m0")),
        (
            "hash",
            lambda r, k: r.hset(k, mapping={f"f{n:03d}": n for n in range(150)}),
            None,
        ),
        (
            "stream",
            lambda r, k: [r.xadd(k, {"n": n}, id=f"{n + 1}-0") for n in range(150)],
            ("1-0", "n=0"),
        ),
    ],
)
def test_each_type_shows_at_most_a_hundred_items_with_the_total(viewer, redis, kind, fill, first):
    fill(redis, "resque:dj:probe")
    key = viewer.get(KEY, {"name": "resque:dj:probe"}).context["key"]
    assert (key.type, key.total, len(key.items)) == (kind, 150, 100)
    if first is None:
        assert key.items == sorted(set(key.items))
    else:
        assert key.items[0] == first


def test_a_long_string_is_cut_and_its_length_given(viewer, redis):
    redis.set("resque:dj:big", "y" * 100_000)
    response = viewer.get(KEY, {"name": "resque:dj:big"})
    key = response.context["key"]
    assert key.total == 100_000 and len(key.value) < server.STRING_BYTES + 50
    assert "(100000 bytes)" in response.content.decode()


def test_values_are_escaped(viewer, redis):
    redis.set("resque:dj:xss", XSS[0])
    redis.hset("resque:dj:xss2", XSS[1], XSS[0])
    assert_escaped(viewer.get(KEY, {"name": "resque:dj:xss"}).content.decode())
    assert_escaped(viewer.get(KEY, {"name": "resque:dj:xss2"}).content.decode())
    redis.set(f"resque:{XSS[1]}", 1)
    assert_escaped(viewer.get(STATS).content.decode())
    assert_escaped(viewer.get(KEY, {"name": f"resque:{XSS[1]}"}).content.decode())


def test_a_sorted_set_of_due_times_shows_whole_epoch_scores(viewer, redis):
    redis.zadd("resque:delayed_queue_schedule", {"1764625000": 1764625000})
    key = viewer.get(KEY, {"name": "resque:delayed_queue_schedule"}).context["key"]
    assert key.items == [("1764625000", "1764625000")]


@pytest.mark.parametrize("name", ["other:secret", "resque", "resqueX:a", "resque:dj:absent", ""])
def test_a_key_outside_our_namespace_or_absent_is_a_404(viewer, redis, name):
    redis.set("other:secret", "not for the admin")
    redis.set("resqueX:a", "not ours either")
    assert viewer.get(KEY, {"name": name}).status_code == 404


def test_the_view_permission_is_enough_and_needed(viewer, nobody, redis):
    redis.set("resque:stat:failed", 1)
    assert viewer.get(KEY, {"name": "resque:stat:failed"}).status_code == 200
    assert nobody.get(KEY, {"name": "resque:stat:failed"}).status_code == 403


def test_a_key_name_that_is_not_utf8_is_listed_with_its_bytes_escaped(viewer, redis):
    redis.set(b"resque:dj:\xff\xfe", "v")
    response = viewer.get(STATS)
    assert response.status_code == 200
    assert "resque:dj:\\xff\\xfe" in response.content.decode()
