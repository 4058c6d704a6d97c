from django.urls import path

from demo import views

urlpatterns = [path("", views.index, name="index")]

# a page that enqueues a job and polls django_resque's status view for its result
urlpatterns += [
    path("poll/", views.poll_page, name="poll"),
    path("poll/start/", views.start_word_stats, name="poll-start"),
]

# a bulk CSV import as a group of jobs, with a page that polls the group's progress
urlpatterns += [
    path("import/", views.import_page, name="import"),
    path("import/<int:run_id>/", views.import_run, name="import-run"),
    path("import/<int:run_id>/result/", views.import_result, name="import-result"),
]
