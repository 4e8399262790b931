"""Triage classifier benchmark on the IT service tickets (47,837 labelled tickets, CC0).

Run: .venv/bin/python bench/triage.py [--seeds 7 1 2 3] [--sample N]
Prints accuracy, macro F1, the share routed automatically at 95 % precision, training time and
the p99 of one prediction for each seed's stratified 80/20 split.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nabar.routing.triage import evaluate, load_labelled_csv

SHARED = Path(
    os.environ.get("NABAR_SHARED_DIR", Path(__file__).resolve().parents[1] / ".." / "shared")
)
ZIP = SHARED / "data" / "it-service-tickets" / "it_service_tickets.zip"


def load() -> tuple[list[str], list[str]]:
    """Read the one CSV inside the zip without extracting it."""
    with zipfile.ZipFile(ZIP) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        with archive.open(name) as raw:
            handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            return load_labelled_csv(handle, text_col="Document", label_col="Topic_group")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 1, 2, 3])
    parser.add_argument("--sample", type=int, default=0, help="use a random sample of N rows")
    args = parser.parse_args()
    texts, labels = load()
    if args.sample:
        rows = random.Random(0).sample(range(len(texts)), args.sample)
        texts, labels = [texts[i] for i in rows], [labels[i] for i in rows]
    print(f"{len(texts)} tickets, {len(set(labels))} categories")
    print("seed  accuracy  macro_f1  auto@95%  auto_prec  threshold  train_s  p99_ms")
    for seed in args.seeds:
        e = evaluate(texts, labels, seed=seed)
        print(
            f"{seed:>4}  {e.accuracy:8.4f}  {e.macro_f1:8.4f}  {e.auto_share:8.3f}"
            f"  {e.auto_precision:9.4f}  {e.threshold:9.3f}  {e.train_seconds:7.1f}"
            f"  {e.predict_p99_ms:6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
