from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from demo.models import Post, dashboard_words


def index(request: HttpRequest) -> HttpResponse:
    posts = Post.objects.order_by("-created_at")[:20]
    return render(request, "demo/index.html", {"posts": posts, "words": dashboard_words()})
