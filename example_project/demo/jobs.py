"""The demo's jobs: the seed examples of moving slow work out of the request."""

import logging
import random
import time

from demo.models import Post
from django_resque import job

logger = logging.getLogger(__name__)


@job(queue="default")
def recalculate_word_count(post_id: int) -> int:
    """Count a post's words (slow in real life: think of parsing Markdown, stripping HTML)."""
    return Post.objects.get(pk=post_id).recalculate_word_count()  # race-free: see models.py


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
