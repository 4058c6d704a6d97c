"""The group status view: counts and progress as JSON, with job_status's rules for who may look."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from django_resque import Group
from django_resque.groups import tokens
from tests import jobs


def url(group_id: str) -> str:
    return f"/resque/groups/{group_id}/status/"


@pytest.fixture(autouse=True)
def _send_at_once(settings):
    # .delay() inside the test's never-committed transaction would wait for commit.
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}


@pytest.fixture
def staff(db) -> Client:
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_overview"))
    client = Client()
    client.force_login(user)
    return client


def test_a_group_with_a_child_reports_counts_children_and_progress(redis, ledger, work_here, staff):
    with Group.create(name="import") as group:
        jobs.group_member.delay(ledger, "a")
        jobs.nest.delay(ledger, 2)  # makes a child group with one member
        jobs.group_member.delay(ledger, "b")
    response = staff.get(url(group.id))
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    data = response.json()
    assert data["id"] == group.id and data["name"] == "import"
    assert (data["total"], data["pending"], data["succeeded"], data["failed"]) == (3, 3, 0, 0)
    assert (data["open"], data["finished"], data["progress"]) == (False, False, 0.0)
    assert data["children"] == [] and data["children_total"] == 0
    work_here("default", fork=False)
    data = staff.get(url(group.id)).json()
    assert (data["succeeded"], data["pending"], data["finished"], data["progress"]) == (
        3,
        0,
        True,
        1.0,
    )
    (child,) = data["children"]
    assert child["finished"] and child["total"] == 1 and data["children_total"] == 1


def test_progress_covers_the_members_of_child_groups(redis, ledger, work_here, staff):
    with Group.create() as group:
        jobs.nest.delay(ledger, 2)
    work_here("default", fork=False)
    parent = group.status()
    child_id = parent.children[0]
    redis.sadd(f"resque:dj:group:{child_id}:pending", "m1", "m2")  # two more pending members
    redis.hincrby(f"resque:dj:group:{child_id}", "total", 2)
    data = staff.get(url(group.id)).json()
    assert data["finished"] and data["progress"] == 1.0  # an ended group is done
    data = staff.get(url(child_id)).json()
    assert data["parent"] == group.id and data["progress"] == pytest.approx(1 / 3, abs=1e-3)


def test_anonymous_users_get_401_and_staff_without_the_permission_403(db, redis, settings):
    group = Group.create()
    assert Client().get(url(group.id)).status_code == 401
    plain = User.objects.create_user("plain", password="pw")
    client = Client()
    client.force_login(plain)
    assert client.get(url(group.id)).status_code == 403
    settings.RESQUE = {**settings.RESQUE, "STATUS_VIEW_PERMISSION": "auth.view_user"}
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    response = client.get(url(group.id))
    assert response.status_code == 403 and "group statuses" in response.json()["error"]


def test_a_signed_token_opens_that_one_group_to_anyone_until_it_expires(db, redis):
    group, other = Group.create(name="mine"), Group.create()
    anonymous = Client()
    response = anonymous.get(tokens.status_url(group))
    assert response.status_code == 200 and response.json()["name"] == "mine"
    token = tokens.status_token(group.id)
    assert anonymous.get(url(other.id), {"token": token}).status_code == 403
    assert anonymous.get(url(group.id), {"token": token[:-2]}).status_code == 403
    expired = tokens.status_token(group, expires_in=timedelta(seconds=-1))
    response = anonymous.get(url(group.id), {"token": expired})
    assert response.status_code == 403 and "expired" in response.json()["error"]


def test_a_jobs_token_opens_no_group_and_a_groups_token_no_job(db, redis):
    group = Group.create()
    handle = jobs.add.delay(1, 1)
    anonymous = Client()
    job_token_for_the_group_id = handle.status_token().replace(handle.id, group.id)
    assert anonymous.get(url(group.id), {"token": handle.status_token()}).status_code == 403
    assert anonymous.get(url(group.id), {"token": job_token_for_the_group_id}).status_code == 403
    from django_resque.results import tokens as job_tokens

    same_id = job_tokens.sign(group.id)  # a job token for an id that is also a group's
    assert anonymous.get(url(group.id), {"token": same_id}).status_code == 403
    response = anonymous.get(
        f"/resque/jobs/{group.id}/status/", {"token": tokens.status_token(group)}
    )
    assert response.status_code == 403


def test_unknown_expired_malformed_and_unreadable_groups_are_404(redis, staff):
    assert staff.get(url("no-such-group")).status_code == 404
    assert staff.get(url("x" * 101)).status_code == 404
    assert staff.get(url("%3Cscript%3E")).json() == {"id": "<script>", "status": "unknown"}
    redis.set("resque:dj:group:astring", "not a hash")
    assert staff.get(url("astring")).status_code == 404
    assert staff.post(url("no-such-group")).status_code == 405


def test_a_group_hash_with_garbage_fields_still_answers(redis, staff):
    group = Group.create(name="g")
    key = f"resque:dj:group:{group.id}"
    redis.hset(
        key,
        mapping={"total": "lots", "succeeded": "-5", "failed": "9" * 5000, "callbacks": "{["},
    )
    redis.sadd(f"resque:dj:group:{group.id}:children", group.id, "\xff-gone")  # itself, and gone
    data = staff.get(url(group.id)).json()
    assert (data["total"], data["succeeded"], data["failed"], data["children"]) == (0, 0, 0, [])
    assert 0.0 <= data["progress"] <= 1.0
