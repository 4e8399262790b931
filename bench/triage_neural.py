"""A small neural classifier beside the shipped triage model, on the IT service tickets.

Run: .venv/bin/python bench/triage_neural.py [--seeds 42 1 7]

PyTorch is not a dependency of Nåbar. The first run builds ``bench/out/torch-venv`` (with
``python3.11`` where there is one, PyTorch 2.13.0 on the CPU, numpy, scikit-learn) and runs this
script there; ``nabar.routing.triage`` needs nothing else.

For each seed, the training part of the stratified 80/20 split (the test part is never read) is
split again 80/20 into a fit part and a validation part; every figure is measured on validation,
from models fitted on the fit part only:

- ``shipped``: ``triage.train`` as it ships, its own threshold for 95 % precision;
- ``fasttext``: the mean of 64-dimension embeddings of word 1-2 grams and of the first eight
  words, one linear layer, 5 epochs of Adam (one thread); threshold from 5-fold out-of-fold
  predictions inside the fit part;
- ``stacked``: the shipped model's two SVMs and fastText combined by the shipped stacking (its
  logistic regression over held-out margins and its correctness model for the confidence);
- ``averaged``: the shipped model's probabilities and fastText's, half and half.

Training time of ``stacked`` counts the shipped model, fastText and the five fastText fits its
held-out logits need; one prediction is the shipped model's and fastText's together.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.venvs import rerun_in  # noqa: E402

VENV = ROOT / "bench" / "out" / "torch-venv"
PACKAGES = ["torch==2.13.0", "numpy", "scikit-learn", "threadpoolctl"]
SHARED = Path(os.environ.get("NABAR_SHARED_DIR", ROOT.parent / "shared"))
ZIP = SHARED / "data" / "it-service-tickets" / "it_service_tickets.zip"
TOKEN = re.compile(r"(?u)\b\w\w+\b")
OPENING_WORDS = 8


try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from sklearn.model_selection import StratifiedKFold, train_test_split
    from threadpoolctl import threadpool_limits
    from torch import nn
except ImportError:
    if __name__ == "__main__":
        rerun_in(VENV, __file__, PACKAGES)
    raise

from nabar.routing import triage as T  # noqa: E402

torch.set_num_threads(1)


def features(text: str) -> list[str]:
    """Word 1-2 grams of the text, and of its first words (mostly the subject) marked apart."""
    words = TOKEN.findall(text.lower())
    opening = TOKEN.findall(" ".join(text.split()[:OPENING_WORDS]).lower())
    grams = [*words, *(f"{a} {b}" for a, b in pairwise(words))]
    grams += [f"o:{w}" for w in opening]
    grams += [f"o:{a} {b}" for a, b in pairwise(opening)]
    return grams


class FastText:
    """An embedding bag (mean) and one linear layer, trained with Adam at a falling rate."""

    def __init__(self, texts: list[str], y: Any, k: int, *, seed: int) -> None:
        dim, epochs, rate, size = 64, 5, 0.003, 32
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(set(features(text)))
        self.index = {g: i + 1 for i, g in enumerate(g for g, n in counts.items() if n >= 2)}
        self.embed = nn.EmbeddingBag(len(self.index) + 1, dim, mode="mean", sparse=True)
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)
        self.out = nn.Linear(dim, k)
        ids = [self.ids(text) for text in texts]
        target = torch.as_tensor(np.asarray(y), dtype=torch.long)
        optimisers = [
            torch.optim.SparseAdam(list(self.embed.parameters()), lr=rate),
            torch.optim.Adam(self.out.parameters(), lr=rate),
        ]
        steps, step = epochs * math.ceil(len(ids) / size), 0
        for _epoch in range(epochs):
            order = rng.permutation(len(ids))
            for start in range(0, len(ids), size):
                rows = order[start : start + size]
                for optimiser in optimisers:
                    for group in optimiser.param_groups:
                        group["lr"] = rate * (1 - step / steps)
                    optimiser.zero_grad()
                step += 1
                loss = F.cross_entropy(self.forward([ids[i] for i in rows]), target[rows])
                loss.backward()
                for optimiser in optimisers:
                    optimiser.step()

    def ids(self, text: str) -> list[int]:
        found = [self.index.get(g, 0) for g in features(text)]
        return [i for i in found if i] or [0]

    def forward(self, id_lists: list[list[int]]) -> Any:
        offsets = np.zeros(len(id_lists), dtype=np.int64)
        offsets[1:] = np.cumsum([len(x) for x in id_lists])[:-1]
        flat = torch.from_numpy(np.concatenate(id_lists).astype(np.int64))
        return self.out(self.embed(flat, torch.from_numpy(offsets)))

    @torch.no_grad()
    def logits(self, texts: list[str]) -> Any:
        parts = [
            self.forward([self.ids(t) for t in texts[s : s + 2048]]).numpy()
            for s in range(0, len(texts), 2048)
        ]
        return np.concatenate(parts).astype(np.float64)


def softmax(z: Any) -> Any:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def routed(confidence: Any, correct: Any, threshold: float) -> tuple[float, float]:
    auto = confidence >= threshold
    return float(auto.mean()), float(correct[auto].mean()) if auto.any() else 0.0


class Margins(NamedTuple):
    """One side of a split as the shipped stacking sees it: the word and opening-words SVMs'
    margins, any further model's scores, each case's length and its true category."""

    word: Any
    opening: Any
    extra: list[Any]
    lengths: Any
    y: Any


def stacked_probabilities(held_in: Any, fy: Any, shown: Any, *, seed: int) -> tuple[Any, Any]:
    """The shipped stacking's category probabilities: held out inside the fit part (``held_in``,
    3 folds) and for the cases ``shown``, from a logistic regression fitted on all of it."""
    combine, _ = T._fit_logistic(held_in, fy, seed=seed)
    probs = T._softmax_logits(combine(shown))
    held = T._softmax_logits(T._out_of_fold(held_in, fy, folds=3, seed=seed + 1))
    return held, probs


def stacked_with_checks(fit: Margins, shown: Margins, *, seed: int) -> tuple[Any, float, float]:
    """The shipped stacking and correctness model over the SVMs and the extra scores: whether
    each shown case's best category is right, the share routed at 95 % and their precision."""
    held, probs = stacked_probabilities(
        np.hstack([fit.word, fit.opening, *fit.extra]),
        fit.y,
        np.hstack([shown.word, shown.opening, *shown.extra]),
        seed=seed,
    )
    right = (held.argmax(1) == fit.y).astype(int)
    checks_o = T._check_features(held, fit.word, fit.opening, fit.lengths)
    confidence_o = T._sigmoid(T._out_of_fold(checks_o, right, folds=3, seed=seed + 2)[:, 0])
    check, _ = T._fit_logistic(checks_o, right, seed=seed)
    threshold = T._threshold_for(confidence_o, right == 1, target_precision=0.95)
    checks = T._check_features(probs, shown.word, shown.opening, shown.lengths)
    confidence = T._sigmoid(check(checks)[:, 0])
    hits = probs.argmax(1) == shown.y
    share, precision = routed(confidence, hits, threshold)
    return hits, share, precision


