"""The Prometheus text exposition format of the gathered families (families.py).

With `prometheus_client` installed (the `prometheus` extra) its own exposition writes the text:
a collector on a private CollectorRegistry, so nothing of the process's default registry
leaks in. Without it, `plain_text` writes the same text format (version 0.0.4): HELP and TYPE
lines, label names sorted, values as Go prints floats, histograms as cumulative `_bucket`
samples with `le`, then `_count` and `_sum`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from django_resque.metrics.families import BOUNDS_SECONDS, Family, Histogram, gather

PLAIN_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render() -> tuple[bytes, str]:
    """Gather the figures from Redis and return (body, content type)."""
    families = gather()
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        return plain_text(families).encode("utf-8"), PLAIN_CONTENT_TYPE
    return with_client(families)


def with_client(families: list[Family]) -> tuple[bytes, str]:
    """The text prometheus_client's own exposition writes, and its content type."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_LATEST

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(families))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Collector:
    """A prometheus_client custom collector that yields the gathered families."""

    def __init__(self, families: list[Family]) -> None:
        self.families = families

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        kinds = {"counter": CounterMetricFamily, "gauge": GaugeMetricFamily}
        for family in self.families:
            if family.kind == "histogram":
                metric = HistogramMetricFamily(family.name, family.help, labels=family.labels)
                for h in family.histograms:
                    metric.add_metric(list(h.labels), _cumulative(h), h.sum_seconds)
            else:
                metric = kinds[family.kind](family.name, family.help, labels=family.labels)
                for labels, value in family.samples:
                    metric.add_metric(list(labels), value)
            yield metric


def plain_text(families: list[Family]) -> str:
    """The text format written by our code, for a process without prometheus_client."""
    lines: list[str] = []
    for family in families:
        name = f"{family.name}_total" if family.kind == "counter" else family.name
        lines.append(f"# HELP {name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {name} {family.kind}")
        for labels, value in family.samples:
            lines.append(_sample(name, dict(zip(family.labels, labels, strict=True)), value))
        for h in family.histograms:
            base = dict(zip(family.labels, h.labels, strict=True))
            cumulative = _cumulative(h)
            for le, count in cumulative:
                lines.append(_sample(f"{name}_bucket", {**base, "le": le}, count))
            lines.append(_sample(f"{name}_count", base, cumulative[-1][1]))
            lines.append(_sample(f"{name}_sum", base, h.sum_seconds))
    return "\n".join(lines) + "\n"


def _cumulative(h: Histogram) -> list[tuple[str, float]]:
    """(le, count of durations up to le) per bound, the last `+Inf` holding the count."""
    bounds = [_go_float(b) for b in BOUNDS_SECONDS] + ["+Inf"]
    running, out = 0, []
    for le, count in zip(bounds, h.counts, strict=True):
        running += count
        out.append((le, float(running)))
    return out


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    if not labels:
        return f"{name} {_go_float(value)}"
    pairs = ",".join(f'{k}="{_escape_label(v)}"' for k, v in sorted(labels.items()))
    return f"{name}{{{pairs}}} {_go_float(value)}"


def _escape_label(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _escape_help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")


def _go_float(value: float) -> str:
    """A float as Go's strconv prints it, which the text format uses (and prometheus_client)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(float(value))
    dot = text.find(".")
    if value > 0 and dot > 6:  # Go switches to an exponent sooner than Python
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
        return f"{mantissa}e+0{dot - 1}"
    return text
