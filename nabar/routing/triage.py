"""Category triage learned from an organisation's own labelled cases.

A case whose confidence reaches ``TriageModel.threshold`` is routed automatically; below it the
case goes to the human triage queue with the top suggestions. The threshold is chosen by
cross-validation inside the training data so that automatic routing keeps the target precision.
"""

from __future__ import annotations

import csv
import io
import math
import pickle
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.svm import LinearSVC

MIN_EXAMPLES = 20
MIN_PER_CLASS = 2
# An evaluation holds out a fifth of each category and cross-validates inside the rest.
MIN_PER_CLASS_TO_EVALUATE = 5
_FORMAT_VERSION = 2


class TriageDataError(ValueError):
    """The data cannot train a useful model; callers fall back to rules and the triage queue."""


def load_labelled_csv(
    path: str | Path | io.TextIOBase, *, text_col: str, label_col: str
) -> tuple[list[str], list[str]]:
    """Read texts and labels from a CSV with a header; rows with an empty label are skipped.

    A ``.zip`` holding exactly one ``.csv`` is read without extracting it.
    """
    if isinstance(path, (str, Path)):
        path = Path(path)
        if path.suffix.lower() == ".zip":
            return _read_zipped(path, text_col=text_col, label_col=label_col)
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                return _read_labelled(handle, text_col=text_col, label_col=label_col)
        except UnicodeDecodeError:
            line = _first_undecodable_line(path)
            raise ValueError(
                f"line {line}: not UTF-8 text; save the file as UTF-8 and try again"
            ) from None
    return _read_labelled(path, text_col=text_col, label_col=label_col)


def _first_undecodable_line(path: Path) -> int:
    with open(path, "rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _read_zipped(path: Path, *, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError(f"{path.name} is not a readable zip file") from None
    with archive:
        names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
        if len(names) != 1:
            raise ValueError(f"{path.name} must hold exactly one .csv file, it holds {len(names)}")
        with archive.open(names[0]) as raw:
            handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            try:
                return _read_labelled(handle, text_col=text_col, label_col=label_col)
            except UnicodeDecodeError:
                raise ValueError(f"{names[0]} is not UTF-8 text") from None


def _read_labelled(
    handle: Iterable[str], *, text_col: str, label_col: str
) -> tuple[list[str], list[str]]:
    reader = csv.DictReader(handle)
    columns = reader.fieldnames or []
    for column in (text_col, label_col):
        if column not in columns:
            raise ValueError(
                f"column {column!r} not found; the CSV has: {', '.join(columns) or 'no header'}"
            )
    texts: list[str] = []
    labels: list[str] = []
    try:
        for row in reader:
            text, label = row.get(text_col), row.get(label_col)
            if text is None or label is None or None in row:
                raise ValueError(
                    f"line {reader.line_num}: expected {len(columns)} columns,"
                    " got a different number"
                )
            if label.strip():
                texts.append(text)
                labels.append(label.strip())
    except csv.Error as error:
        raise ValueError(f"line {reader.line_num}: {error}") from None
    return texts, labels


def _vectorizer(n_texts: int) -> TfidfVectorizer:
    if n_texts < 200:  # tiny data: keep every term
        return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
    return TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5, dtype=np.float32
    )


def _softmax(margins: NDArray[np.float64], temperature: float) -> NDArray[np.float64]:
    scaled = margins / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


