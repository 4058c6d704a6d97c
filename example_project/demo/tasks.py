"""django.tasks @task functions; ResqueBackend (TASKS in settings) runs them on resque_work."""

try:
    from django.tasks import task  # Django >= 6.0
except ImportError:  # Django 5.2: the django-tasks backport
    from django_tasks import task  # type: ignore[no-redef]

from demo.models import Post, dashboard_words


@task
def summarise_posts() -> dict[str, int]:
    """Report posts and words; the result is kept in Redis (TaskResult.return_value)."""
    return {"posts": Post.objects.count(), "words": dashboard_words()}
