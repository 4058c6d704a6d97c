"""What every Resque admin page shares: permissions, rendering, POST-only actions, redirects.

Each page is a table-less model's ModelAdmin: `changelist_view` renders the page and `get_urls`
adds its detail and action URLs, all wrapped in `admin_site.admin_view` (login, staff, CSRF).
Looking needs the model's view permission; every action needs its change permission and POST.
Every such view is also guarded: if Redis does not answer, the page says so (HTTP 503) in the
admin's frame, and the rest of the admin, which does not need Redis, keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import redis
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from django_resque.admin import unreachable
from django_resque.exceptions import ResqueError
from django_resque.storage import connection

# No inline script or style may run on these pages, whatever a payload contains.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)

View = TypeVar("View", bound=Callable[..., HttpResponse])


def action(view: View) -> View:
    """Make a view POST-only and require the model's change permission."""

    @wraps(view)
    def wrapper(self: ResqueAdmin, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        return view(self, request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin  # not subscriptable at run time


class ResqueAdmin(_ModelAdmin):
    """A page backed by Redis, not a table: nothing to add or delete, only look and act."""

    template: str = ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_model_perms(self, request: HttpRequest) -> dict[str, bool]:
        """Make the admin index offer "View": there is no change form, only actions on a page.

        The index alone reads these perms (AdminSite._build_app_dict: "change" makes its link
        say Change); actions still ask has_change_permission, and "view" stays true for staff
        who hold only the change permission.
        """
        return {**super().get_model_perms(request), "change": False}

    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        """Return (route, view, name suffix) for the page's detail and action URLs."""
        return []

    def get_urls(self) -> list[URLPattern]:
        def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            return self.admin_site.admin_view(self.guard_redis(view))

        return [
            *(
                path(route, wrap(view), name=self.url_name(name))
                for route, view, name in self.extra_urls()
            ),
            path("", wrap(self.changelist_view), name=self.url_name("changelist")),
        ]

    def guard_redis(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        """Answer 503 with a page naming the Redis, if it cannot be reached, instead of a 500.

        The page is rendered inside the guard, so a read the template makes fails here too.
        """

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                response = view(request, *args, **kwargs)
                if isinstance(response, TemplateResponse):
                    response.render()
                return response
            except (redis.RedisError, ResqueError) as exc:
                error = unreachable.connection_error(exc)
                if error is None:
                    raise
                return self.redis_down(request, error)

        return guarded

    def redis_down(self, request: HttpRequest, error: BaseException) -> TemplateResponse:
        response = self.render(
            request,
            "django_resque/admin/redis_down.html",
            "Redis is unreachable",
            where=connection.describe(),
            error=f"{type(error).__name__}: {error}",
        )
        response.status_code = 503
        return response

    def url_name(self, suffix: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{suffix}"

    def url(self, suffix: str) -> str:
        return reverse(f"{self.admin_site.name}:{self.url_name(suffix)}")

    # --- rendering ------------------------------------------------------------------------
    def require_view(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def render(
        self, request: HttpRequest, template: str, title: str, **context: Any
    ) -> TemplateResponse:
        """Render a page in the admin's frame, with the admin site's own context."""
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "can_change": self.has_change_permission(request),
            "changelist_url": self.url("changelist"),
            **context,
        }
        response = TemplateResponse(request, template, context)
        response["Content-Security-Policy"] = CSP
        return response

    def confirm(
        self, request: HttpRequest, question: str, items: list[str] | None = None
    ) -> TemplateResponse | None:
        """Return a confirmation page unless this POST already confirmed (`post=yes`)."""
        if request.POST.get("post") == "yes":
            return None
        hidden = [(k, v) for k, v in request.POST.items() if k not in {"csrfmiddlewaretoken"}]
        return self.render(
            request,
            "django_resque/admin/confirm.html",
            "Are you sure?",
            crumb="Confirm",
            question=question,
            items=items or [],
            hidden=hidden,
        )

    def done(
        self, request: HttpRequest, message: str, default: str, *, ok: bool = True
    ) -> HttpResponseRedirect:
        """Report an action's result and go back to `next` (if it is ours) or `default`."""
        messages.add_message(request, messages.SUCCESS if ok else messages.WARNING, message)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = default
        return HttpResponseRedirect(target)
