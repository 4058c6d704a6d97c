"""The Resque admin pages in a real browser: log in, open each page, act, and take screenshots."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from django_resque import Group
from django_resque.failures import registry as failures
from django_resque.jobs.outcome import Outcome
from django_resque.queues import delayed
from django_resque.queues import lists as queues
from django_resque.scheduler import schedules
from tests import jobs
from tests.helpers import RedisServer, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.one_leg(leg=2)]

PAGES = {
    "overview": "/admin/django_resque/overview/",
    "queues": "/admin/django_resque/queue/",
    "queue": "/admin/django_resque/queue/detail/?name=default",
    "workers": "/admin/django_resque/worker/",
    "failed": "/admin/django_resque/failedjob/",
    "delayed": "/admin/django_resque/delayedjob/",
    "schedules": "/admin/django_resque/schedule/",
    "stats": "/admin/django_resque/stats/",
    "groups": "/admin/django_resque/jobgroup/",
    "limits": "/admin/django_resque/limit/",
    "metrics-list": "/admin/django_resque/metrics/",  # metrics.png is test_metrics_in_chromium's
}


def seed(ledger: str) -> None:
    for n in range(3):
        jobs.add.delay(n, n, scale=2)
    queues.push("low", json.dumps({"class": "Emailer", "args": ["<script>alert(1)</script>"]}))
    delayed.enqueue_at(datetime.now(UTC) + timedelta(hours=1), "tests.jobs.add", 1, 2)
    schedules.set("nightly", cron="0 3 * * *", job="tests.jobs.add", args=[1, 2])
    with Group.create(name="<script>alert(5)</script>"):
        jobs.add.delay(1, 1)
    raw = json.dumps({"class": "tests.jobs.add", "args": ['"><img src=x onerror=alert(1)>']})
    outcome = Outcome(
        ok=False,
        exception="<script>alert(2)</script>",
        error="</script><script>alert(3)</script>",
        backtrace=["<img src=x onerror=alert(4)>"],
    )
    failures.save(
        failures.build(raw.encode(), outcome, queue="default", worker_id="<b>host</b>:1:default")
    )


def test_every_page_opens_without_running_any_injected_script(page, screenshot, ledger):
    seed(ledger)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A CSP violation (an inline script or style the policy blocked) is reported on the console.
    page.on("console", lambda m: errors.append(m.text) if "Security Policy" in m.text else None)
    for name, url in PAGES.items():
        response = page.goto(page.base + url)
        assert response is not None and response.status == 200, name
        assert page.locator("#content").count() == 1
        screenshot(page, name)
    assert page.goto(page.base + PAGES["overview"]).status == 200
    assert page.locator("svg polyline").count() == 2
    assert dialogs == [] and errors == []


def test_the_queues_and_overview_pages_show_latency_and_explain_an_unknown_one(
    page, screenshot, redis
):
    seconds, _ = redis.time()
    queues.push("php", json.dumps({"class": "Mailer", "args": [], "queue_time": seconds - 400}))
    queues.push("ruby", json.dumps({"class": "Billing::Charge", "args": [5]}))
    for name in ("queues", "overview"):
        page.goto(page.base + PAGES[name])
        header = page.locator("th", has_text="Latency")
        assert header.count() == 1
        column = header.evaluate("th => th.cellIndex")
        php = page.locator("tr", has_text="php").locator("td").nth(column)
        assert php.inner_text() == "6 min"
        unknown = page.locator("tr", has_text="ruby").locator("td").nth(column).locator("span")
        assert unknown.inner_text() == "—"
        assert "no queue_time" in (unknown.get_attribute("title") or "")
        screenshot(page, f"{name}-latency")


def test_the_admin_index_links_every_resque_page(page):
    page.goto(page.base + "/admin/")
    for label in (
        "Overview",
        "Queues",
        "Workers",
        "Failed jobs",
        "Delayed jobs",
        "Schedules",
        "Stats",
        "Groups",
        "Metrics",
    ):
        assert page.get_by_role("link", name=label, exact=True).count() >= 1


def test_clearing_a_queue_asks_for_confirmation_then_empties_it(page, screenshot):
    jobs.add.delay(1, 2)
    jobs.add.delay(3, 4)
    page.goto(page.base + PAGES["queue"])
    page.click("input[value='Clear queue']")
    page.wait_for_selector("text=Are you sure?")
    screenshot(page, "confirm-clear")
    assert queues.size("default") == 2
    page.click("input[value='Yes, I’m sure']")
    page.wait_for_selector("text=Dropped 2 jobs from default.")
    assert queues.size("default") == 0


def test_a_queued_job_removed_in_the_browser_never_runs(page, start_worker, ledger):
    jobs.record.delay(ledger, "keep")
    jobs.record.delay(ledger, "drop")
    page.goto(page.base + PAGES["queue"])
    page.locator("tr", has_text="drop").locator("input[value='Remove']").click()
    page.wait_for_selector("text=Removed the job.")
    worker = start_worker("--queues", "default", "--burst")
    assert worker.wait(timeout=60) == 0
    assert [line[0] for line in jobs.read_ledger(ledger)] == ["keep"]


def test_the_overview_shows_a_busy_worker_and_counts_its_jobs(page, start_worker, ledger):
    jobs.sleep_for.delay(ledger, 8)
    start_worker("--queues", "default")
    wait_until(lambda: jobs.read_ledger(ledger), timeout=60)
    page.goto(page.base + PAGES["overview"])
    assert page.locator("text=tests.jobs.sleep_for").count() >= 1


def test_a_failed_job_retried_in_the_browser_runs_on_a_real_worker(
    page, screenshot, start_worker, tmp_path
):
    ledger = tmp_path / "later" / "ledger.txt"
    jobs.record.delay(str(ledger), "again")
    assert start_worker("--queues", "default", "--burst").wait(timeout=60) == 0
    page.goto(page.base + PAGES["failed"])
    page.click("text=FileNotFoundError")
    page.wait_for_selector("input[value='Retry all (filtered)']")
    page.goto(page.base + PAGES["failed"])
    page.locator("tr", has_text="FileNotFoundError").locator("a").first.click()
    page.wait_for_selector("text=Backtrace")
    screenshot(page, "failed-detail")
    ledger.parent.mkdir()
    page.click("input[value='Retry']")
    page.wait_for_selector("text=Retried the job: it is back on its queue.")
    assert failures.count() == 0
    assert start_worker("--queues", "default", "--burst").wait(timeout=60) == 0
    assert [line[0] for line in jobs.read_ledger(str(ledger))] == ["again"]
    page.goto(page.base + PAGES["overview"])
    assert page.locator("text=Failed jobs kept").count() == 1


def _console_errors(page) -> list[str]:
    """Collect script errors and console errors, but not the 503 a Redis-down page answers."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def on_console(message) -> None:
        blocked = "Security Policy" in message.text  # a CSP violation is a console message
        if blocked or (message.type == "error" and "status of 503" not in message.text):
            errors.append(message.text)

    page.on("console", on_console)
    return errors


