"""The Groups pages in a real browser: the list, one group's tree, and retrying its failures."""

from __future__ import annotations

import pytest

from django_resque import Group
from django_resque.failures import registry as failures
from tests import jobs

pytestmark = [pytest.mark.browser, pytest.mark.one_leg(leg=2)]

GROUPS = "/admin/django_resque/jobgroup/"


def watch(page) -> list[str]:
    """Collect script errors, dialogs and blocked inline scripts or styles (CSP)."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return problems


def test_a_groups_failed_members_are_retried_from_its_page_and_run_again(
    page, screenshot, ledger, work_here
):
    with Group.create(
        name="import customers.csv",
        on_success=jobs.group_callback.call(ledger, "on_success"),
        on_complete=jobs.group_callback.call(ledger, "on_complete"),
    ) as group:
        for n in range(3):
            jobs.group_member.delay(ledger, f"row {n}")
        jobs.fail.delay("row 3: no such customer")
        jobs.nest.delay(ledger, 3)  # a child group and a grandchild
    work_here("default", fork=False)
    with Group.create(name="nightly export") as running:
        jobs.group_member.delay(ledger, "waiting")
    problems = watch(page)

    page.goto(page.base + GROUPS)
    assert page.locator("svg.resque-progress").count() == 4
    assert (
        page.locator("tr", has_text="nightly export").locator("text=waiting for 1 member").count()
    )
    screenshot(page, "groups")
    page.get_by_role("link", name="import customers.csv").click()
    page.wait_for_selector("text=Failed members")
    assert page.get_by_role("link", name="level 2").count() == 1
    assert page.get_by_role("link", name="level 1").count() == 1  # the grandchild, in the tree
    screenshot(page, "group-detail")

    assert page.locator("a[href*='/failedjob/detail/?id=']").count() == 1  # its record
    page.click("input[value='Retry failed members']")
    page.wait_for_selector("text=Are you sure?")
    assert group.status().failed == 1
    page.click("input[value='Yes, I’m sure']")
    page.wait_for_selector("text=Retried 1 failed members of group “import customers.csv”")
    state = group.status()
    assert (state.failed, state.pending, state.finished) == (0, 1, False)
    assert failures.count() == 0
    page.reload()
    assert page.locator("input[value='Retry failed members']").count() == 0
    assert running.status().pending == 1
    assert problems == []
