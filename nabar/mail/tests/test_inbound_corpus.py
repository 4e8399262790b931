"""Every message of the shared real-world corpus is understood or flagged with a reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nabar.mail.inbound import ParsedMail, parse_message

pytestmark = pytest.mark.corpus

SHARED = Path(
    os.environ.get("NABAR_SHARED_DIR", Path(__file__).resolve().parents[3] / ".." / "shared")
)
CORPUS = SHARED / "corpus" / "email"
SISIMAI = CORPUS / "sisimai-set-of-emails"


def _messages() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return [
        path
        for path in sorted(CORPUS.rglob("*"))
        if path.is_file() and not path.name.upper().startswith(("LICENSE", "README"))
    ]


@pytest.fixture(scope="module")
def parsed() -> dict[Path, ParsedMail]:
    if not CORPUS.is_dir():
        pytest.skip(f"shared e-mail corpus not found at {CORPUS} (set NABAR_SHARED_DIR)")
    return {path: parse_message(path.read_bytes()) for path in _messages()}


def test_every_corpus_message_is_understood_or_flagged_with_a_reason(
    parsed: dict[Path, ParsedMail],
) -> None:
    assert len(parsed) >= 800
    unexplained = [p.name for p, mail in parsed.items() if not mail.ok and not mail.defects]
    assert unexplained == []
    counts = {
        "ok": sum(m.ok for m in parsed.values()),
        "bounce": sum(m.bounce is not None for m in parsed.values()),
        "auto": sum(m.auto is not None for m in parsed.values()),
        "flagged": sum(not m.ok for m in parsed.values()),
    }
    print("corpus:", len(parsed), counts)
    assert counts["ok"] >= 0.95 * len(parsed)


def test_sisimai_bounces_are_recognised_as_bounces_or_automatic_mail(
    parsed: dict[Path, ParsedMail],
) -> None:
    bounces = {p: m for p, m in parsed.items() if p.parent == SISIMAI / "bsd"}
    missed = sorted(p.name for p, m in bounces.items() if m.bounce is None)
    print(f"sisimai bounces missed ({len(missed)} of {len(bounces)}):", missed)
    assert len(bounces) >= 600
    assert len(missed) <= 0.05 * len(bounces)
    unrecognised = [p.name for p, m in bounces.items() if m.bounce is None and m.auto is None]
    assert len(unrecognised) <= 0.02 * len(bounces), unrecognised


def test_sisimai_non_bounces_are_not_taken_for_bounces(parsed: dict[Path, ParsedMail]) -> None:
    others = {p: m for p, m in parsed.items() if p.parent == SISIMAI / "not"}
    assert others
    print("sisimai non-bounces:", {p.name: m.bounce for p, m in others.items()})
    assert sum(m.bounce is not None for m in others.values()) <= len(others) // 2


def test_sisimai_auto_replies_are_recognised(parsed: dict[Path, ParsedMail]) -> None:
    replies = {p: m for p, m in parsed.items() if p.name.startswith("rfc3834-")}
    assert replies
    assert all(m.auto is not None for m in replies.values())


def test_bounces_that_quote_a_message_id_give_it_back(parsed: dict[Path, ParsedMail]) -> None:
    bounces = [m.bounce for p, m in parsed.items() if p.parent == SISIMAI / "bsd" and m.bounce]
    with_id = [b for b in bounces if b.original_message_id]
    print(f"original Message-ID found in {len(with_id)} of {len(bounces)} bounces")
    assert len(with_id) >= 0.6 * len(bounces)
    assert all("<" not in b.original_message_id for b in with_id if b.original_message_id)
