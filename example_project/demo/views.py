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


# --- a bulk CSV import as a group of jobs, and a page that polls the group's progress --------
from django.http import Http404  # noqa: E402
from django.shortcuts import get_object_or_404, redirect  # noqa: E402

from demo import imports  # noqa: E402
from demo.models import ImportRun  # noqa: E402
from django_resque.groups import tokens  # noqa: E402

MAX_UPLOAD = 5 * 1024 * 1024  # bytes of CSV one upload may have


@staff_member_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a CSV (or ask for a sample) and list the imports so far."""
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("csv")
        try:
            if upload is not None:
                if upload.size > MAX_UPLOAD:
                    raise imports.BadCSV(f"The file is larger than {MAX_UPLOAD // 1024} KB.")
                text, source = upload.read().decode("utf-8-sig"), upload.name
            else:
                rows = min(max(int(request.POST.get("rows") or 2000), 1), 50_000)
                bad = min(max(int(request.POST.get("bad_rows") or 0), 0), rows)
                text, source = imports.sample_csv(rows, bad_rows=bad), f"sample of {rows} rows"
            run = imports.start(text, source)
        except (ValueError, UnicodeDecodeError) as exc:  # BadCSV, a bad number, not UTF-8
            error = str(exc)
        else:
            return redirect("import-run", run_id=run.pk)
    runs = ImportRun.objects.order_by("-pk").select_related("summary")[:20]
    context = {"runs": runs, "error": error, "chunk_size": imports.CHUNK_SIZE}
    return render(request, "demo/import.html", context)


@staff_member_required
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """One import: a progress bar that polls the group status view with a signed URL."""
    run = get_object_or_404(ImportRun, pk=run_id)
    if not run.group_id:
        raise Http404("This import never started.")
    context = {"run": run, "status_url": tokens.status_url(run.group_id)}
    return render(request, "demo/import_run.html", context)


@staff_member_required
def import_result(request: HttpRequest, run_id: int) -> JsonResponse:
    """The run's state and, once the on_success callback wrote it, its summary."""
    run = get_object_or_404(ImportRun.objects.select_related("summary"), pk=run_id)
    summary = getattr(run, "summary", None)
    return JsonResponse(
        {
            "state": run.state,
            "failed_rows": run.failed_rows,
            "summary": None
            if summary is None
            else {
                "products": summary.products,
                "categories": summary.categories,
                "total_with_tax": f"{summary.total_with_tax_cents / 100:.2f}",
            },
        }
    )
