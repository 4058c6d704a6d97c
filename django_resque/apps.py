from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ResqueConfig(AppConfig):
    name = "django_resque"
    verbose_name = "Resque"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from django_resque import checks, conf  # noqa: F401  (registers checks and receivers)

        autodiscover_modules("jobs")
