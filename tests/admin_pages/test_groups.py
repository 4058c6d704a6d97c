"""The Groups pages: newest first with progress, one group's tree and failed members, retry."""

from __future__ import annotations

import json

import pytest

from django_resque import Group
from django_resque.failures import registry as failures
from tests import jobs
from tests.admin_pages.conftest import XSS, assert_escaped

LIST = "/admin/django_resque/jobgroup/"
DETAIL = "/admin/django_resque/jobgroup/detail/"
RETRY = "/admin/django_resque/jobgroup/retry-failed/"


def with_callbacks(ledger: str, name: str) -> Group:
    return Group.create(
        name=name,
        on_success=jobs.group_callback.call(ledger, "on_success"),
        on_failure=jobs.group_callback.call(ledger, "on_failure"),
        on_complete=jobs.group_callback.call(ledger, "on_complete"),
    )


@pytest.fixture
def failed_group(ledger, work_here) -> Group:
    """A finished group: one member succeeded, one failed for good, one child group."""
    with with_callbacks(ledger, "import") as group:
        jobs.group_member.delay(ledger, "fine")
        jobs.fail.delay("broken row")
        jobs.nest.delay(ledger, 2)
    work_here("default", fork=False)
    assert group.status().finished
    return group


def test_the_list_shows_groups_newest_first_with_progress_and_callbacks(
    viewer, ledger, failed_group
):
    with Group.create(name="second") as second:
        jobs.group_member.delay(ledger, "waiting")
    response = viewer.get(LIST)
    assert response.status_code == 200
    rows = response.context["page"].object_list
    names = [r.state.name for r in rows]
    assert names[0] == "second" and names.index("level 1") < names.index("import")
    row = rows[names.index("import")]
    assert (row.progress.succeeded, row.progress.failed, row.progress.pending) == (2, 1, 0)
    assert [(c.name, c.fired) for c in row.callbacks] == [
        ("on_success", False),
        ("on_failure", True),
        ("on_complete", True),
    ]
    html = response.content.decode()
    assert "waiting for 1 member" in html and "finished" in html
    assert f"detail/?id={second.id}" in html and 'class="resque-progress-failed"' in html


def test_the_list_pages_through_the_index_in_bounded_slices(viewer):
    for n in range(5):
        Group.create(name=f"g{n}").close()
    page = viewer.get(LIST, {"per_page": "2", "page": "2"}).context["page"]
    assert [r.state.name for r in page.object_list] == ["g2", "g1"]
    assert page.paginator.count == 5
    assert viewer.get(LIST, {"page": "10**12", "per_page": "abc"}).status_code == 200


def test_an_expired_group_leaves_the_list(viewer, redis):
    group = Group.create(name="short-lived")
    redis.delete(f"resque:dj:group:{group.id}")
    assert viewer.get(LIST).context["page"].object_list == []
    assert redis.zcard("resque:dj:groups") == 0


def test_the_detail_shows_counts_the_tree_and_failed_members_linked_to_their_records(
    viewer, failed_group
):
    response = viewer.get(DETAIL, {"id": failed_group.id})
    assert response.status_code == 200
    root = response.context["root"]
    (child,) = root.children
    assert child.state.name == "level 1" and child.state.parent == failed_group.id
    assert response.context["failed_count"] == 1
    (failed,) = response.context["page"].object_list
    (record,) = failures.page()
    assert failed.counted and failed.failure.id == record.id
    html = response.content.decode()
    assert f"/admin/django_resque/failedjob/detail/?id={record.id}" in html
    assert f"?id={child.id}" in html and "broken row" in html
    child_page = viewer.get(DETAIL, {"id": child.id}).content.decode()
    assert f'href="?id={failed_group.id}"' in child_page  # the parent link
    assert "Retry failed members" not in html  # view-only staff see no action


