from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from demo.models import Post


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/index.html", {"posts": Post.objects.order_by("-created_at")[:20]})
