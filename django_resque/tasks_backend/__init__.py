"""The `django.tasks` backend: `@task` functions enqueued and run on Resque workers.

Not named `tasks`, which the app loader autodiscovers in every installed app.
"""
