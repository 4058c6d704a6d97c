from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ResqueConfig(AppConfig):
    name = "django_resque"
    verbose_name = "Resque"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        # Importing these registers the system checks and the setting_changed receiver.
        from django_resque import checks, conf, scheduler_checks  # noqa: F401

        autodiscover_modules("jobs")
