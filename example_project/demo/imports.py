"""A bulk CSV import as a group of jobs: chunks, per-row work, a second stage, one summary.

`start()` reads the CSV in the request (or command), makes one group for the import and sends
one `import_chunk` job per CHUNK_SIZE rows into it. Each chunk job stores its rows, then fans
out: a `price_row` job per row joins the same group (a cascade), and a child group of the
chunk's `summarise_row` jobs is the second stage. Once every job of the import and of its
child groups has finished, the group enqueues `finish_import` (every job succeeded: it writes
the ImportSummary row) or `import_failed` (some row failed for good), exactly once.
"""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal, InvalidOperation

from django.db.models import Sum

from demo.models import ImportRun, ImportSummary, Product
from django_resque import Group, job

CHUNK_SIZE = 200
COLUMNS = ["sku", "name", "price", "category"]
TAX = Decimal("1.19")
CATEGORIES = ["books", "garden", "kitchen", "music", "office", "toys"]


class BadCSV(ValueError):
    """Raised when the uploaded text is not a CSV with the import's columns."""


def sample_csv(rows: int, *, bad_rows: int = 0, seed: int = 7) -> str:
    """A product CSV of `rows` rows; `bad_rows` of them, spread out, have no number as price."""
    rng = random.Random(seed)
    bad = {round((n + 0.5) * rows / bad_rows) for n in range(bad_rows)} if bad_rows else set()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(1, rows + 1):
        price = "n/a" if n in bad else f"{rng.randint(100, 99_999) / 100:.2f}"
        writer.writerow([f"SKU-{n:06d}", f"Product {n}", price, rng.choice(CATEGORIES)])
    return out.getvalue()


def read_rows(text: str) -> list[list[str]]:
    """The CSV's rows after its header; BadCSV if the header or a row has the wrong columns."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != COLUMNS:
        raise BadCSV(f"The first line must be the header {','.join(COLUMNS)}, not {header!r}.")
    rows = []
    for line, row in enumerate(reader, start=2):
        if len(row) != len(COLUMNS):
            raise BadCSV(f"Line {line} has {len(row)} fields; every row needs {len(COLUMNS)}.")
        rows.append([field.strip() for field in row])
    return rows


def start(text: str, source: str, chunk_size: int = CHUNK_SIZE) -> ImportRun:
    """Check the CSV, then send its chunks to the workers as one group; return the run."""
    rows = read_rows(text)
    run = ImportRun.objects.create(source=source[:200], rows=len(rows))
    with Group.create(
        name=f"import #{run.pk}: {source}"[:200],
        on_success=finish_import.call(run.pk),
        on_failure=import_failed.call(run.pk),
    ) as group:
        ImportRun.objects.filter(pk=run.pk).update(group_id=group.id)
        for first in range(0, len(rows), chunk_size):
            import_chunk.delay(run.pk, first + 2, rows[first : first + chunk_size])
    run.group_id = group.id
    return run


@job(queue="default")
def import_chunk(run_id: int, first_line: int, rows: list[list[str]]) -> int:
    """Store one chunk's rows, then fan out their per-row work and their second stage."""
    Product.objects.bulk_create(
        [
            Product(run_id=run_id, line=line, sku=sku, name=name, price=price, category=category)
            for line, (sku, name, price, category) in enumerate(rows, start=first_line)
        ],
        ignore_conflicts=True,  # already stored by an earlier run of this same chunk
    )
    last_line = first_line + len(rows) - 1
    stored = list(
        Product.objects.filter(run_id=run_id, line__range=(first_line, last_line))
        .order_by("line")
        .values_list("pk", flat=True)
    )
    price_row.enqueue_many([(pk,) for pk in stored])  # joins this job's group
    with Group.create(name=f"import #{run_id}: summaries of lines {first_line}-{last_line}"):
        summarise_row.enqueue_many([(pk,) for pk in stored])  # a child group: stage two
    return len(stored)


@job(queue="default")
def price_row(product_id: int) -> int:
    """Parse the row's price and store it with tax; a price that is no number fails the row."""
    product = Product.objects.get(pk=product_id)
    try:
        price = Decimal(product.price)
    except InvalidOperation:
        raise ValueError(f"line {product.line}: price {product.price!r} is not a number") from None
    cents = int((price * TAX * 100).quantize(Decimal("1")))
    Product.objects.filter(pk=product_id).update(price_with_tax_cents=cents)
    return cents


@job(queue="default")
def summarise_row(product_id: int) -> None:
    """Write the one-line summary a catalogue page would show (stage two)."""
    product = Product.objects.get(pk=product_id)
    summary = f"{product.name} ({product.category}), article {product.sku}"
    Product.objects.filter(pk=product_id).update(summary=summary)


@job(queue="default")
def finish_import(run_id: int) -> None:
    """The group's on_success: every row is stored, priced and summarised; write the summary."""
    products = Product.objects.filter(run_id=run_id)
    ImportSummary.objects.update_or_create(
        run_id=run_id,
        defaults={
            "products": products.count(),
            "categories": products.values("category").distinct().count(),
            "total_with_tax_cents": products.aggregate(t=Sum("price_with_tax_cents"))["t"] or 0,
        },
    )
    ImportRun.objects.filter(pk=run_id).update(state="done")


@job(queue="default")
def import_failed(run_id: int) -> None:
    """The group's on_failure: some rows failed for good (the admin's Groups page lists them)."""
    run = ImportRun.objects.get(pk=run_id)
    failed = Group.get(run.group_id).status().failed
    ImportRun.objects.filter(pk=run_id).update(state="failed", failed_rows=failed)
