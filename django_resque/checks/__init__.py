"""System checks, numbered django_resque.E001 and up: settings, the scheduler, the deploy."""
