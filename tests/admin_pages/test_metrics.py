"""The Metrics pages: what real workers recorded, sorted and windowed, one job's chart and heat map.

The figures come from jobs a burst worker ran in this process; only the hostile-data tests
write Redis by hand, as something other than a worker could.
"""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from django_resque.admin import heatmap
from django_resque.metrics import buckets
from django_resque.storage.keys import get_keys
from tests import jobs
from tests.admin_pages.conftest import XSS, assert_escaped
from tests.helpers import RedisServer

LIST = "/admin/django_resque/metrics/"
DETAIL = "/admin/django_resque/metrics/detail/"
ADD, FAIL, SLEEP, HIGH, CHARGE = (
    "tests.jobs.add",
    "tests.jobs.fail",
    "tests.jobs.sleep_for",
    "tests.jobs.record_high",
    "Billing::Charge",
)
BY_NAME = [CHARGE, ADD, FAIL, HIGH, SLEEP]


@pytest.fixture
def ran(work_here, ledger) -> None:
    """Ten jobs of five names run by a real worker: three adds, two failures, two 0.12 s sleeps,
    a Ruby-named charge on `default`, and two jobs on `high`."""
    for n in range(3):
        jobs.add.delay(n, n)
    jobs.fail.delay("boom")
    jobs.fail.delay("boom again")
    jobs.sleep_for.delay(ledger, 0.12)
    jobs.sleep_for.delay(ledger, 0.12)
    jobs.charge.delay(ledger, 995)
    jobs.record_high.delay(ledger, "a")
    jobs.record_high.delay(ledger, "b")
    work_here("default", "high", fork=False)


@pytest.mark.parametrize("url", [LIST, f"{DETAIL}?name={ADD}&window=8h"])
def test_anonymous_visitors_log_in_first_and_staff_need_the_view_permission(
    client, nobody, viewer, url
):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert nobody.get(url).status_code == 403
    assert viewer.get(url).status_code == 200


def names(response) -> list[str]:
    return [line.name for line in response.context["page"].object_list]


def line(response, name: str):
    (found,) = [job for job in response.context["page"].object_list if job.name == name]
    return found


def test_the_table_shows_each_job_the_worker_ran_with_exact_counts(viewer, ran):
    response = viewer.get(LIST)
    assert response.status_code == 200
    assert sorted(names(response)) == sorted(BY_NAME)
    shown = response.context["page"].object_list
    counts = {job.name: (job.runs, job.failures, job.failure_rate) for job in shown}
    assert counts == {
        ADD: (3, 0, "0.0 %"),
        FAIL: (2, 2, "100.0 %"),
        SLEEP: (2, 0, "0.0 %"),
        HIGH: (2, 0, "0.0 %"),
        CHARGE: (1, 0, "0.0 %"),
    }


def test_durations_are_humanised_within_the_bucket_the_runs_fell_in(viewer, ran):
    sleep = line(viewer.get(LIST), SLEEP)
    for shown in (sleep.p50, sleep.p95, sleep.p99):
        milliseconds = float(re.fullmatch(r"(\d+) ms", shown)[1])  # type: ignore[index]
        assert 100 <= milliseconds <= 1000  # slept 120 ms: the 100–150 ms bucket, or later
    assert re.fullmatch(r"\d+ ms", sleep.total) and int(sleep.total.split()[0]) >= 240
    html = viewer.get(LIST).content.decode()
    assert f'href="detail/?name={SLEEP}&amp;window=1h"' in html
    assert "Billing::Charge" in html


def test_the_default_order_is_total_time_most_first(viewer, ran):
    response = viewer.get(LIST)
    assert names(response)[0] == SLEEP
    (total,) = [h for h in response.context["headers"] if h.title == "Total time"]
    assert "sorted descending" in total.classes and total.priority == 1


