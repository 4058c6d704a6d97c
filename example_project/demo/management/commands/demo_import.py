"""manage.py demo_import [CSV]: import a product CSV through a group of jobs (demo/imports.py).

Without a CSV it writes a sample of --rows rows to the var directory first. It prints the run,
its group and where to watch it, and with --wait blocks until the group has ended.
"""

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import imports
from demo.models import ImportRun
from django_resque import Group
from django_resque.groups import tokens


class Command(BaseCommand):
    help = "Import a product CSV (or a generated sample) as a group of jobs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("csv", nargs="?", help="a CSV with the columns sku,name,price,category")
        parser.add_argument("--rows", type=int, default=2000, help="rows of the generated sample")
        parser.add_argument("--bad-rows", type=int, default=0, help="sample rows with no price")
        parser.add_argument("--chunk-size", type=int, default=imports.CHUNK_SIZE)
        parser.add_argument("--wait", type=float, help="seconds to wait for the import to end")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rows"] < 1 or options["chunk_size"] < 1:
            raise CommandError("--rows and --chunk-size must be at least 1.")
        path = Path(options["csv"]) if options["csv"] else self.write_sample(options)
        try:
            run = imports.start(path.read_text("utf-8-sig"), path.name, options["chunk_size"])
        except (OSError, UnicodeDecodeError, imports.BadCSV) as exc:
            raise CommandError(f"Cannot import {path}: {exc}") from exc
        self.stdout.write(f"run={run.pk} rows={run.rows} group={run.group_id}")
        self.stdout.write(f"progress page: /import/{run.pk}/")
        self.stdout.write(f"status: {tokens.status_url(run.group_id)}")
        self.stdout.write(f"admin: /admin/django_resque/jobgroup/detail/?id={run.group_id}")
        if options["wait"] is not None:
            ended = Group.get(run.group_id).wait(timeout=options["wait"])
            state = ImportRun.objects.get(pk=run.pk).state
            for _ in range(50 if ended else 0):  # the callback that sets the state runs next
                if state != "running":
                    break
                time.sleep(0.2)
                state = ImportRun.objects.get(pk=run.pk).state
            self.stdout.write(f"ended={ended} state={state}")

    def write_sample(self, options: dict[str, Any]) -> Path:
        folder = Path(settings.VAR_DIR) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"sample-{options['rows']}.csv"
        path.write_text(imports.sample_csv(options["rows"], bad_rows=options["bad_rows"]))
        self.stdout.write(f"wrote a sample of {options['rows']} rows to {path}")
        return path
