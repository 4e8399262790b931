"""Every message of the shared real-world corpus is ingested: nothing is dropped, nothing raises."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from nabar.conftest import SHARED_DIR
from nabar.mail.inbound import parse_message
from nabar.mail.intake import store_raw
from nabar.mail.models import InboundEmail

CORPUS = SHARED_DIR / "corpus" / "email"
SKIP_NAMES = ("LICENSE", "README", "NOTICE", "COPYING")

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared e-mail corpus is not at {CORPUS}"),
]


def corpus_files() -> list[Path]:
    return sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file()
        and not p.name.upper().startswith(SKIP_NAMES)
        and p.suffix.lower() not in {".md", ".json", ".py"}
    )


def test_every_corpus_message_parses_without_an_exception():
    files = corpus_files()
    assert len(files) > 750
    for path in files:
        parsed = parse_message(path.read_bytes())
        assert parsed.ok or parsed.defects, path


def test_nine_in_ten_bounces_from_77_mail_systems_are_recognised():
    bounces = [p for p in corpus_files() if "sisimai" in str(p)]
    recognised = [p for p in bounces if parse_message(p.read_bytes()).bounce is not None]

    assert len(recognised) / len(bounces) >= 0.9, sorted(
        {p.name for p in bounces} - {p.name for p in recognised}
    )[:20]


@pytest.mark.django_db(transaction=True)
def test_every_corpus_message_is_ingested_into_a_known_outcome(organisation, alice):
    outcomes: collections.Counter[str] = collections.Counter()
    files = corpus_files()
    for path in files:
        _stored, _created = store_raw(
            path.read_bytes(), source=InboundEmail.Source.IMPORT, organisation=organisation
        )
    for inbound in InboundEmail.objects.all():
        outcomes[inbound.status] += 1
        assert inbound.status not in {
            InboundEmail.Status.RECEIVED,
            InboundEmail.Status.PROCESSING,
        }, inbound.pk
        if inbound.status == InboundEmail.Status.FAILED:
            assert inbound.reason  # flagged with a reason, raw bytes kept
            assert len(inbound.raw) > 0

    # Identical files in the corpus are one message; every distinct one has an outcome.
    distinct = len({__import__("hashlib").sha256(p.read_bytes()).hexdigest() for p in files})
    assert sum(outcomes.values()) <= distinct
    assert outcomes[InboundEmail.Status.BOUNCE] > 400
    assert outcomes[InboundEmail.Status.NEW_CASE] > 50
    print(dict(outcomes))
