import pickle
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from nabar.conftest import SHARED_DIR
from nabar.routing.triage import (
    TriageDataError,
    TriageModel,
    evaluate,
    load_labelled_csv,
    train,
)

TICKETS_ZIP = SHARED_DIR / "data" / "it-service-tickets" / "it_service_tickets.zip"

VOCABULARY = {
    "invoice": ["faktura", "invoice", "betalning", "belopp", "påminnelse", "kostnad", "moms"],
    "delivery": ["leverans", "paket", "kurir", "spårning", "försenad", "adress", "utdelning"],
    "login": ["lösenord", "inloggning", "konto", "bankid", "kod", "låst", "användarnamn"],
}
FILLER = ["hej", "jag", "har", "en", "fråga", "om", "min", "och", "tack", "snälla", "idag"]


def synthetic_cases(n: int, *, seed: int) -> tuple[list[str], list[str]]:
    """Short customer messages whose topic words say the category, among everyday filler."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        label = list(VOCABULARY)[i % len(VOCABULARY)]
        words = rng.sample(VOCABULARY[label], 2) + rng.sample(FILLER, 5)
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> TriageModel:
    texts, labels = synthetic_cases(150, seed=1)
    return train(texts, labels, seed=7)


def test_predicts_the_category_whose_words_the_message_uses(model: TriageModel) -> None:
    assert model.predict("hej, min faktura har fel belopp")[0][0] == "invoice"
    assert model.predict("paket försenad, var är kurir?")[0][0] == "delivery"
    assert model.predict("jag har glömt mitt lösenord till konto")[0][0] == "login"


def test_suggestions_are_best_first_with_confidences_between_zero_and_one(
    model: TriageModel,
) -> None:
    suggestions = model.predict("faktura och moms", top=3)
    assert suggestions[0][0] == "invoice"
    assert len(suggestions) == 3
    confidences = [c for _, c in suggestions]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert set(model.labels) == set(VOCABULARY)


def test_a_clear_message_is_routed_automatically_and_gibberish_is_not(model: TriageModel) -> None:
    assert 0.0 < model.threshold <= 1.0
    assert model.predict("faktura belopp moms betalning")[0][1] >= model.threshold
    assert model.predict("xyzzy plugh")[0][1] < model.threshold


def test_predict_many_agrees_with_predict(model: TriageModel) -> None:
    texts = ["faktura moms", "kurir adress", "bankid kod", "faktura faktura kurir", "okänt ord"]
    for many, one in zip(model.predict_many(texts), [model.predict(t) for t in texts], strict=True):
        assert [label for label, _ in many] == [label for label, _ in one]
        assert [c for _, c in many] == pytest.approx([c for _, c in one], abs=1e-6)
    assert model.predict_many([]) == []


def test_a_message_with_no_known_word_gets_low_confidence_suggestions(model: TriageModel) -> None:
    suggestions = model.predict("", top=3)
    assert len(suggestions) == 3
    assert suggestions[0][1] < model.threshold
    assert not model.routes_automatically("qwerty asdf")
    assert model.routes_automatically("faktura belopp moms betalning")


def test_a_stored_model_predicts_the_same_after_loading(model: TriageModel) -> None:
    restored = TriageModel.loads(model.dumps())
    assert restored.labels == model.labels
    assert restored.threshold == model.threshold
    assert restored.predict("paket spårning") == model.predict("paket spårning")


def test_loading_something_else_is_refused() -> None:
    with pytest.raises(ValueError, match="retrain"):
        TriageModel.loads(pickle.dumps({"version": -1}))
    with pytest.raises(ValueError, match="retrain"):
        TriageModel.loads(b"not a pickle")


def test_an_incomplete_stored_model_is_refused(model: TriageModel) -> None:
    with pytest.raises(ValueError, match="retrain"):
        TriageModel.loads(pickle.dumps({"version": 3}))
    state = pickle.loads(model.dumps())
    del state["word"]
    with pytest.raises(ValueError, match="retrain"):
        TriageModel.loads(pickle.dumps(state))


def test_a_model_stored_in_the_previous_format_still_loads_and_predicts_as_before() -> None:
    texts, labels = synthetic_cases(90, seed=6)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
    features = vectorizer.fit_transform(texts)
    svm = LinearSVC(C=0.5, class_weight="balanced", random_state=7).fit(features, labels)
    old = {  # what format 2 stored: one SVM, confidence = softmax of its margins
        "version": 2,
        "vectorizer": vectorizer,
        "labels": tuple(svm.classes_),
        "coef": svm.coef_.astype(np.float32),
        "intercept": svm.intercept_,
        "temperature": 0.2,
        "threshold": 0.6,
        "cases_used": 90,
        "cv_accuracy": 0.9,
        "c": 0.5,
    }
    restored = TriageModel.loads(pickle.dumps(old))
    assert restored.threshold == 0.6
    text = "faktura moms och belopp"
    margins = svm.decision_function(vectorizer.transform([text]))[0] / 0.2
    expected = np.exp(margins - margins.max()) / np.exp(margins - margins.max()).sum()
    best = int(np.argmax(expected))
    assert restored.predict(text, top=1) == [
        (svm.classes_[best], pytest.approx(expected[best], abs=1e-5))
    ]
    assert restored.predict_many([text], top=1)[0][0][0] == svm.classes_[best]


def test_two_categories_are_enough() -> None:
    texts, labels = synthetic_cases(90, seed=8)
    keep = [i for i, label in enumerate(labels) if label != "login"]
    two = train([texts[i] for i in keep], [labels[i] for i in keep], seed=7)
    assert set(two.labels) == {"invoice", "delivery"}
    suggestions = two.predict("paket kurir spårning", top=2)
    assert suggestions[0][0] == "delivery"
    assert suggestions[0][1] >= suggestions[1][1]
    assert two.predict_many(["paket kurir spårning"], top=2)[0][0][0] == "delivery"
    assert TriageModel.loads(two.dumps()).predict("faktura moms") == two.predict("faktura moms")


def test_the_confidence_of_the_best_category_is_the_cross_validated_chance_it_is_right() -> None:
    texts, labels = synthetic_cases(300, seed=9)
    # A fifth of the cases carry a wrong label, so the model cannot be sure of everything.
    noisy = [list(VOCABULARY)[(i + 1) % 3] if i % 5 == 0 else y for i, y in enumerate(labels)]
    model = train(texts, noisy, seed=7)
    assert model.cv_accuracy is not None
    assert 0.6 < model.cv_accuracy < 0.9
    held_out, truth = synthetic_cases(300, seed=10)
    predictions = model.predict_many(held_out, top=3)
    confidence = np.array([p[0][1] for p in predictions])
    right = np.array([p[0][0] == y for p, y in zip(predictions, truth, strict=True)])
    # The noise is uniform here, so every case is about as likely to be labelled right.
    assert abs(confidence.mean() - 0.8) < 0.1
    assert all(p[0][1] >= p[1][1] >= p[2][1] for p in predictions)
    assert right.mean() >= 0.85  # against the true topics


def test_a_trained_model_knows_how_many_cases_it_learned_from(model: TriageModel) -> None:
    assert model.cases_used == 150
    assert model.cv_accuracy is not None
    assert model.cv_accuracy > 0.8
    assert model.c == 0.5
    assert TriageModel.loads(model.dumps()).c == model.c


def test_the_regularisation_is_chosen_among_the_given_strengths() -> None:
    texts, labels = synthetic_cases(60, seed=3)
    assert train(texts, labels, cs=[2.0]).c == 2.0
    assert train(texts, labels, cs=[0.25, 0.5, 1.0]).c in (0.25, 0.5, 1.0)


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["faktura"] * 30, ["invoice"] * 30, "two categories"),
        (["faktura", "paket"] * 5, ["invoice", "delivery"] * 5, "at least 20"),
        (["a"] * 25, ["invoice"] * 24 + ["delivery"], "fewer than 2 examples: delivery"),
        (["a"] * 25, ["invoice"] * 25, "found only 'invoice'"),
    ],
)
def test_too_little_data_is_refused_clearly(
    texts: list[str], labels: list[str], message: str
) -> None:
    with pytest.raises(TriageDataError, match=message):
        train(texts, labels)


def test_evaluation_reports_accuracy_and_automatic_routing_on_held_out_cases() -> None:
    texts, labels = synthetic_cases(120, seed=2)
    result = evaluate(texts, labels, seed=3, latency_samples=5)
    assert result.n_test == 24
    assert result.n_train == 96
    assert result.accuracy > 0.8
    assert 0.0 <= result.auto_share <= 1.0
    assert result.macro_f1 > 0.8


def test_reads_a_labelled_csv_and_skips_rows_without_a_label(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text('Topic,Text\ninvoice,"Fakturan, igen"\n,ingen etikett\nlogin,Lösenord\n')
    texts, labels = load_labelled_csv(path, text_col="Text", label_col="Topic")
    assert texts == ["Fakturan, igen", "Lösenord"]
    assert labels == ["invoice", "login"]


def test_reads_the_one_csv_inside_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cases.csv", "Topic,Text\ninvoice,Fakturan\nlogin,Lösenord\n")
    assert load_labelled_csv(path, text_col="Text", label_col="Topic") == (
        ["Fakturan", "Lösenord"],
        ["invoice", "login"],
    )


def test_a_zip_without_exactly_one_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "x,y\n")
        archive.writestr("b.csv", "x,y\n")
    with pytest.raises(ValueError, match=r"exactly one \.csv file, it holds 2"):
        load_labelled_csv(path, text_col="x", label_col="y")


def test_a_file_that_is_not_utf8_is_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes("Topic,Text\ninvoice,Fakturan\nlogin,L\xf6senord\n".encode("latin-1"))
    with pytest.raises(ValueError, match="line 3: not UTF-8"):
        load_labelled_csv(path, text_col="Text", label_col="Topic")


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("Topic,Body\ninvoice,Fakturan\n")
    with pytest.raises(ValueError, match="'Document' not found; the CSV has: Topic, Body"):
        load_labelled_csv(path, text_col="Document", label_col="Topic")


def test_a_malformed_line_is_reported_by_number(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("Topic,Text\ninvoice,Fakturan\nlogin\n")
    with pytest.raises(ValueError, match="line 3"):
        load_labelled_csv(path, text_col="Text", label_col="Topic")


@pytest.mark.skipif(not TICKETS_ZIP.exists(), reason=f"shared tickets data not at {TICKETS_ZIP}")
def test_learns_real_it_tickets_well_above_chance() -> None:
    texts, labels = load_labelled_csv(TICKETS_ZIP, text_col="Document", label_col="Topic_group")
    rows = random.Random(0).sample(range(len(texts)), 5000)
    sample_texts, sample_labels = [texts[i] for i in rows], [labels[i] for i in rows]
    result = evaluate(sample_texts, sample_labels, seed=7, latency_samples=20)
    majority = max(sample_labels.count(label) for label in set(sample_labels)) / len(rows)
    assert result.accuracy > majority + 0.3
    assert result.auto_share > 0.2
