"""The Metrics pages in a real browser: the table, sorting it, and one job's chart and heat map."""

from __future__ import annotations

import pytest

from tests import jobs

pytestmark = [pytest.mark.browser, pytest.mark.one_leg(leg=2)]

METRICS = "/admin/django_resque/metrics/"


def watch(page) -> list[str]:
    """Collect script errors, dialogs and blocked inline scripts or styles (CSP)."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return problems


def run_some_jobs(work_here, ledger: str) -> None:
    """Jobs of five names, fast and slow, some failing, run by a real worker."""
    for n in range(12):
        jobs.add.delay(n, n)
    for seconds in (0.03, 0.05, 0.08, 0.12, 0.2, 0.35):
        jobs.sleep_for.delay(ledger, seconds)
    for n in range(3):
        jobs.fail.delay(f"card {n} declined")
    for cents in (995, 1995):
        jobs.charge.delay(ledger, cents)
    for token in "abcd":
        jobs.record_high.delay(ledger, token)
    work_here("default", "high", fork=False)


def rows(page) -> list[str]:
    return page.locator("#resque-metrics tbody tr td:first-child").all_inner_texts()


def test_the_metrics_table_sorts_and_opens_a_jobs_chart_and_heat_map(
    page, screenshot, ledger, work_here
):
    run_some_jobs(work_here, ledger)
    problems = watch(page)

    page.goto(page.base + METRICS)
    assert rows(page)[0] == "tests.jobs.sleep_for"  # the most time first
    assert (
        page.locator("#resque-metrics tr", has_text="tests.jobs.fail")
        .locator("text=100.0 %")
        .count()
    )
    high = page.locator("#resque-waits tr", has_text="high").locator("td")
    assert high.nth(1).inner_text() == "4"  # jobs taken from `high`
    screenshot(page, "metrics")

    page.locator("#resque-metrics th.column-runs .text a").click()
    page.wait_for_url("**?o=2.-8")  # runs first, then the total time it was sorted by
    assert rows(page)[-1] == "tests.jobs.add"  # runs ascending: the twelve adds last
    page.locator("#resque-metrics th.column-runs a.toggle").click()
    page.wait_for_url("**?o=-2.-8")
    assert rows(page)[0] == "tests.jobs.add"
    assert page.locator("#resque-metrics th.sorted.descending", has_text="Runs").count() == 1

    page.get_by_role("link", name="8 h").click()
    page.wait_for_url("**window=8h**")
    assert rows(page)[0] == "tests.jobs.add"  # the order is kept across windows
    page.get_by_role("link", name="tests.jobs.sleep_for").click()
    page.wait_for_selector("svg.resque-heatmap")
    assert page.locator("svg.resque-chart polyline").count() == 2
    cells = page.locator("rect.resque-heat-cell")
    assert cells.count() >= 1
    titles = [cells.nth(i).locator("title").text_content() for i in range(cells.count())]
    assert sum(int(str(t).split()[0]) for t in titles) == 6
    screenshot(page, "metrics-detail")

    page.get_by_role("link", name="3 d").click()
    page.wait_for_url("**window=3d**")
    assert page.locator("text=Durations, last 3 d").count() == 1
    assert problems == []