def measure(texts: list[str], labels: list[str], seed: int) -> list[tuple[str, dict[str, float]]]:
    train_x, _test_x, train_y, _test_y = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=seed
    )
    fx, vx, fy_text, vy_text = train_test_split(
        train_x, train_y, test_size=0.2, stratify=train_y, random_state=seed
    )
    rows = []
    with threadpool_limits(1):
        started = time.perf_counter()
        shipped = T.train(fx, fy_text, seed=seed)
        shipped_seconds = time.perf_counter() - started
    names = list(shipped.labels)
    fy = np.array([names.index(y) for y in fy_text])
    vy = np.array([names.index(y) for y in vy_text])
    k = len(names)
    pv = shipped._proba(vx)
    hits = pv.argmax(1) == vy
    share, precision = routed(pv.max(1), hits, shipped.threshold)
    base = {"accuracy": float(hits.mean()), "routed": share, "precision": precision}
    rows.append(("shipped", base | {"train_s": shipped_seconds}))

    started = time.perf_counter()
    fast = FastText(fx, fy, k, seed=seed)
    fast_seconds = time.perf_counter() - started
    lv = fast.logits(vx)
    pn = softmax(lv)
    # Held-out margins and logits inside the fit part, on the same five folds.
    folds = StratifiedKFold(5, shuffle=True, random_state=seed).split(np.zeros(len(fx)), fy)
    word_o, opening_o, lo = (np.zeros((len(fx), k)) for _ in range(3))
    started = time.perf_counter()
    for inside, held in folds:
        part = [fx[i] for i in held]
        lo[held] = FastText([fx[i] for i in inside], fy[inside], k, seed=seed).logits(part)
        with threadpool_limits(1):
            (word,), opening = T._fit([fx[i] for i in inside], [fy_text[i] for i in inside],
                                      seed=seed, cs=[0.5])  # fmt: skip
        word_o[held] = word.margins(part)
        opening_o[held] = opening.margins([T._opening(t) for t in part])
    held_out_fast_seconds = time.perf_counter() - started  # includes the SVM folds (about 5 s)
    po = softmax(lo)
    threshold = T._threshold_for(po.max(1), po.argmax(1) == fy, target_precision=0.95)
    hits = pn.argmax(1) == vy
    share, precision = routed(pn.max(1), hits, threshold)
    rows.append(("fasttext", {"accuracy": float(hits.mean()), "routed": share,
                              "precision": precision, "train_s": fast_seconds}))  # fmt: skip

    word_v = shipped._word.margins(vx)
    opening_v = shipped._opening.margins([T._opening(t) for t in vx])
    lengths_f = np.array([T._length_of(t) for t in fx])
    lengths_v = np.array([T._length_of(t) for t in vx])
    with threadpool_limits(1):
        held_linear, probs_linear = stacked_probabilities(
            np.hstack([word_o, opening_o]), fy, np.hstack([word_v, opening_v]), seed=seed
        )
        hits, share, precision = stacked_with_checks(
            Margins(word_o, opening_o, [lo], lengths_f, fy),
            Margins(word_v, opening_v, [lv], lengths_v, vy),
            seed=seed,
        )
    total = shipped_seconds + fast_seconds + held_out_fast_seconds
    rows.append(("stacked", {"accuracy": float(hits.mean()), "routed": share,
                             "precision": precision, "train_s": total}))  # fmt: skip
    mean_o, mean_v = (held_linear + po) / 2, (probs_linear + pn) / 2
    threshold = T._threshold_for(mean_o.max(1), mean_o.argmax(1) == fy, target_precision=0.95)
    hits = mean_v.argmax(1) == vy
    share, precision = routed(mean_v.max(1), hits, threshold)
    rows.append(("averaged", {"accuracy": float(hits.mean()), "routed": share,
                              "precision": precision,
                              "train_s": shipped_seconds + fast_seconds}))  # fmt: skip

    timings = []
    with threadpool_limits(1), torch.no_grad():
        for text in vx[:1000]:
            started = time.perf_counter()
            shipped.predict(text)
            fast.forward([fast.ids(text)])
            timings.append((time.perf_counter() - started) * 1000)
    rows[-2][1]["p99_ms"] = rows[-1][1]["p99_ms"] = float(np.percentile(timings, 99))
    return rows


