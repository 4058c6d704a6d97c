"""The Workers page in a real browser with worker processes on several hosts."""

from __future__ import annotations

import pytest

from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.one_leg(leg=2)]

WORKERS = "/admin/django_resque/worker/"


def test_workers_on_three_hosts_are_shown_under_their_host_with_a_count(
    page, screenshot, redis, start_worker
):
    for host, count in (("web-1", 2), ("batch-7", 1), ("ml-gpu", 1)):
        for _ in range(count):
            start_worker("--queues", "default", env={"RESQUE_TEST_HOSTNAME": host})
    wait_until(lambda: redis.scard("resque:workers") == 4, timeout=60)
    assert page.goto(page.base + WORKERS).status == 200
    headers = page.locator("th[scope=rowgroup]").all_inner_texts()
    assert headers == ["batch-7 1 worker", "ml-gpu 1 worker", "web-1 2 workers"]
    assert "4 workers on 3 hosts" in page.locator("#content").inner_text()
    web = page.locator("tbody").filter(has=page.locator("th", has_text="web-1"))
    assert web.locator("tr:not(.resque-group)").count() == 2
    screenshot(page, "workers-by-host")
