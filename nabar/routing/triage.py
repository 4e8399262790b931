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
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

MIN_EXAMPLES = 20
MIN_PER_CLASS = 2
# An evaluation holds out a fifth of each category and cross-validates inside the rest.
MIN_PER_CLASS_TO_EVALUATE = 5
_FORMAT_VERSION = 3
# The opening words (mostly the subject) get a model of their own, with this regularisation.
OPENING_WORDS = 8
OPENING_C = 0.5


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


def _opening_vectorizer(n_texts: int) -> TfidfVectorizer:
    """Terms of the opening words only: short texts, so no upper document-frequency cut."""
    return TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, min_df=1 if n_texts < 200 else 2, dtype=np.float32
    )


def _opening(text: str) -> str:
    """The first words of a case: mostly its subject, which says more than the rest per word."""
    return " ".join(text.split()[:OPENING_WORDS])


def _length_of(text: str) -> float:
    return math.log1p(len(text.split()))


def _softmax(margins: NDArray[np.float64], temperature: float) -> NDArray[np.float64]:
    scaled = margins / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


def _sigmoid(values: NDArray[np.float64]) -> NDArray[np.float64]:
    result: NDArray[np.float64] = 0.5 * (1.0 + np.tanh(0.5 * values))
    return result


class _LinearText:
    """TF-IDF terms and linear weights: margins for one text by direct look-up, or for many."""

    def __init__(
        self,
        vectorizer: TfidfVectorizer,
        coef: NDArray[np.float64],
        intercept: NDArray[np.float64],
    ) -> None:
        self.vectorizer = vectorizer
        self._analyse = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        # Stored as float32 (half the size); rounded the same way before and after storing.
        self.coef = np.ascontiguousarray(
            coef.astype(np.float32), dtype=np.float64
        )  # terms x labels
        self.intercept = np.asarray(intercept, dtype=np.float64)

    @classmethod
    def from_svm(cls, vectorizer: TfidfVectorizer, svm: LinearSVC) -> _LinearText:
        coef = np.asarray(svm.coef_, dtype=np.float64)
        intercept = np.asarray(svm.intercept_, dtype=np.float64)
        if coef.shape[0] == 1:  # two classes: one margin for the second class
            coef = np.vstack([-coef, coef])
            intercept = np.concatenate([-intercept, intercept])
        return cls(vectorizer, coef.T, intercept)

    def margins_one(self, text: str) -> NDArray[np.float64]:
        """The same margins as ``margins``: sublinear tf times idf, L2-normalised."""
        counts = Counter(
            index
            for index in (self._vocabulary.get(term) for term in self._analyse(text))
            if index is not None
        )
        if not counts:
            return self.intercept.copy()
        indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(
            (1.0 + math.log(n) for n in counts.values()), dtype=np.float64, count=len(counts)
        )
        weights = tf * self._idf[indices]
        weights /= math.sqrt(float(weights @ weights))
        result: NDArray[np.float64] = weights @ self.coef[indices] + self.intercept
        return result

    def margins(self, texts: Sequence[str]) -> NDArray[np.float64]:
        features = self.vectorizer.transform(texts)
        return np.asarray(features @ self.coef, dtype=np.float64) + self.intercept


@dataclass(frozen=True)
class _Linear:
    """A fitted logistic regression on standardised inputs: logits = (x - mean) / scale @ coef + b."""

    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    coef: NDArray[np.float64]  # inputs x outputs
    intercept: NDArray[np.float64]

    def __call__(self, inputs: NDArray[np.float64]) -> NDArray[np.float64]:
        result: NDArray[np.float64] = ((inputs - self.mean) / self.scale) @ self.coef
        return result + self.intercept


def _fit_logistic(
    inputs: NDArray[np.float64], targets: NDArray[np.int_], *, seed: int
) -> tuple[_Linear, LogisticRegression]:
    mean = inputs.mean(axis=0)
    scale = inputs.std(axis=0)
    scale[scale < 1e-9] = 1.0
    fitted = LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit(
        (inputs - mean) / scale, targets
    )
    coef = np.asarray(fitted.coef_, dtype=np.float64).T
    intercept = np.asarray(fitted.intercept_, dtype=np.float64)
    return _Linear(mean, scale, coef, intercept), fitted


