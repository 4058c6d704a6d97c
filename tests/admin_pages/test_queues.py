"""The Queues page: list, one queue's payloads, remove one, clear, pause and resume."""

from __future__ import annotations

import json

import pytest

from django_resque.queues import lists as queues
from tests import jobs
from tests.admin_pages.conftest import XSS, assert_escaped
from tests.test_round_trips import client_commands

LIST = "/admin/django_resque/queue/"
DETAIL = "/admin/django_resque/queue/detail/"


def push(queue: str, n: int) -> None:
    queues.push(queue, *(json.dumps({"class": "tests.jobs.add", "args": [i, i]}) for i in range(n)))


def test_the_list_shows_every_queue_with_its_size(viewer):
    push("default", 3)
    push("low", 1)
    html = viewer.get(LIST).content.decode()
    assert "default" in html and "low" in html
    assert "<td>3</td>" in html and "<td>1</td>" in html


def test_one_queue_shows_job_names_and_pretty_arguments(viewer):
    jobs.add.delay(2, 3, scale=4)
    html = viewer.get(DETAIL, {"name": "default"}).content.decode()
    assert "tests.jobs.add" in html
    assert "&quot;kwargs&quot;: {&quot;scale&quot;: 4}" in html


def test_an_unknown_queue_is_a_404(viewer):
    assert viewer.get(DETAIL, {"name": "nope"}).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"page": str(10**12)},
        {"per_page": str(10**9)},
        {"page": "abc"},
        {"page": "-5"},
        {"per_page": "0"},
        {"page": "1e500"},
        {"page": "9" * 5000},
    ],
)
def test_absurd_page_values_are_clamped_not_errors(viewer, params):
    push("default", 45)
    response = viewer.get(DETAIL, {"name": "default", **params})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) <= 100


def test_a_page_past_the_end_shows_the_last_page(viewer):
    push("default", 45)
    page = viewer.get(DETAIL, {"name": "default", "page": "99"}).context["page"]
    assert page.number == 3
    assert [j.index for j in page.object_list] == [40, 41, 42, 43, 44]


def test_remove_takes_out_exactly_the_payload_shown(operator):
    push("default", 5)
    job = operator.get(DETAIL, {"name": "default"}).context["page"].object_list[2]
    response = operator.post(
        "/admin/django_resque/queue/remove-job/",
        {"queue": "default", "index": job.index, "sha1": job.sha1},
    )
    assert response.status_code == 302
    left = [json.loads(p)["args"][0] for p in queues.peek("default", 0, 10)]
    assert left == [0, 1, 3, 4]


def test_remove_finds_the_payload_after_workers_took_jobs_before_it(operator, redis):
    push("default", 5)
    job = operator.get(DETAIL, {"name": "default"}).context["page"].object_list[3]
    redis.lpop("resque:queue:default")
    redis.lpop("resque:queue:default")
    operator.post(
        "/admin/django_resque/queue/remove-job/",
        {"queue": "default", "index": job.index, "sha1": job.sha1},
    )
    assert [json.loads(p)["args"][0] for p in queues.peek("default", 0, 10)] == [2, 4]


def test_remove_of_a_payload_already_gone_removes_nothing_and_says_so(operator, redis):
    push("default", 3)
    job = operator.get(DETAIL, {"name": "default"}).context["page"].object_list[0]
    redis.lpop("resque:queue:default")
    response = operator.post(
        "/admin/django_resque/queue/remove-job/",
        {"queue": "default", "index": job.index, "sha1": job.sha1},
        follow=True,
    )
    assert queues.size("default") == 2
    assert "no longer on the queue" in response.content.decode()


def test_clear_asks_first_then_drops_the_queue(operator):
    push("default", 4)
    first = operator.post("/admin/django_resque/queue/clear/", {"queue": "default"})
    assert first.status_code == 200
    assert "Yes, I’m sure" in first.content.decode()
    assert queues.size("default") == 4
    done = operator.post("/admin/django_resque/queue/clear/", {"queue": "default", "post": "yes"})
    assert done.status_code == 302
    assert queues.size("default") == 0


