"""URLs a project may include for the status views and the Prometheus endpoint:
`path("resque/", include(...))`."""

from django.urls import path

from django_resque import views

app_name = "django_resque"

urlpatterns = [
    path("jobs/<str:job_id>/status/", views.job_status, name="job_status"),
    path("groups/<str:group_id>/status/", views.group_status, name="group_status"),
    path("metrics/", views.metrics, name="metrics"),
]
