"""Data for every page of the Resque admin: a busy worker, waiting, paused and delayed jobs."""

from datetime import timedelta

from demo import imports, jobs
from django_resque.queues import delayed
from django_resque.queues import lists as queues


def seed_admin_pages() -> None:
    """Enqueue jobs that stay visible in the admin for a while after the demo starts."""
    # The "exports" worker takes the first and is busy for minutes; the rest wait queued.
    for number in range(1, 5):
        jobs.export_archive.delay(number)
    # A queue nobody may take from until an operator resumes it in the admin.
    for address in ("ann@example.com", "bob@example.com", "cy@example.com"):
        jobs.send_welcome_email.using(queue="newsletters").delay(address)
    queues.pause("newsletters")
    # Delayed jobs due over the next hours (the scheduler promotes each when it is due).
    for hours in (1, 2, 6, 24):
        delayed.enqueue_in(
            timedelta(hours=hours), "demo.jobs.send_welcome_email", f"in-{hours}h@example.com"
        )
    # A job that fails at once, so the Failed page has an entry with a backtrace.
    jobs.recalculate_word_count.delay(-1)
    # A small product import: a group of jobs with a child group per chunk, and one row whose
    # price is no number, so the Groups page shows a failed member to retry.
    imports.start(imports.sample_csv(120, bad_rows=1), "seed-products.csv", chunk_size=50)
