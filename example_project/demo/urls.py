from django.urls import path

from demo import views

urlpatterns = [path("", views.index, name="index")]

# a page that enqueues a job and polls django_resque's status view for its result
urlpatterns += [
    path("poll/", views.poll_page, name="poll"),
    path("poll/start/", views.start_word_stats, name="poll-start"),
]
