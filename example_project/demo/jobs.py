"""The demo's jobs: the seed examples of moving slow work out of the request."""

import logging
import random
import time

from demo.models import Post
from django_resque import job

logger = logging.getLogger(__name__)


@job(queue="default", unique="until_executing")
def recalculate_word_count(post_id: int) -> int:
    """Count a post's words (slow in real life: think of parsing Markdown, stripping HTML).

    Unique until it starts: while one recount of a post waits, another is refused (the waiting
    one will read the newest text anyway).
    """
    return Post.objects.get(pk=post_id).recalculate_word_count()  # race-free: see models.py


# --- a long job, so the admin shows a worker busy and jobs waiting behind it ----------------
@job(queue="exports")
def export_archive(number: int, seconds: float = 300.0) -> str:
    """Pretend to build a large archive; a second demo worker spends minutes on each."""
    time.sleep(seconds)
    logger.info("exported archive number=%s", number)
    return f"archive-{number}.zip"


@job(queue="low")
def post_to_partner_api(post_id: int) -> dict[str, object]:
    """Simulate posting to a slow third-party API (0.2-1.5 s)."""
    seconds = random.uniform(0.2, 1.5)
    time.sleep(seconds)
    logger.info("posted post_id=%s to partner in %.2fs", post_id, seconds)
    return {"post_id": post_id, "partner_status": 201}


@job(queue="critical")
def send_welcome_email(address: str) -> None:
    """Pretend to send an email."""
    time.sleep(0.1)
    logger.info("sent welcome email to=%s", address)


# --- retries with backoff, giving up, and a result a page polls for ----------------------
@job(
    queue="low",
    retries=4,
    backoff=lambda attempt: 2.0 * attempt,
    retry_on=(ConnectionError,),
    concurrency=2,  # the partner allows two connections at once
    rate_limit="30/m",  # and thirty calls a minute
)
def sync_with_flaky_partner(post_id: int) -> dict[str, object]:
    """A third-party call that times out twice, then works: retried with backoff, no scheduler.

    At most two run at once across all workers, and at most thirty start in any minute; the
    others wait on the admin's Limits page without holding a worker.
    """
    from django_resque import current_attempt

    attempt = current_attempt()
    if attempt < 3:
        raise ConnectionError(f"partner timed out (attempt {attempt}); will retry")
    logger.info("synced post_id=%s with the flaky partner on attempt=%s", post_id, attempt)
    return {"post_id": post_id, "attempt": attempt}


@job(queue="low", retries=2, backoff=lambda attempt: 1.0, give_up_on=(PermissionError,))
def sync_with_retired_partner(post_id: int) -> None:
    """A partner that shut its API down: retried twice, then lands in the failed list."""
    raise ConnectionRefusedError(f"partner API is gone; post_id={post_id} was not synced")


@job(queue="default")
def word_stats(text: str) -> dict[str, object]:
    """A slow computation whose result the demo page polls for (docs/results.md)."""
    time.sleep(2)
    words = text.split()
    longest = max(words, key=len) if words else ""
    return {"words": len(words), "distinct": len(set(words)), "longest": longest}


@job(queue="default")
def send_reminder(address: str) -> None:
    """Pretend to send a reminder; demo_seed schedules it with enqueue_in (a delayed job)."""
    logger.info("sent reminder to=%s", address)


@job(queue="low")
def nightly_report(period: str = "nightly") -> dict[str, int]:
    """Summarise the blog; RESQUE["SCHEDULE"] runs it each night and, for the demo, each minute."""
    posts = Post.objects.count()
    words = sum(Post.objects.values_list("word_count", flat=True))
    logger.info("report period=%s posts=%s words=%s", period, posts, words)
    return {"posts": posts, "words": words}


# --- the bulk CSV import (a group of jobs) lives in demo/imports.py; importing it registers it
from demo import imports  # noqa: E402, F401