class TriageModel:
    """A trained category classifier with an automatic-routing threshold.

    Only the fitted vocabulary, the inverse document frequencies and the linear weights are kept;
    one text is scored by looking its terms up directly, which keeps one prediction well under a
    millisecond, and many texts at once go through scikit-learn's sparse matrices.
    """

    def __init__(
        self,
        *,
        vectorizer: TfidfVectorizer,
        labels: Sequence[str],
        coef: NDArray[np.float64],
        intercept: NDArray[np.float64],
        temperature: float,
        threshold: float,
        cases_used: int = 0,
        cv_accuracy: float | None = None,
        c: float | None = None,
    ) -> None:
        self._vectorizer = vectorizer
        self._analyse = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        # Stored as float32 (half the size); rounded the same way before and after storing.
        self._coef = np.ascontiguousarray(coef.T.astype(np.float32), dtype=np.float64)
        self._intercept = np.asarray(intercept, dtype=np.float64)
        self._temperature = temperature
        self.labels: tuple[str, ...] = tuple(str(label) for label in labels)
        self.threshold = threshold
        self.cases_used = cases_used
        self.cv_accuracy = cv_accuracy
        self.c = c

    @classmethod
    def _from_fit(
        cls,
        vectorizer: TfidfVectorizer,
        svm: LinearSVC,
        *,
        temperature: float,
        threshold: float,
        cases_used: int = 0,
        cv_accuracy: float | None = None,
        c: float | None = None,
    ) -> TriageModel:
        coef = np.asarray(svm.coef_, dtype=np.float64)
        intercept = np.asarray(svm.intercept_, dtype=np.float64)
        if coef.shape[0] == 1:  # two classes: one margin for the second class
            coef = np.vstack([-coef, coef])
            intercept = np.concatenate([-intercept, intercept])
        return cls(
            vectorizer=vectorizer,
            labels=[str(label) for label in svm.classes_],
            coef=coef,
            intercept=intercept,
            temperature=temperature,
            threshold=threshold,
            cases_used=cases_used,
            cv_accuracy=cv_accuracy,
            c=c,
        )

    def _margins_one(self, text: str) -> NDArray[np.float64]:
        """The same margins as the sparse path: sublinear tf times idf, L2-normalised."""
        counts = Counter(
            index
            for index in (self._vocabulary.get(term) for term in self._analyse(text))
            if index is not None
        )
        if not counts:
            return self._intercept.copy()
        indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(
            (1.0 + math.log(n) for n in counts.values()), dtype=np.float64, count=len(counts)
        )
        weights = tf * self._idf[indices]
        weights /= math.sqrt(float(weights @ weights))
        result: NDArray[np.float64] = weights @ self._coef[indices] + self._intercept
        return result

    def _proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        features = self._vectorizer.transform(texts)
        margins = np.asarray(features @ self._coef, dtype=np.float64) + self._intercept
        return _softmax(margins, self._temperature)

    def predict(self, text: str, *, top: int = 3) -> list[tuple[str, float]]:
        """The ``top`` most likely categories, best first, with confidences in [0, 1]."""
        row = _softmax(self._margins_one(text)[np.newaxis, :], self._temperature)[0]
        return self._ranked(row, top=top)

    def predict_many(self, texts: Iterable[str], *, top: int = 3) -> list[list[tuple[str, float]]]:
        """``predict`` for many texts at once, which is much faster per text."""
        batch = list(texts)
        if not batch:
            return []
        return [self._ranked(row, top=top) for row in self._proba(batch)]

    def routes_automatically(self, text: str) -> bool:
        """Whether the best category is confident enough to route without a person."""
        return self.predict(text, top=1)[0][1] >= self.threshold

    def _ranked(self, row: NDArray[np.float64], *, top: int) -> list[tuple[str, float]]:
        order = np.argsort(-row, kind="stable")[: max(top, 1)]
        return [(self.labels[i], float(row[i])) for i in order]

    def dumps(self) -> bytes:
        """Serialise for storage; only load data this application wrote itself (pickle)."""
        state = {
            "version": _FORMAT_VERSION,
            "vectorizer": self._vectorizer,
            "labels": self.labels,
            "coef": self._coef.T.astype(np.float32),
            "intercept": self._intercept,
            "temperature": self._temperature,
            "threshold": self.threshold,
            "cases_used": self.cases_used,
            "cv_accuracy": self.cv_accuracy,
            "c": self.c,
        }
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes) -> TriageModel:
        """Restore a model written by ``dumps``."""
        try:
            state = pickle.loads(data)
        except Exception:
            raise ValueError("not a readable triage model; retrain it") from None
        if not isinstance(state, dict) or state.get("version") != _FORMAT_VERSION:
            raise ValueError("not a triage model of this version; retrain it")
        return cls(
            vectorizer=state["vectorizer"],
            labels=state["labels"],
            coef=np.asarray(state["coef"], dtype=np.float64),
            intercept=state["intercept"],
            temperature=state["temperature"],
            threshold=state["threshold"],
            cases_used=state["cases_used"],
            cv_accuracy=state["cv_accuracy"],
            c=state["c"],
        )


