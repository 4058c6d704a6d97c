"""Model methods as jobs.

Model methods run through one registered job, `django_resque.model_method`, which resolves the
model through Django's app registry (`apps.get_model`) and runs only methods marked with
`@job_method`; nothing a payload names is ever imported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Model

from django_resque.exceptions import InvalidJob
from django_resque.jobs.arguments import fetch, get_model, model_reference
from django_resque.jobs.definition import job

if TYPE_CHECKING:
    from django_resque.jobs.handles import JobHandle

MODEL_METHOD_JOB = "django_resque.model_method"


class JobMethod:
    """A model method marked as runnable by workers: `obj.method.delay(...)`."""

    def __init__(self, func: Any, *, queue: str | None = None) -> None:
        self.func = func  # a function, or a classmethod object
        self.queue = queue
        self.name = getattr(func, "__name__", "")

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type[Any]) -> Any:
        if isinstance(self.func, classmethod):
            return BoundJobMethod(self, owner, None)
        if instance is None:
            return self
        return BoundJobMethod(self, owner, instance)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the plain function (as `Model.method(obj, ...)` would)."""
        return self.func(*args, **kwargs)


@dataclasses.dataclass(frozen=True)
class BoundJobMethod:
    """A job method bound to a model class or instance: call it now or `.delay()` it."""

    method: JobMethod
    model: type[Model]
    instance: Model | None
    options: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        bound = self.method.func.__get__(self.instance, self.model)
        return bound(*args, **kwargs)

    def using(self, **options: Any) -> BoundJobMethod:
        """Return a copy enqueued with Job.using() options (queue, on_commit, database)."""
        return dataclasses.replace(self, options={**self.options, **options})

    def delay(self, *args: Any, **kwargs: Any) -> JobHandle:
        """Enqueue this method; the worker fetches the instance afresh and calls it."""
        pk = None
        options = {"queue": self.method.queue, **self.options}
        if self.instance is not None:
            pk = model_reference(self.instance)["pk"]
            options.setdefault("database", self.instance._state.db)
        definition = model_method.using(**options)
        return definition.delay(self.model._meta.label_lower, pk, self.method.name, *args, **kwargs)


def job_method(func: Callable[..., Any] | None = None, /, *, queue: str | None = None) -> Any:
    """Mark a model method (or classmethod, placed above @classmethod) as runnable by workers."""
    if func is None:
        return lambda f: JobMethod(f, queue=queue)
    return JobMethod(func, queue=queue)


class JobModelMixin:
    """Gives models `obj.delay("method", *args)` for methods marked with @job_method."""

    def delay(self, method: str, /, *args: Any, **kwargs: Any) -> JobHandle:
        """Enqueue `method` of this (saved) instance to run on a worker with a fresh copy."""
        resolve_job_method(type(self), method)
        bound: BoundJobMethod = getattr(self, method)
        return bound.delay(*args, **kwargs)


def resolve_job_method(model: type[Any], name: str) -> JobMethod:
    """Return the @job_method called `name` on a model; anything else is refused."""
    for klass in model.__mro__:
        if name in vars(klass):
            attribute = vars(klass)[name]
            if isinstance(attribute, JobMethod):
                return attribute
            break
    raise InvalidJob(
        f"{model.__name__}.{name} is not marked with @job_method, so workers will not run it."
    )


@job(name=MODEL_METHOD_JOB)
def model_method(label: str, pk: Any, method: str, /, *args: Any, **kwargs: Any) -> Any:
    """Run a @job_method of a model class, or of a row fetched afresh when pk is given."""
    model = get_model(label)
    definition = resolve_job_method(model, method)
    if pk is None and not isinstance(definition.func, classmethod):
        raise InvalidJob(f"{label}.{method} is an instance method but the payload has no pk.")
    instance = None if pk is None else fetch(label, pk)
    bound: BoundJobMethod = definition.__get__(instance, model)
    return bound(*args, **kwargs)
