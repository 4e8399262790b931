import pytest

from nabar.routing.urgency import DEFAULT_URGENCY_RULES, UrgencyRule, match_urgency


def keys(text: str) -> list[str]:
    return [rule.key for rule in match_urgency(text)]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Mitt konto har blivit kapat, någon byter lösenordet", "account_hijacked"),
        ("Jag är UTELÅST från mitt konto sedan i morse", "account_hijacked"),
        ("My account was hijacked last night", "account_hijacked"),
        ("I am locked out of the app", "account_hijacked"),
        ("Ni har dragit pengarna två gånger för samma order", "double_payment"),
        ("Dubbeldragning på kortet igen", "double_payment"),
        ("You charged me twice for March", "double_payment"),
        ("Elen är avstängd och vi har ett spädbarn", "service_cut_off"),
        ("Vi är utan värme sedan i fredags", "service_cut_off"),
        ("Our internet was cut off without notice", "service_cut_off"),
        ("Jag orkar inte leva längre", "threat_or_self_harm"),
        ("Han hotar personalen i kassan", "threat_or_self_harm"),
        ("I will kill myself if this goes on", "threat_or_self_harm"),
    ],
)
def test_urgent_wording_in_swedish_and_english_is_flagged(text: str, key: str) -> None:
    assert key in keys(text)


@pytest.mark.parametrize(
    "text",
    [
        "Jag bokade hotell i Stockholm och vill ha kvittot",
        "Vad är er kapacitet för nya kunder?",
        "The cut-off date for orders is Friday",
        "Can you send the invoice again? Thanks",
        "Fakturan har fel adress",
        "Hackathon next week, can we borrow the room?",
    ],
)
def test_everyday_wording_is_not_flagged(text: str) -> None:
    assert keys(text) == []


def test_rules_are_plain_data_an_organisation_can_extend() -> None:
    custom = (
        *DEFAULT_URGENCY_RULES,
        UrgencyRule(
            key="flood",
            label_en="Water damage",
            label_sv="Vattenskada",
            patterns=("vattenläck*", "översvämning"),
            priority="high",
        ),
    )
    matched = match_urgency("Vattenläckan i källaren blir värre", custom)
    assert [rule.key for rule in matched] == ["flood"]
    assert match_urgency("Vattenläckan i källaren blir värre") == []