def _check_trainable(
    texts: Sequence[str], labels: Sequence[str], *, min_per_class: int = MIN_PER_CLASS
) -> None:
    if len(texts) != len(labels):
        raise TriageDataError(f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    if len(counts) < 2:
        found = f"only {next(iter(counts))!r}" if counts else "none"
        raise TriageDataError(f"need at least two categories to learn from, found {found}")
    if len(texts) < MIN_EXAMPLES:
        raise TriageDataError(f"need at least {MIN_EXAMPLES} labelled cases, got {len(texts)}")
    if min(counts.values()) < min_per_class:
        rare = sorted(label for label, n in counts.items() if n < min_per_class)
        raise TriageDataError(
            f"categories with fewer than {min_per_class} examples: {', '.join(rare)}"
        )


def _fit(
    texts: Sequence[str], labels: Sequence[str], *, seed: int, cs: Sequence[float]
) -> tuple[TfidfVectorizer, list[LinearSVC]]:
    """One vectoriser and one LinearSVC per regularisation strength ``cs``."""
    vectorizer = _vectorizer(len(texts))
    features = vectorizer.fit_transform(texts)
    # The pruned terms are only kept for inspection; they would make the stored model huge.
    vectorizer.stop_words_ = None
    label_array = np.asarray(labels)
    svms = [
        LinearSVC(C=c, class_weight="balanced", random_state=seed).fit(features, label_array)
        for c in cs
    ]
    return vectorizer, svms


def _threshold_for(
    confidences: NDArray[np.float64], correct: NDArray[np.bool_], *, target_precision: float
) -> float:
    """The lowest confidence above which the predictions keep ``target_precision``."""
    order = np.argsort(-confidences)
    hits = np.cumsum(correct[order])
    precision = hits / np.arange(1, len(order) + 1)
    # The largest most-confident share whose precision, taken together, reaches the target.
    ok = np.nonzero(precision >= target_precision)[0]
    if len(ok) == 0:
        return 1.0 + 1e-9  # nothing can be routed automatically
    cut = int(ok[-1])
    return float(confidences[order][cut])


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    seed: int = 7,
    target_precision: float = 0.95,
    cs: Sequence[float] = (0.5,),
    temperature: float = 0.2,
    folds: int = 3,
) -> TriageModel:
    """Train on labelled cases; C and the routing threshold come from cross-validation on them.

    Word 1-2 gram TF-IDF with sublinear tf, a LinearSVC with classes weighted by their inverse
    frequency, confidence = softmax of the margins at temperature 0.2. Of ``cs``, the C with the
    best cross-validated accuracy is kept (ties to the stronger regularisation); the threshold is
    the one that kept ``target_precision`` on the held-out folds with that C. By default only
    C=0.5: choosing among 0.25, 0.5 and 1.0 gained nothing on the benchmark for 1.7 times the
    training time. The design was chosen on validation splits carved out of the
    benchmark's training parts, never its test parts; see docs/benchmarks.md.
    """
    texts, labels = list(texts), list(labels)
    _check_trainable(texts, labels)
    cs = sorted(cs)
    label_array = np.asarray(labels)
    n_splits = max(2, min(folds, min(Counter(labels).values())))
    confidences = np.zeros((len(cs), len(texts)))
    correct = np.zeros((len(cs), len(texts)), dtype=bool)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for fit_idx, held_idx in splitter.split(np.zeros(len(texts)), label_array):
        vectorizer, svms = _fit(
            [texts[i] for i in fit_idx], label_array[fit_idx].tolist(), seed=seed, cs=cs
        )
        held = [texts[i] for i in held_idx]
        for k, svm in enumerate(svms):
            fold = TriageModel._from_fit(vectorizer, svm, temperature=temperature, threshold=1.0)
            proba = fold._proba(held)
            best = proba.argmax(axis=1)
            confidences[k, held_idx] = proba[np.arange(len(held_idx)), best]
            correct[k, held_idx] = np.asarray(fold.labels)[best] == label_array[held_idx]
    chosen = int(np.argmax(correct.mean(axis=1)))  # the first, smallest C among equals
    threshold = _threshold_for(
        confidences[chosen], correct[chosen], target_precision=target_precision
    )
    vectorizer, (svm,) = _fit(texts, labels, seed=seed, cs=[cs[chosen]])
    return TriageModel._from_fit(
        vectorizer,
        svm,
        temperature=temperature,
        threshold=threshold,
        cases_used=len(texts),
        cv_accuracy=float(correct[chosen].mean()),
        c=cs[chosen],
    )


