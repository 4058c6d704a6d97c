"""A minimal Django project for the Django peers: django-rq (settings_rq) and Celery's Django
integration (settings_celery, app in djpeers/celery.py). Each settings module installs only its
own peer, as a project that picked it would; both use the harness's job bodies.

The Celery app is not imported here (as Celery's Django guide does in a project's __init__), so
an rqworker does not load Celery: `celery -A djpeers` finds djpeers.celery by itself.
"""
