"""The example project: post_save recounts words through a job, without the race the
seed Rails guide warns about, and a django.tasks @task runs on the same worker."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.helpers import ROOT


def example(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT / "example_project",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def example_env(redis_server, var_dir):
    env = {**os.environ, "REDIS_URL": redis_server.url, "EXAMPLE_VAR_DIR": str(var_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.fixture(scope="module")
def migrated(redis_server, tmp_path_factory):
    """The example's var directory with its database migrated, once for this module."""
    var_dir = tmp_path_factory.mktemp("example-migrated")
    result = example("migrate", "--noinput", "-v", "0", env=example_env(redis_server, var_dir))
    assert result.returncode == 0, result.stderr
    return var_dir


@pytest.fixture
def env(redis_server, migrated, tmp_path):
    """The example's environment, with a copy of the migrated var directory of its own."""
    shutil.copytree(migrated, tmp_path, dirs_exist_ok=True)
    return example_env(redis_server, tmp_path)


def test_the_blog_dashboard_counts_words_through_jobs_and_a_task_runs_on_the_worker(redis, env):
    result = example("demo_seed", "--posts", "3", env=env)
    assert result.returncode == 0, result.stderr
    task_id = re.search(r"django.tasks task id=(\w+)", result.stdout).group(1)
    worker = example("resque_work", "--burst", "--queues", "critical,default,low", env=env)
    assert worker.returncode == 0, worker.stderr
    failed = [json.loads(r)["payload"] for r in redis.lrange("resque:failed", 0, -1)]
    # only the admin demo's deliberate ones: a recount of no post, and the seed import's bad row
    assert sorted(f["class"] for f in failed) == [
        "demo.imports.price_row",
        "demo.jobs.recalculate_word_count",
    ]
    assert [f["args"] for f in failed if f["class"] == "demo.jobs.recalculate_word_count"] == [[-1]]
    assert redis.hget("demo:dashboard", "words") == b"18"  # 5 + 6 + 7 words, each counted once
    record = redis.hgetall(f"resque:dj:job:{task_id}")
    assert record[b"status"] == b"succeeded"
    assert json.loads(record[b"result"]) == {"posts": 3, "words": 18}


@pytest.mark.one_leg(leg=1)  # two worker processes racing over Redis; one Django leg is enough
def test_concurrent_workers_recounting_the_same_posts_never_lose_or_double_words(redis, env):
    assert example("demo_seed", "--posts", "4", env=env).returncode == 0
    more = "from demo.models import Post\nfor _ in range(10):\n    for p in Post.objects.all():\n        p.delay('recalculate_word_count')"  # noqa: E501
    assert example("shell", "-c", more, env=env).returncode == 0
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "resque_work", "--burst", "--queues", "default"],
            cwd=ROOT / "example_project",
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    assert redis.hget("demo:dashboard", "words") == b"26"  # 5 + 6 + 7 + 8, whatever the order
