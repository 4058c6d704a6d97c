"""Models for the model-job tests: a comment whose word count a job recalculates."""

from __future__ import annotations

from django.db import models

from django_resque.jobs.model_methods import JobModelMixin, job_method


class Comment(JobModelMixin, models.Model):
    body = models.TextField()
    word_count = models.IntegerField(default=0)

    class Meta:
        app_label = "tests"

    def __str__(self) -> str:
        return self.body

    @job_method
    def recalculate_word_count(self, scale: int = 1) -> int:
        self.word_count = len(self.body.split()) * scale
        self.save(update_fields=["word_count"])
        return self.word_count

    @job_method(queue="low")
    @classmethod
    def recalculate_totals(cls) -> int:
        return sum(len(c.body.split()) for c in cls.objects.all())

    def not_a_job(self) -> None:
        raise AssertionError("workers must never run a method without @job_method")
