from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from demo.models import Post, dashboard_words


def index(request: HttpRequest) -> HttpResponse:
    posts = Post.objects.order_by("-created_at")[:20]
    return render(request, "demo/index.html", {"posts": posts, "words": dashboard_words()})


# --- enqueue a job, then poll its status from the page ----------------------------------
from django.contrib.admin.views.decorators import staff_member_required  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from demo import jobs  # noqa: E402


@staff_member_required
def poll_page(request: HttpRequest) -> HttpResponse:
    """A page whose script enqueues word_stats and polls the status view until it is done."""
    return render(request, "demo/poll.html")


@staff_member_required
@require_POST
def start_word_stats(request: HttpRequest) -> JsonResponse:
    """Enqueue the job; the page polls the URL this returns (the view itself never waits)."""
    handle = jobs.word_stats.delay(request.POST.get("text", "")[:10_000])
    # A signed URL: it opens this one job's status to the page, staff or not, for an hour.
    return JsonResponse({"id": handle.id, "status_url": handle.status_url()})
