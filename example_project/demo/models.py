from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver

from django_resque.jobs.model_methods import JobModelMixin, job_method
from django_resque.storage.connection import get_redis

DASHBOARD_KEY = "demo:dashboard"  # hash: "words" = total words of every post


class Post(JobModelMixin, models.Model):
    """A blog post; its word count is recalculated by a job, off the request."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    word_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title

    @job_method
    def recalculate_word_count(self) -> int:
        """Recount this post's words and move the dashboard total by the difference.

        The seed Rails guide's race: two jobs read the dashboard total, each adds its post's
        count, and one write is lost. Here nothing is read-then-written: the row is updated only
        if its count is still the one we read (compare-and-set with a filtered UPDATE), and the
        dashboard moves by the difference with HINCRBY, which Redis applies atomically. Two
        workers recounting the same or different posts at once can never lose or double words.
        """
        new = len(self.body.split())
        while True:
            old = Post.objects.filter(pk=self.pk).values_list("word_count", flat=True).get()
            if Post.objects.filter(pk=self.pk, word_count=old).update(word_count=new):
                break  # another worker changed it between our read and write: read again
        if new != old:
            get_redis().hincrby(DASHBOARD_KEY, "words", new - old)
        self.word_count = new
        return new


@receiver(post_save, sender=Post)
def recount_after_save(sender: type[Post], instance: Post, **kwargs: object) -> None:
    """The seed's `after_save` hook: enqueue the recount (sent when the transaction commits)."""
    instance.delay("recalculate_word_count")


def dashboard_words() -> int:
    """Total words of all posts, as the jobs have counted them."""
    return int(get_redis().hget(DASHBOARD_KEY, "words") or 0)


# --- a bulk CSV import, run as a group of jobs (demo/imports.py) ------------------------
class ImportRun(models.Model):
    """One CSV import: its rows go to workers in chunks, every job of it in one group."""

    source = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=0)
    group_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=20, default="running")  # running, done, failed
    failed_rows = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"import #{self.pk} of {self.source}"


class Product(models.Model):
    """One imported row: stored by its chunk's job, priced and summarised by per-row jobs."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="products")
    line = models.PositiveIntegerField()  # the CSV line it came from (the header is line 1)
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    price = models.CharField(max_length=32)  # as the CSV had it; price_row parses it
    category = models.CharField(max_length=100)
    price_with_tax_cents = models.PositiveIntegerField(null=True)
    summary = models.CharField(max_length=400, blank=True)

    class Meta:
        # A chunk job that runs twice (a worker died after storing it) stores its rows once.
        constraints = [models.UniqueConstraint(fields=["run", "line"], name="one_product_per_line")]

    def __str__(self) -> str:
        return self.sku


class ImportSummary(models.Model):
    """Written once by the group's on_success callback, after every row's jobs have run."""

    run = models.OneToOneField(ImportRun, on_delete=models.CASCADE, related_name="summary")
    products = models.PositiveIntegerField()
    categories = models.PositiveIntegerField()
    total_with_tax_cents = models.PositiveBigIntegerField()
    finished_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"summary of import #{self.run_id}"
