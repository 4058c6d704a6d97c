"""The Limits pages in a real browser: the list, one limit's page, and releasing a lock."""

from __future__ import annotations

import json

import pytest

from django_resque.storage.keys import get_keys

pytestmark = [pytest.mark.browser, pytest.mark.one_leg(leg=2)]

LIMITS = "/admin/django_resque/limit/"
INVOICE = "shop.jobs.send_invoice/order-1042"  # a unique job's lock, keyed by the order
SYNC = "shop.jobs.sync_inventory"  # at most 2 at once
MAIL = "shop.jobs.newsletter"  # at most 100 starts a minute


def watch(page) -> list[str]:
    """Collect script errors, dialogs and blocked inline scripts or styles (CSP)."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return problems


def waiting(job: str, job_id: str, limits: dict) -> str:
    payload = {"class": job, "args": [job_id], "id": job_id, "limits": limits}
    return f"default\n{json.dumps(payload)}"


def seed(redis) -> None:
    """A held lock, both slots of SYNC in use with a job waiting, a busy rate window."""
    keys = get_keys()
    seconds, micros = redis.time()
    now = seconds * 1000 + micros // 1000
    redis.set(keys.limit_lock(INVOICE), "5f0c2a9e4b1d4c7f8e6a3b2c1d0e9f8a", px=3_600_000)
    redis.hset(
        keys.limit_slots(SYNC),
        mapping={"web-1:4242:default": "a1b2c3d4", "web-2:5151:default": "e5f6a7b8"},
    )
    redis.hset(keys.limit_max(), mapping={f"slots:{SYNC}": "2", f"rate:{MAIL}": "100/60"})
    slots = {"slots": [{"key": SYNC, "max": 2}]}
    redis.rpush(keys.limit_wait("slots", SYNC), waiting(SYNC, "c9d0e1f2", slots))
    redis.zadd(keys.limit_rate(MAIL), {f"n{n}@{now - n * 500}": now - n * 500 for n in range(100)})
    rate = {"rate": {"key": MAIL, "max": 100, "per": 60}}
    redis.rpush(keys.limit_wait("rate", MAIL), *(waiting(MAIL, f"m{n}", rate) for n in range(3)))


def test_a_stale_lock_is_released_from_its_limits_page_through_the_confirmation(
    page, screenshot, redis
):
    seed(redis)
    problems = watch(page)

    page.goto(page.base + LIMITS)
    assert page.locator("tr", has_text=SYNC).locator("text=2 of 2").count() == 1
    assert page.locator("tr", has_text=MAIL).locator("text=100 of 100").count() == 1
    screenshot(page, "limits")
    page.get_by_role("link", name=SYNC).click()
    page.wait_for_selector("text=Waiting for a slot")
    assert page.locator("input[value='Release slot']").count() == 2
    screenshot(page, "limit-detail")
    page.go_back()
    page.get_by_role("link", name=INVOICE).click()
    page.wait_for_selector("text=held by job 5f0c2a9e4b1d4c7f8e6a3b2c1d0e9f8a")

    page.click("input[value='Release lock']")
    page.wait_for_selector("text=Are you sure?")
    assert redis.exists(get_keys().limit_lock(INVOICE)) == 1
    page.click("input[value='Yes, I’m sure']")
    page.wait_for_selector(f"text=Released the lock “{INVOICE}”")
    assert redis.exists(get_keys().limit_lock(INVOICE)) == 0
    assert page.get_by_role("link", name=INVOICE).count() == 0
    assert page.locator("text=No unique lock is held.").count() == 1
    assert problems == []