def load_tickets() -> tuple[list[str], list[str]]:
    """The shared tickets' texts and topic groups; stops with a reason where they are absent."""
    if not ZIP.exists():
        raise SystemExit(f"{ZIP} is missing: this benchmark reads the shared ticket data")
    return T.load_labelled_csv(ZIP, text_col="Document", label_col="Topic_group")


def print_rows(seed: int, rows: list[tuple[str, dict[str, float]]], *, p99: bool) -> None:
    """One line per model, its accuracy also as the change against the first (shipped) row."""
    base = rows[0][1]["accuracy"]
    for name, r in rows:
        line = (
            f"{seed:>4}  {name:<9}  {r['accuracy']:8.4f}  {100 * (r['accuracy'] - base):+5.2f}"
            f"  {r['routed']:10.3f}  {r['precision']:9.3f}  {r['train_s']:7.1f}"
        )
        if p99:
            line += f"  {r['p99_ms']:6.2f}" if "p99_ms" in r else "       -"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 7])
    args = parser.parse_args()
    texts, labels = load_tickets()
    print(f"{len(texts)} tickets; load {os.getloadavg()[0]:.1f}; figures on validation splits")
    print(
        "seed  model      accuracy  change  routed@95%  precision  train_s  p99_ms (with fastText)"
    )
    for seed in args.seeds:
        print_rows(seed, measure(texts, labels, seed), p99=True)


if __name__ == "__main__":
    main()