def test_pause_and_resume_change_what_workers_may_take(operator):
    push("default", 1)
    operator.post("/admin/django_resque/queue/pause/", {"queue": "default"})
    assert queues.paused() == ["default"]
    assert "paused" in operator.get(LIST).content.decode()
    operator.post("/admin/django_resque/queue/resume/", {"queue": "default"})
    assert queues.paused() == []


def test_actions_on_unknown_queues_are_404(operator):
    assert operator.post("/admin/django_resque/queue/pause/", {"queue": "x"}).status_code == 404


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_next_urls_to_other_sites_are_ignored(operator, target):
    push("default", 1)
    response = operator.post(
        "/admin/django_resque/queue/pause/", {"queue": "default", "next": target}
    )
    assert response["Location"] == LIST


def test_a_next_url_on_this_site_is_followed(operator):
    push("default", 1)
    response = operator.post(
        "/admin/django_resque/queue/pause/", {"queue": "default", "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("probe", XSS)
def test_queue_names_job_names_and_args_are_escaped(operator, redis, probe):
    redis.sadd("resque:queues", probe)
    redis.rpush(f"resque:queue:{probe}", json.dumps({"class": probe, "args": [probe]}))
    redis.rpush(f"resque:queue:{probe}", probe)  # malformed payload shown as text
    for url, params in [
        (LIST, {}),
        (DETAIL, {"name": probe}),
        ("/admin/django_resque/overview/", {}),
        ("/admin/django_resque/stats/", {}),
    ]:
        response = operator.get(url, params)
        assert response.status_code == 200
        assert_escaped(response.content.decode())
    confirm = operator.post("/admin/django_resque/queue/clear/", {"queue": probe})
    assert_escaped(confirm.content.decode())


def push_aged(redis, queue: str, age: float) -> None:
    """Push a payload as php-resque writes it: its queue_time `age` seconds before Redis TIME."""
    seconds, micros = redis.time()
    queued = seconds + micros / 1_000_000 - age
    queues.push(queue, json.dumps({"class": "Mailer", "args": [], "queue_time": queued}))


def latency_cell(html: str, queue: str) -> str:
    row = html.split(f">{queue}</a></td>", 1)[1].split("</tr>", 1)[0]
    return row.split('<td class="resque-latency">', 1)[1].split("</td>", 1)[0]


@pytest.mark.parametrize(("age", "shown"), [(40, "40 s"), (200, "3 min"), (7300, "2 h")])
def test_the_latency_column_shows_the_oldest_jobs_age_in_words(viewer, redis, age, shown):
    push_aged(redis, "mail", age)
    push_aged(redis, "mail", 1)  # a younger job behind it does not lower the latency
    html = viewer.get(LIST).content.decode()
    assert ">Latency</th>" in html
    assert latency_cell(html, "mail") == shown


def test_a_ruby_payload_without_queue_time_has_an_unknown_latency_not_zero(viewer, redis):
    queues.push("ruby", json.dumps({"class": "Billing::Charge", "args": [5]}))
    redis.sadd("resque:queues", "idle")
    html = viewer.get(LIST).content.decode()
    ruby, idle = latency_cell(html, "ruby"), latency_cell(html, "idle")
    assert "—" in ruby and "no queue_time" in ruby and "0 s" not in ruby
    assert "—" in idle and 'title="No job is waiting."' in idle


def test_latency_of_a_page_of_queues_reads_only_the_queues_shown(viewer, redis):
    for n in range(30):
        push_aged(redis, f"q{n:02}", 10)
    pages: list[str] = []
    sent = client_commands(
        redis, lambda: pages.append(viewer.get(LIST, {"per_page": "25"}).content.decode())
    )
    assert pages[0].count('<td class="resque-latency">10 s</td>') == 25
    # One TIME and one LINDEX per queue shown, in one pipeline: nothing for the other five.
    assert (sent.count("TIME"), sent.count("LINDEX")) == (1, 25)
