"""manage.py demo_seed: create the demo login and enqueue sample jobs so every page has data."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from demo import jobs, tasks
from demo.admin_seed import seed_admin_pages
from demo.models import Post

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "the",
    "lazy",
    "dog",
    "while",
    "resque",
    "workers",
    "do",
    "the",
    "slow",
    "work",
]


class Command(BaseCommand):
    help = "Create the demo admin login and enqueue sample jobs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--posts", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        if not user_model.objects.filter(username="demo").exists():
            user_model.objects.create_superuser("demo", "demo@example.com", "demo")
        for n in range(options["posts"]):
            post = Post.objects.create(title=f"Post {n + 1}", body=" ".join(WORDS[: 5 + n]))
            jobs.recalculate_word_count.delay(post.pk)
            jobs.post_to_partner_api.delay(post.pk)
        jobs.send_welcome_email.delay("new-user@example.com")
        # Each Post.objects.create above also enqueued a recount from post_save; and a
        # django.tasks @task runs on the same workers.
        result = tasks.summarise_posts.enqueue()
        self.stdout.write(f"enqueued django.tasks task id={result.id}")
        # Calls that succeed on their third attempt, two at most at once (the rest wait on
        # the Limits page), and one that gives up into Failed
        for post in Post.objects.order_by("pk"):
            jobs.sync_with_flaky_partner.delay(post.pk)
        first = Post.objects.order_by("pk").first()
        if first is not None:
            jobs.sync_with_retired_partner.delay(first.pk)
        # A delayed job: the scheduler promotes it to its queue in 30 seconds.
        jobs.send_reminder.enqueue_in(timedelta(seconds=30), "new-user@example.com")
        seed_admin_pages()  # a busy worker, waiting, paused, delayed and failed jobs
        self.stdout.write(
            f"enqueued jobs for {options['posts']} posts and a reminder due in 30 seconds"
        )