@pytest.mark.parametrize(
    ("o", "expected"),
    [
        ("1", BY_NAME),
        ("-1", BY_NAME[::-1]),
        ("2", [CHARGE, FAIL, HIGH, SLEEP, ADD]),  # runs, ties by name
        ("-2", [ADD, FAIL, HIGH, SLEEP, CHARGE]),
        ("-3.1", [FAIL, CHARGE, ADD, HIGH, SLEEP]),  # failures, then name
        ("-4.-1", [FAIL, SLEEP, HIGH, ADD, CHARGE]),  # failure rate, then name descending
    ],
)
def test_each_column_sorts_as_the_changelist_does(viewer, ran, o, expected):
    assert names(viewer.get(LIST, {"o": o})) == expected


def test_sorted_headers_carry_the_changelists_indicators_and_links(viewer, ran):
    response = viewer.get(LIST, {"o": "-3.1", "window": "8h"})
    headers = {h.title: h for h in response.context["headers"]}
    failures, job, runs = headers["Failures"], headers["Job"], headers["Runs"]
    assert (failures.priority, failures.ascending, job.priority, job.ascending) == (
        1,
        False,
        2,
        True,
    )
    assert (failures.o_primary, failures.o_toggle, failures.o_remove) == ("3.1", "3.1", "1")
    assert (job.o_primary, job.o_toggle, job.o_remove) == ("-1.-3", "-3.-1", "-3")
    assert (runs.priority, runs.o_primary) == (0, "2.-3.1")
    html = response.content.decode()
    assert 'class="sortable column-failures sorted descending"' in html
    assert '<span class="sortpriority" title="Sorting priority: 2">2</span>' in html
    assert 'href="?o=2.-3.1&amp;window=8h"' in html  # sorting keeps the window


@pytest.mark.parametrize("o", ["x", "0", "99", "-", "--1", "1e3", "²", "1" * 50, ""])
def test_a_bad_o_falls_back_to_the_default_order(viewer, ran, o):
    response = viewer.get(LIST, {"o": o})
    assert response.status_code == 200
    assert names(response)[0] == SLEEP


def test_a_repeated_column_in_o_counts_once(viewer, ran):
    response = viewer.get(LIST, {"o": "2.-2.1"})
    assert names(response) == [CHARGE, FAIL, HIGH, SLEEP, ADD]
    assert response.context["sorted_fields"] == 2


@pytest.mark.parametrize("window", ["1h", "8h", "24h", "3d"])
def test_every_window_counts_what_ran_just_now(viewer, ran, window):
    response = viewer.get(LIST, {"window": window})
    assert response.context["window"] == window
    assert (line(response, ADD).runs, line(response, FAIL).failures) == (3, 2)
    label = response.context["window_label"]
    assert f"<strong>{label}</strong>" in response.content.decode()


@pytest.mark.parametrize("window", ["7d", "", "1H", "<script>", "3d" * 100])
def test_a_bad_window_falls_back_to_one_hour(viewer, ran, window):
    response = viewer.get(LIST, {"window": window})
    assert response.status_code == 200
    assert response.context["window"] == "1h"
    assert line(response, ADD).runs == 3


def test_many_job_names_are_paginated_keeping_the_order_and_window(viewer, ran):
    response = viewer.get(LIST, {"o": "1", "window": "24h", "per_page": "2", "page": "2"})
    assert names(response) == BY_NAME[2:4]
    html = response.content.decode()
    assert 'href="?o=1&amp;window=24h&amp;per_page=2&amp;page=3"' in html
    assert "5 in all" in html


def test_queue_waits_count_the_jobs_each_queue_gave_a_worker(viewer, ran):
    waits = {w.queue: w for w in viewer.get(LIST).context["waits"]}
    assert (waits["default"].jobs, waits["high"].jobs) == (8, 2)
    for wait in (waits["default"], waits["high"]):
        assert re.fullmatch(r"\d+ ms|\d+\.\d s|\d+\.\d min", wait.p50)


def test_with_nothing_recorded_the_page_says_so(viewer):
    response = viewer.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No job ran in the last 1 h" in html
    assert "No worker took a job from any queue in the last 1 h" in html