@dataclass(frozen=True)
class Evaluation:
    """How a model trained on one part of the data does on the held-out rest."""

    accuracy: float
    macro_f1: float
    auto_share: float
    auto_precision: float
    threshold: float
    train_seconds: float
    train_cpu_seconds: float
    predict_p99_ms: float
    predict_p99_cpu_ms: float
    n_train: int
    n_test: int
    n_labels: int
    c: float | None = None


def evaluate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    seed: int = 7,
    test_size: float = 0.2,
    target_precision: float = 0.95,
    latency_samples: int = 300,
) -> Evaluation:
    """Train on a stratified split and measure accuracy, automatic routing and speed on the rest.

    The threshold is chosen inside the training part; the test part is only predicted.
    """
    texts, labels = list(texts), list(labels)
    _check_trainable(texts, labels, min_per_class=MIN_PER_CLASS_TO_EVALUATE)
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=test_size, stratify=labels, random_state=seed
    )
    started, started_cpu = time.perf_counter(), time.process_time()
    model = train(train_x, train_y, seed=seed, target_precision=target_precision)
    train_seconds = time.perf_counter() - started
    train_cpu_seconds = time.process_time() - started_cpu
    predictions = model.predict_many(test_x, top=1)
    predicted = [p[0][0] for p in predictions]
    confidence = np.asarray([p[0][1] for p in predictions])
    hits = np.asarray(predicted) == np.asarray(test_y)
    auto = confidence >= model.threshold
    # Wall time is what a case waits; CPU time shows the cost when other work shares the cores.
    timings, cpu_timings = [], []
    for text in test_x[:latency_samples]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        model.predict(text)
        timings.append((time.perf_counter() - start) * 1000)
        cpu_timings.append((time.thread_time() - start_cpu) * 1000)
    return Evaluation(
        accuracy=float(accuracy_score(test_y, predicted)),
        macro_f1=float(f1_score(test_y, predicted, average="macro")),
        auto_share=float(auto.mean()),
        auto_precision=float(hits[auto].mean()) if auto.any() else 0.0,
        threshold=model.threshold,
        train_seconds=train_seconds,
        train_cpu_seconds=train_cpu_seconds,
        predict_p99_ms=float(np.percentile(timings, 99)) if timings else 0.0,
        predict_p99_cpu_ms=float(np.percentile(cpu_timings, 99)) if cpu_timings else 0.0,
        n_train=len(train_x),
        n_test=len(test_x),
        n_labels=len(set(labels)),
        c=model.c,
    )
