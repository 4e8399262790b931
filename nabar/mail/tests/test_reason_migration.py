"""Rows flagged before reasons were codes get the code their English text stood for."""

from __future__ import annotations

import importlib

import pytest

from nabar.mail.models import InboundEmail

reason_of = importlib.import_module("nabar.mail.migrations.0006_inbound_reason").reason_of
Reason = InboundEmail.Reason


@pytest.mark.parametrize(
    ("status", "detail", "reason", "kept"),
    [
        ("failed", "no organisation receives mail at these addresses", Reason.NO_ORGANISATION, ""),
        ("failed", "no sender address to answer", Reason.NO_SENDER, ""),
        ("failed", "KeyError: 'x'", Reason.ERROR, "KeyError: 'x'"),
        ("failed", "no headers; no body", Reason.UNREADABLE, "no headers; no body"),
        ("new_case", "receipt withheld: too many automatic mails to this address",
         Reason.RECEIPT_WITHHELD, ""),
        ("automatic", "auto_reply: Auto-Submitted: auto-replied", Reason.AUTO_REPLY,
         "Auto-Submitted: auto-replied"),
        ("automatic", "list: List-Id", Reason.LIST, "List-Id"),
        ("automatic", "bounce: sender mailer-daemon", Reason.DELIVERY_REPORT,
         "sender mailer-daemon"),
        ("bounce", "5.1.1 user unknown", Reason.BOUNCE, "5.1.1 user unknown"),
        ("bounce", "bounce (no matching outgoing mail)", Reason.BOUNCE_UNMATCHED, ""),
        ("bounce", "5.2.2 mailbox full (no matching outgoing mail)", Reason.BOUNCE_UNMATCHED,
         "5.2.2 mailbox full"),
    ],
)  # fmt: skip
def test_an_old_english_detail_becomes_a_reason_code(status, detail, reason, kept):
    assert reason_of(status, detail) == (reason, kept)
    assert reason in Reason.values