def test_with_redis_stopped_every_page_shows_the_503_page_and_the_index_still_works(
    page, screenshot, settings
):
    server = RedisServer().start()
    server.stop()
    errors = _console_errors(page)
    url = f"redis://:s3cret@127.0.0.1:{server.port}/0"
    with override_settings(RESQUE={**settings.RESQUE, "REDIS_URL": url}):
        for name, path in PAGES.items():
            response = page.goto(page.base + path)
            assert response is not None and response.status == 503, name
            assert page.locator("#site-name").count() == 1
            assert page.get_by_role("heading", name="Redis is unreachable").count() >= 1
            assert page.locator(f"text=redis://:***@127.0.0.1:{server.port}/0").count() == 1
        screenshot(page, "redis-down")
        assert "s3cret" not in page.content()
        assert page.goto(page.base + "/admin/").status == 200
        assert page.get_by_role("link", name="Queues", exact=True).count() >= 1
    assert errors == []


def test_a_key_opens_from_the_stats_page_and_shows_its_items(page, screenshot, redis):
    redis.rpush("resque:queue:big", *(f"<b>job {n}</b>" for n in range(150)))
    errors = _console_errors(page)
    page.goto(page.base + PAGES["stats"])
    page.get_by_role("link", name="resque:queue:big", exact=True).click()
    page.wait_for_selector("text=150 items: showing the first 100.")
    assert page.locator("#content td pre", has_text="<b>job 0</b>").count() == 1
    assert page.locator("#content b").count() == 0  # the markup stays text
    screenshot(page, "key-detail")
    assert errors == []