def test_a_jobs_page_charts_its_runs_and_failures(viewer, ran):
    response = viewer.get(DETAIL, {"name": FAIL})
    assert response.status_code == 200
    chart = response.context["chart"]
    assert (chart.total_processed, chart.total_failed) == (2, 2)
    assert response.content.decode().count("<polyline") == 2


def test_a_jobs_heat_map_has_a_titled_cell_for_its_runs_in_their_buckets(viewer, ran):
    response = viewer.get(DETAIL, {"name": SLEEP, "window": "8h"})
    heat = response.context["heat"]
    assert sum(cell.count for cell in heat.cells) == 2
    assert all(cell.bucket >= buckets.bucket_of(120) for cell in heat.cells)  # slept 120 ms
    for cell in heat.cells:
        runs = "1 run of " if cell.count == 1 else f"{cell.count} runs of "
        assert cell.title.startswith(runs + heatmap.bucket_range(cell.bucket) + " from ")
    assert heat.steps_per_column == 4  # 8 h of minutes merged into 120 columns
    labels = [label for _, label in heat.rows]
    assert "≤ 150 ms" in labels and labels == sorted(labels, key=_bound_ms, reverse=True)
    html = response.content.decode()
    assert html.count('<rect class="resque-heat-cell"') == len(heat.cells)
    assert "<title>" in html and "fill-opacity=" in html


def _bound_ms(label: str) -> float:
    number, unit = label.split()[1:]
    return float(number) * {"ms": 1, "s": 1000}[unit]


@pytest.mark.parametrize("window", ["24h", "3d"])
def test_hour_windows_draw_one_column_per_hour(viewer, ran, window):
    response = viewer.get(DETAIL, {"name": ADD, "window": window})
    assert response.context["heat"].steps_per_column == 1
    assert response.context["chart"].total_processed == 3


def test_a_job_with_nothing_recorded_gets_a_page_that_says_so(viewer, ran):
    response = viewer.get(DETAIL, {"name": "tests.jobs.never_ran", "window": "3d"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "No run of the job “tests.jobs.never_ran” was recorded in the last 3 d." in html
    assert "A longer window" not in html  # 3 d is the longest
    assert "resque-heatmap" not in html


@pytest.mark.parametrize("name", ["", "x" * 5000, *XSS])
def test_odd_or_hostile_names_in_the_url_get_an_escaped_page(viewer, ran, name):
    response = viewer.get(DETAIL, {"name": name, "window": "nonsense"})
    assert response.status_code == 200
    assert "was recorded in the last 1 h. A longer window may have some." in (
        response.content.decode()
    )
    assert_escaped(response.content.decode())


def test_hostile_names_and_damaged_hashes_in_redis_render_escaped(viewer, ran, redis):
    keys, (hostile, other) = get_keys(), XSS
    minute = int(redis.time()[0]) // 60
    redis.hset(keys.metrics_totals(), mapping={f"p\ndefault\n{n}": 1 for n in XSS})
    redis.hset(
        keys.metrics_job("m", minute, hostile),
        mapping={"n": "1", "f": "-5", "us": "lots", str(buckets.COUNT - 1): "1", "99": "7"},
    )
    redis.set(keys.metrics_job("m", minute, other), "not a hash")
    response = viewer.get(LIST)
    assert response.status_code == 200
    assert_escaped(response.content.decode())
    assert line(response, hostile).runs == 1 and line(response, ADD).runs == 3
    detail = viewer.get(DETAIL, {"name": hostile})
    assert detail.status_code == 200
    assert_escaped(detail.content.decode())
    assert [cell.title.split(" at ")[0] for cell in detail.context["heat"].cells] == [
        "1 run of over 335 s"
    ]


@pytest.mark.parametrize("url", [LIST, DETAIL])
def test_with_redis_down_both_pages_say_so_with_a_503(viewer, settings, url):
    down = f"redis://127.0.0.1:{RedisServer().port}/0"  # never started: connections are refused
    with override_settings(RESQUE={**settings.RESQUE, "REDIS_URL": down}):
        response = viewer.get(url, {"name": XSS[0], "window": "8h", "o": "-2"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "Redis is unreachable" in html and down in html
    assert_escaped(html)
