from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ResqueConfig(AppConfig):
    name = "django_resque"
    verbose_name = "Resque"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        # Importing these registers system checks, setting_changed receivers and built-in jobs.
        from django_resque import conf  # noqa: F401
        from django_resque.checks import (  # noqa: F401
            deploy,
            jobs,
            limits,
            metrics,
            scheduler,
            settings,
        )
        from django_resque.jobs import model_methods  # noqa: F401

        autodiscover_modules("jobs")
        if _uses_resque_tasks_backend():
            autodiscover_modules("tasks")  # @task functions that ResqueBackend runs


def _uses_resque_tasks_backend() -> bool:
    """Return True if a TASKS alias names ResqueBackend, so `tasks` modules must be loaded."""
    from django.conf import settings

    aliases = getattr(settings, "TASKS", None) or {}
    return any(
        isinstance(params, dict) and params.get("BACKEND") == "django_resque.backends.ResqueBackend"
        for params in aliases.values()
    )
