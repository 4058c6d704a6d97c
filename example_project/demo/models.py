from django.db import models


class Post(models.Model):
    """A blog post; its word count is recalculated by a job, off the request."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    word_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title
