"""Job arguments that are model instances: sent by reference, fetched afresh in the worker.

A model instance passed to `.delay()` travels as `{"__django_model__": "<app_label>.<model>",
"pk": <pk>}` and the worker fetches the row afresh, so a job never acts on a stale copy. The
marker key is reserved: a plain dict argument that contains it is refused at enqueue, so no user
dict is ever mistaken for a model. Payloads without model instances are byte for byte unchanged.
Models are resolved through Django's app registry (`apps.get_model`), never imported.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.apps import apps
from django.db.models import Model

from django_resque.exceptions import ModelInstanceMissing, UnknownJob
from django_resque.jobs.payload import to_json_args

MODEL_MARKER = "__django_model__"
_PLAIN = frozenset({str, int, bool, type(None)})  # JSON as they are (floats need a check)


def json_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[list[Any], dict[str, Any]]:
    """Return one call's arguments as a payload carries them; raise TypeError if not JSON.

    Most calls pass a few strings and numbers: those skip the walk that freezes model
    instances and checks nested values (hot path of every .delay()).
    """
    if all(type(value) in _PLAIN for value in args) and all(
        type(value) in _PLAIN for value in kwargs.values()
    ):
        return list(args), dict(kwargs)
    return to_json_args(freeze(args), freeze(kwargs))


# --- arguments ---------------------------------------------------------------------------
def freeze(value: Any) -> Any:
    """Replace model instances (at any depth) by their JSON reference; refuse the marker key."""
    if isinstance(value, Model):
        return model_reference(value)
    if isinstance(value, list | tuple):
        return [freeze(item) for item in value]
    if isinstance(value, dict):
        if MODEL_MARKER in value:
            raise TypeError(
                f"Job arguments may not contain a dict with the key {MODEL_MARKER!r}; "
                "django_resque reserves it to pass model instances. Rename the key."
            )
        return {key: freeze(item) for key, item in value.items()}
    return value


def model_reference(instance: Model) -> dict[str, Any]:
    """Return the JSON that stands for a saved model instance in a payload."""
    pk = instance.pk
    if pk is None:
        raise TypeError(
            f"{type(instance).__name__} instance has no primary key yet; save it before "
            "passing it to a job."
        )
    return {MODEL_MARKER: instance._meta.label_lower, "pk": _json_pk(pk)}


def _json_pk(pk: Any) -> Any:
    if isinstance(pk, int | str) and not isinstance(pk, bool):
        return pk
    if isinstance(pk, UUID):
        return str(pk)
    return str(pk)


def thaw(value: Any) -> Any:
    """Replace model references (at any depth) by instances fetched from the database now."""
    if isinstance(value, list):
        if all(type(item) in _PLAIN for item in value):
            return value  # nothing to replace (the usual case: skip the copy)
        return [thaw(item) for item in value]
    if isinstance(value, dict):
        if not value:
            return value
        if set(value) == {MODEL_MARKER, "pk"}:
            return fetch(value[MODEL_MARKER], value["pk"])
        return {key: thaw(item) for key, item in value.items()}
    return value


def fetch(label: str, pk: Any) -> Model:
    """Return the row a model reference names; raise ModelInstanceMissing if it is gone."""
    model = get_model(label)
    try:
        return model._default_manager.get(pk=pk)
    except model.DoesNotExist as exc:  # type: ignore[attr-defined]
        raise ModelInstanceMissing(
            f"{label} with pk={pk!r} no longer exists (deleted after the job was enqueued)."
        ) from exc


def get_model(label: str) -> type[Model]:
    """Resolve `app_label.model` through the app registry only."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError) as exc:
        raise UnknownJob(f"No installed model is called {label!r} in this worker.") from exc
