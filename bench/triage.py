"""Triage classifier benchmark on the IT service tickets (47,837 labelled tickets, CC0).

Run: .venv/bin/python bench/triage.py [--seeds 1 7 42] [--sample N]
Prints, for each seed's stratified 80/20 split: accuracy, macro F1, the share routed
automatically at 95 % precision (threshold chosen by cross-validation inside the training part),
training time and the p99 of one prediction, as wall time and as CPU time of this process (the
machine's two cores are shared, so wall time also counts waiting for a core).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nabar.routing.triage import evaluate, load_labelled_csv

SHARED = Path(
    os.environ.get("NABAR_SHARED_DIR", Path(__file__).resolve().parents[1] / ".." / "shared")
)
ZIP = SHARED / "data" / "it-service-tickets" / "it_service_tickets.zip"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 7, 42])
    parser.add_argument("--sample", type=int, default=0, help="use a random sample of N rows")
    args = parser.parse_args()
    texts, labels = load_labelled_csv(ZIP, text_col="Document", label_col="Topic_group")
    if args.sample:
        rows = random.Random(0).sample(range(len(texts)), args.sample)
        texts, labels = [texts[i] for i in rows], [labels[i] for i in rows]
    print(f"{len(texts)} tickets, {len(set(labels))} categories; load {os.getloadavg()[0]:.1f}")
    print(
        "seed  accuracy  macro_f1  auto@95%  auto_prec  threshold"
        "  train_s  train_cpu_s  p99_ms  p99_cpu_ms  C     load"
    )
    for seed in args.seeds:
        e = evaluate(texts, labels, seed=seed, latency_samples=2000)
        print(
            f"{seed:>4}  {e.accuracy:8.4f}  {e.macro_f1:8.4f}  {e.auto_share:8.3f}"
            f"  {e.auto_precision:9.4f}  {e.threshold:9.3f}  {e.train_seconds:7.1f}"
            f"  {e.train_cpu_seconds:11.1f}  {e.predict_p99_ms:6.2f}  {e.predict_p99_cpu_ms:10.2f}"
            f"  {e.c!s:4}  {os.getloadavg()[0]:4.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
