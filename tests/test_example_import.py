"""The example project's bulk import: CSV chunks, per-row jobs and a child group per chunk in
one group, a summary written by on_success, and a page that polls the group's status.

The example runs as its own project (its settings, its database), so its commands and its
worker run as processes here, as tests/test_example_blog.py runs them.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from django_resque import Group
from django_resque.groups import failed_members
from tests.helpers import ROOT


def runner(redis_server, var_dir):
    env = {**os.environ, "REDIS_URL": redis_server.url, "EXAMPLE_VAR_DIR": str(var_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT / "example_project",
            env=env,
            capture_output=True,
            text=True,
            timeout=170,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


@pytest.fixture(scope="module")
def migrated(redis_server, tmp_path_factory):
    """The example's var directory with its database migrated, once for this module."""
    var_dir = tmp_path_factory.mktemp("example-import-migrated")
    runner(redis_server, var_dir)("migrate", "--noinput", "-v", "0")
    return var_dir


@pytest.fixture
def example(redis_server, migrated, tmp_path):
    """Run the example's commands on a copy of the migrated var directory of this test's own."""
    shutil.copytree(migrated, tmp_path, dirs_exist_ok=True)
    return runner(redis_server, tmp_path)


def shell(example, code: str):
    """Run Python in the example project and return what it printed as JSON."""
    return json.loads(example("shell", "-c", code).strip().splitlines()[-1])


RUN = """
import json
from demo.models import ImportRun, Product
run = ImportRun.objects.get()
summary = getattr(run, "summary", None)
print(json.dumps({
    "state": run.state, "failed_rows": run.failed_rows, "rows": run.rows,
    "stored": Product.objects.count(),
    "priced": Product.objects.exclude(price_with_tax_cents=None).count(),
    "summarised": Product.objects.exclude(summary="").count(),
    "summary": summary and [summary.products, summary.categories, summary.total_with_tax_cents],
}))
"""

PAGE = """
import json
from django.contrib.auth.models import User
from django.test import Client
from demo.models import ImportRun
User.objects.create_superuser("t", "t@example.com", "pw")
client = Client(HTTP_HOST="localhost")
client.login(username="t", password="pw")
run = ImportRun.objects.get()
page = client.get(f"/import/{run.pk}/").content.decode()
url = json.loads('"' + page.split('const statusUrl = "')[1].split('"')[0] + '"')
status = Client(HTTP_HOST="localhost").get(url)  # no login: the signed URL opens it
result = client.get(f"/import/{run.pk}/result/").json()
print(json.dumps({"code": status.status_code, "status": status.json(), "result": result}))
"""


# Each test runs its worker and commands as processes of the example project: the example runs
# on both Django versions, one test on each leg of scripts/test.
@pytest.mark.one_leg(leg=2)
def test_a_csv_import_runs_as_one_group_and_its_callback_writes_the_summary(redis, example):
    out = example("demo_import", "--rows", "60", "--chunk-size", "20")
    group_id = re.search(r"group=(\w+)", out).group(1)
    assert not Group(group_id).status().finished
    example("resque_work", "--burst", "--queues", "default")
    state = Group(group_id).status()
    assert state.finished and (state.failed, state.pending) == (0, 0)
    assert state.total == 3 + 60 and state.succeeded == 63  # chunks, and a price job per row
    assert len(state.children) == 3 and state.fired == ["on_success"]
    for child_id in state.children:
        child = Group(child_id).status()
        assert child.finished and child.parent == group_id and child.succeeded == 20
    found = shell(example, RUN)
    assert found["state"] == "done" and found["stored"] == found["rows"] == 60
    assert found["priced"] == found["summarised"] == 60
    products, categories, total = found["summary"]
    assert products == 60 and 1 <= categories <= 6 and total > 0
    polled = shell(example, PAGE)
    assert polled["code"] == 200 and polled["status"]["id"] == group_id
    assert polled["status"]["finished"] and polled["status"]["progress"] == 1.0
    assert polled["status"]["children_total"] == 3 and len(polled["status"]["children"]) == 3
    assert polled["result"]["state"] == "done" and polled["result"]["summary"]["products"] == 60


@pytest.mark.one_leg(leg=1)
def test_a_bad_row_fails_the_import_and_retrying_it_after_a_fix_reopens_the_group(redis, example):
    out = example("demo_import", "--rows", "60", "--chunk-size", "30", "--bad-rows", "1")
    group_id = re.search(r"group=(\w+)", out).group(1)
    example("resque_work", "--burst", "--queues", "default")
    state = Group(group_id).status()
    assert state.finished and state.failed == 1 and state.fired == ["on_failure"]
    found = shell(example, RUN)
    assert (found["state"], found["failed_rows"], found["summary"]) == ("failed", 1, None)
    assert found["priced"] == 59 and found["summarised"] == 60
    (member,) = failed_members.page(group_id, 0, 10)
    assert member.counted and "price 'n/a' is not a number" in member.failure.error
    fix = "from demo.models import Product; Product.objects.filter(price='n/a').update(price='1')"
    example("shell", "-c", fix)
    assert failed_members.retry(group_id) == 1
    assert Group(group_id).status().pending == 1
    example("resque_work", "--burst", "--queues", "default")
    state = Group(group_id).status()
    assert state.finished and (state.succeeded, state.failed) == (62, 0)
    assert shell(example, RUN)["priced"] == 60