def _softmax_logits(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    if logits.shape[1] == 1:  # binary logistic regression: the logit of the second class
        logits = np.hstack([np.zeros_like(logits), logits])
    return _softmax(logits, 1.0)


def _check_features(
    proba: NDArray[np.float64],
    word: NDArray[np.float64],
    opening: NDArray[np.float64],
    lengths: NDArray[np.float64],
) -> NDArray[np.float64]:
    """What says whether the best category is right: how sure each model is and if they agree."""
    rows = np.arange(len(proba))
    best = proba.argmax(axis=1)
    ordered = np.sort(proba, axis=1)
    top, gap = ordered[:, -1], ordered[:, -1] - ordered[:, -2]
    columns = [
        top,
        gap,
        np.log(top),
        np.log(gap + 1e-9),
        -(proba * np.log(proba + 1e-12)).sum(axis=1),
        lengths,
        lengths**2,
    ]
    for margins in (word, opening):
        sorted_margins = np.sort(margins, axis=1)
        columns += [
            margins[rows, best],
            sorted_margins[:, -1] - sorted_margins[:, -2],
            (margins.argmax(axis=1) == best).astype(np.float64),
        ]
    one_hot = np.eye(proba.shape[1])[best]
    return np.hstack([np.column_stack(columns), one_hot, one_hot * top[:, np.newaxis]])


class TriageModel:
    """A trained category classifier with an automatic-routing threshold.

    Two linear SVMs score a case: one on the word 1-2 grams of the whole text, one on its opening
    words. A logistic regression combines their margins into category probabilities (stacking),
    and a second one estimates from those how likely the best category is right; that estimate is
    the confidence compared with ``threshold``. Only vocabularies, inverse document frequencies
    and weights are kept; one text is scored by looking its terms up directly, which keeps one
    prediction around a millisecond, and many texts at once go through sparse matrices.

    Models stored in format 2 (one SVM, confidence = softmax of its margins) still load and
    predict as they did.
    """

    def __init__(
        self,
        *,
        word: _LinearText,
        labels: Sequence[str],
        temperature: float,
        threshold: float,
        opening: _LinearText | None = None,
        combine: _Linear | None = None,
        check: _Linear | None = None,
        cases_used: int = 0,
        cv_accuracy: float | None = None,
        c: float | None = None,
    ) -> None:
        self._word = word
        self._opening = opening
        self._combine = combine
        self._check = check
        self._temperature = temperature
        self.labels: tuple[str, ...] = tuple(str(label) for label in labels)
        self.threshold = threshold
        self.cases_used = cases_used
        self.cv_accuracy = cv_accuracy
        self.c = c

    def _confidences(
        self,
        word: NDArray[np.float64],
        opening: NDArray[np.float64] | None,
        lengths: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """Per category, best first in value: the best one's is the chance it is right."""
        if self._combine is None or opening is None:
            return _softmax(word, self._temperature)
        proba = _softmax_logits(self._combine(np.hstack([word, opening])))
        if self._check is None:
            return proba
        right = _sigmoid(self._check(_check_features(proba, word, opening, lengths))[:, 0])
        # The others keep their proportions to the best one, so the order stays the same.
        result: NDArray[np.float64] = proba * (right / proba.max(axis=1))[:, np.newaxis]
        return result

    def _proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        word = self._word.margins(texts)
        opening = (
            None if self._opening is None else self._opening.margins([_opening(t) for t in texts])
        )
        lengths = np.fromiter((_length_of(t) for t in texts), dtype=np.float64, count=len(texts))
        return self._confidences(word, opening, lengths)

    def predict(self, text: str, *, top: int = 3) -> list[tuple[str, float]]:
        """The ``top`` most likely categories, best first, with confidences in [0, 1]."""
        word = self._word.margins_one(text)[np.newaxis, :]
        opening = (
            None
            if self._opening is None
            else self._opening.margins_one(_opening(text))[np.newaxis, :]
        )
        row = self._confidences(word, opening, np.array([_length_of(text)]))[0]
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

        def linear_text(part: _LinearText | None) -> dict[str, object] | None:
            if part is None:
                return None
            return {
                "vectorizer": part.vectorizer,
                "coef": part.coef.astype(np.float32),
                "intercept": part.intercept,
            }

        def linear(part: _Linear | None) -> dict[str, object] | None:
            return None if part is None else dict(part.__dict__)

        state = {
            "version": _FORMAT_VERSION,
            "word": linear_text(self._word),
            "opening": linear_text(self._opening),
            "combine": linear(self._combine),
            "check": linear(self._check),
            "labels": self.labels,
            "temperature": self._temperature,
            "threshold": self.threshold,
            "cases_used": self.cases_used,
            "cv_accuracy": self.cv_accuracy,
            "c": self.c,
        }
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes) -> TriageModel:
        """Restore a model written by ``dumps``, of this format or the previous one (2)."""
        try:
            state = pickle.loads(data)
        except Exception:
            raise ValueError("not a readable triage model; retrain it") from None
        version = state.get("version") if isinstance(state, dict) else None
        if version not in (2, _FORMAT_VERSION):
            raise ValueError("not a triage model of this version; retrain it")
        try:
            if version == 2:  # one SVM on word 1-2 grams; coef stored as labels x terms
                word = _restore_text(state | {"coef": np.asarray(state["coef"]).T})
                opening, combine, check = None, None, None
            else:
                word = _restore_text(state["word"])
                opening = None if state["opening"] is None else _restore_text(state["opening"])
                combine = None if state["combine"] is None else _Linear(**state["combine"])
                check = None if state["check"] is None else _Linear(**state["check"])
            return cls(
                word=word,
                opening=opening,
                combine=combine,
                check=check,
                labels=state["labels"],
                temperature=state["temperature"],
                threshold=state["threshold"],
                cases_used=state["cases_used"],
                cv_accuracy=state["cv_accuracy"],
                c=state["c"],
            )
        except (KeyError, TypeError, AttributeError, ValueError):
            raise ValueError("an incomplete triage model; retrain it") from None


def _restore_text(part: dict[str, Any]) -> _LinearText:
    return _LinearText(
        part["vectorizer"],
        np.asarray(part["coef"], dtype=np.float64),
        np.asarray(part["intercept"], dtype=np.float64),
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
) -> tuple[list[_LinearText], _LinearText]:
    """Word SVMs, one per regularisation strength ``cs``, and the opening-words SVM."""
    label_array = np.asarray(labels)
    vectorizer = _vectorizer(len(texts))
    features = vectorizer.fit_transform(texts)
    # The pruned terms are only kept for inspection; they would make the stored model huge.
    vectorizer.stop_words_ = None
    words = [
        _LinearText.from_svm(
            vectorizer,
            LinearSVC(C=c, class_weight="balanced", random_state=seed).fit(features, label_array),
        )
        for c in cs
    ]
    opening_vectorizer = _opening_vectorizer(len(texts))
    opening_features = opening_vectorizer.fit_transform([_opening(t) for t in texts])
    opening_vectorizer.stop_words_ = None
    opening = _LinearText.from_svm(
        opening_vectorizer,
        LinearSVC(C=OPENING_C, class_weight="balanced", random_state=seed).fit(
            opening_features, label_array
        ),
    )
    return words, opening


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


def _out_of_fold(
    inputs: NDArray[np.float64], targets: NDArray[np.int_], *, folds: int, seed: int
) -> NDArray[np.float64] | None:
    """Held-out probabilities of a logistic regression, or None when a fold cannot be made."""
    counts = np.bincount(targets)
    counts = counts[counts > 0]
    if len(counts) < 2 or int(np.min(counts)) < 2:
        return None
    splitter = StratifiedKFold(
        n_splits=max(2, min(folds, int(np.min(counts)))), shuffle=True, random_state=seed
    )
    result = np.zeros((len(targets), len(counts) if len(counts) > 2 else 1))
    for fit_idx, held_idx in splitter.split(inputs, targets):
        linear, _ = _fit_logistic(inputs[fit_idx], targets[fit_idx], seed=seed)
        result[held_idx] = linear(inputs[held_idx])
    return result


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
    """Train on labelled cases; C, the combination and the threshold come from cross-validation.

    Word 1-2 gram TF-IDF with sublinear tf and a LinearSVC with classes weighted by their inverse
    frequency; a second LinearSVC on the first eight words. Their margins on held-out folds train
    a logistic regression that combines them (stacking), and that one's held-out probabilities
    train a second logistic regression estimating whether the best category is right. The
    threshold is the lowest such estimate that kept ``target_precision`` on held-out folds. Of
    ``cs``, the word SVM's C with the best cross-validated accuracy is kept (ties to the stronger
    regularisation). The design was chosen on cross-validation inside the benchmark's training
    parts, never its test parts; see docs/benchmarks.md. ``temperature`` only matters for the
    softmax of a model that has no combination (format 2).
    """
    # One thread: the solvers gain nothing from a second one, whose waiting only costs CPU time
    # and, when other work shares the cores, most of the wall time (measured in
    # docs/benchmarks.md).
    with threadpool_limits(limits=1):
        return _train(
            texts,
            labels,
            seed=seed,
            target_precision=target_precision,
            cs=cs,
            temperature=temperature,
            folds=folds,
        )


def _train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    seed: int,
    target_precision: float,
    cs: Sequence[float],
    temperature: float,
    folds: int,
) -> TriageModel:
    texts, labels = list(texts), list(labels)
    _check_trainable(texts, labels)
    cs = sorted(cs)
    classes, targets = np.unique(np.asarray(labels), return_inverse=True)
    n_labels = len(classes)
    n_splits = max(2, min(folds, min(Counter(labels).values())))
    word_margins = np.zeros((len(cs), len(texts), n_labels))
    opening_margins = np.zeros((len(texts), n_labels))
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for fit_idx, held_idx in splitter.split(np.zeros(len(texts)), targets):
        words, opening = _fit(
            [texts[i] for i in fit_idx], [labels[i] for i in fit_idx], seed=seed, cs=cs
        )
        held = [texts[i] for i in held_idx]
        for k, word in enumerate(words):
            word_margins[k, held_idx] = word.margins(held)
        opening_margins[held_idx] = opening.margins([_opening(t) for t in held])
    word_correct = word_margins.argmax(axis=2) == targets
    chosen = int(np.argmax(word_correct.mean(axis=1)))  # the first, smallest C among equals
    word_held = word_margins[chosen]
    lengths = np.fromiter((_length_of(t) for t in texts), dtype=np.float64, count=len(texts))

    stacked = np.hstack([word_held, opening_margins])
    combine, _ = _fit_logistic(stacked, targets, seed=seed)
    held_logits = _out_of_fold(stacked, targets, folds=folds, seed=seed + 1)
    check: _Linear | None = None
    if held_logits is None:  # too few cases per category to hold any out: the word SVM alone
        proba = _softmax_logits(combine(stacked))
    else:
        proba = _softmax_logits(held_logits)
    correct = proba.argmax(axis=1) == targets
    confidences = proba.max(axis=1)
    features = _check_features(proba, word_held, opening_margins, lengths)
    held_right = _out_of_fold(features, correct.astype(np.int_), folds=folds, seed=seed + 2)
    if held_logits is not None and held_right is not None:
        check, _ = _fit_logistic(features, correct.astype(np.int_), seed=seed)
        confidences = _sigmoid(held_right[:, 0])
    threshold = _threshold_for(confidences, correct, target_precision=target_precision)

    (word,), opening = _fit(texts, labels, seed=seed, cs=[cs[chosen]])
    return TriageModel(
        word=word,
        opening=opening,
        combine=combine,
        check=check,
        labels=[str(label) for label in classes],
        temperature=temperature,
        threshold=threshold,
        cases_used=len(texts),
        cv_accuracy=float(correct.mean()),
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
