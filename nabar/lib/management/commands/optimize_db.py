"""Refresh the database's statistics so it picks the right indexes.

SQLite has no background statistics: without them it can choose an index that scans every
case instead of the one that seeks to a queue. ``serve`` runs this at start; run it daily
from cron on a long-running SQLite installation. PostgreSQL's autovacuum does the same by itself.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Update the database's query-planner statistics (ANALYZE; VACUUM ANALYZE on PostgreSQL)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        # PostgreSQL: also VACUUM, which sets the visibility map that index-only scans need
        # (autovacuum does this in time; after a bulk load or import it may not have yet).
        statement = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute(statement)
        if options["verbosity"] > 0:
            self.stdout.write(f"Statistics updated in {time.perf_counter() - started:.1f} s.")
