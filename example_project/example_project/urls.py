from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("resque/", include("django_resque.urls")),  # the job status view
    path("", include("demo.urls")),
]