def test_retrying_failed_members_asks_first_then_reopens_them_in_the_group(
    operator, failed_group, work_here, ledger
):
    html = operator.get(DETAIL, {"id": failed_group.id}).content.decode()
    assert "Retry failed members" in html
    asked = operator.post(RETRY, {"id": failed_group.id})
    assert asked.status_code == 200 and "Retry the 1 failed members" in asked.content.decode()
    assert failed_group.status().failed == 1 and failures.count() == 1  # nothing done yet
    done = operator.post(RETRY, {"id": failed_group.id, "post": "yes"}, follow=True)
    assert "Retried 1 failed members of group “import”" in done.content.decode()
    assert done.redirect_chain[-1][0] == f"{DETAIL}?id={failed_group.id}"
    state = failed_group.status()
    assert (state.failed, state.pending, state.finished) == (0, 1, False)
    assert failures.count() == 0
    work_here("default", fork=False)  # it fails again, for good
    assert failed_group.status().failed == 1 and failures.count() == 1


def test_retrying_an_unknown_group_says_so(operator):
    response = operator.post(RETRY, {"id": "no-such-group", "post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "No such group: nothing to retry." in response.content.decode()


@pytest.mark.parametrize("group_id", ["", "no-such-group", "x" * 5000, "<script>"])
def test_an_unknown_or_absurd_id_is_a_404(viewer, group_id):
    assert viewer.get(DETAIL, {"id": group_id}).status_code == 404


def test_a_group_hash_with_garbage_fields_renders_on_every_page(viewer, redis):
    group = Group.create(name=XSS[0])
    key = f"resque:dj:group:{group.id}"
    redis.hset(
        key,
        mapping={
            "total": "lots",
            "succeeded": "-7",
            "failed": "9" * 5000,
            "open": XSS[1],
            "created_at": XSS[1],
            "finished_at": "\xff\xfe",
            "parent": XSS[1],
            "callbacks": json.dumps(
                {"on_success": [XSS[0], "{bad"], "\ud800": 5, "on_complete": ["q", '{"class":1}']}
            ),
            "fired": '["on_success", 3, {"x": 1}]',
        },
    )
    redis.sadd(f"{key}:children", group.id, "gone", XSS[1])  # itself, expired, hostile
    redis.sadd(f"{key}:pending", "m1")
    redis.set("resque:dj:group:astring", "not a hash")
    redis.zadd("resque:dj:groups", {"astring": 1, "\xff": 2})
    for url, params in (
        (LIST, {}),
        (DETAIL, {"id": group.id}),
        ("/admin/django_resque/overview/", {}),
    ):
        response = viewer.get(url, params)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode())
    html = viewer.get(LIST).content.decode()
    assert "(unreadable: this group's key holds no hash)" in html
    assert viewer.get(DETAIL, {"id": "astring"}).status_code == 404
    detail = viewer.get(DETAIL, {"id": group.id}).content.decode()
    assert "(expired or unreadable)" in detail and "\\ud800" in detail


def test_a_long_chain_of_child_groups_is_read_only_up_to_the_tree_limit(viewer, redis):
    top = Group.create(name="top")
    for n in range(80):  # 80 children, more than one tree reads
        redis.sadd(f"resque:dj:group:{top.id}:children", f"child{n:02d}")
        redis.hset(f"resque:dj:group:child{n:02d}", mapping={"name": f"c{n}", "open": "0"})
    root = viewer.get(DETAIL, {"id": top.id}).context["root"]
    assert len(root.children) == 49 and root.unread == 31
    assert (
        "and 31 more child groups not shown" in viewer.get(DETAIL, {"id": top.id}).content.decode()
    )


def test_the_overview_shows_the_newest_groups_and_links_the_groups_page(viewer):
    for n in range(7):
        Group.create(name=f"overview {n}").close()
    html = viewer.get("/admin/django_resque/overview/").content.decode()
    assert "overview 6" in html and "overview 1" not in html
    assert 'href="/admin/django_resque/jobgroup/"' in html
