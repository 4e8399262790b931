import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nabar.routing.rules import (
    AgentFacts,
    CaseFacts,
    Condition,
    Rule,
    apply_rules,
    choose_owner,
    transfer_allowed,
    transfer_refusal,
)

BILLING, SUPPORT = 10, 20


def case(**changes: object) -> CaseFacts:
    facts: dict[str, object] = {
        "channel": "email",
        "language": "sv",
        "category": "invoice",
        "category_confidence": 0.93,
        "customer_id": 5,
        "text": "Hej, fakturan för mars är fel.",
        "organisation_id": 1,
    }
    facts.update(changes)
    return CaseFacts(**facts)  # type: ignore[arg-type]


def agent(id: int, **changes: object) -> AgentFacts:
    facts: dict[str, object] = {
        "id": id,
        "name": f"Agent {id}",
        "available": True,
        "within_hours": True,
        "team_ids": frozenset({BILLING}),
        "skills": frozenset(),
        "languages": frozenset({"sv"}),
        "open_cases": 0,
        "capacity": 10,
    }
    facts.update(changes)
    return AgentFacts(**facts)  # type: ignore[arg-type]


billing_rule = Rule(
    id=1,
    name="Billing",
    conditions=(Condition(field="category", op="is", value="invoice"),),
    set_team=BILLING,
)


def test_a_matching_rule_sets_the_team_and_explains_why() -> None:
    outcome = apply_rules(case(), [billing_rule])
    assert outcome.team == BILLING
    assert outcome.matched == ("Billing",)
    assert outcome.reasons == ("Billing: category 'invoice' (confidence 0.93)",)
    assert outcome.reason_details[0].code == "rule_matched"
    assert outcome.reason_details[0].params["rule"] == "Billing"


def test_no_matching_rule_leaves_everything_unset() -> None:
    outcome = apply_rules(case(category="delivery"), [billing_rule])
    assert outcome.team is None
    assert outcome.matched == ()


def test_rules_apply_in_order_and_a_stopping_rule_ends_evaluation() -> None:
    tag_all = Rule(id=2, name="Tag mail", conditions=(), add_tags=("mail",), stop=False)
    support = Rule(id=3, name="Support", conditions=(), set_team=SUPPORT)
    outcome = apply_rules(case(), [tag_all, billing_rule, support])
    assert outcome.team == BILLING
    assert outcome.tags == ("mail",)
    assert outcome.matched == ("Tag mail", "Billing")


def test_keywords_match_whole_words_case_insensitively() -> None:
    rule = Rule(
        id=4,
        name="Refunds",
        conditions=(Condition(field="keywords", op="contains_any", value="återbetalning, refund"),),
        set_priority="high",
    )
    assert apply_rules(case(text="Jag vill ha ÅTERBETALNING nu"), [rule]).priority == "high"
    assert apply_rules(case(text="Refunded already, thanks"), [rule]).priority is None


def test_keywords_and_phrases_with_punctuation_match_whole() -> None:
    rule = Rule(
        id=4,
        name="Mail",
        conditions=(
            Condition(field="keywords", op="contains_any", value="e-post, kan inte logga in"),
        ),
        set_priority="high",
    )
    assert apply_rules(case(text="Min e-post fungerar inte"), [rule]).priority == "high"
    assert apply_rules(case(text="Jag kan inte logga in."), [rule]).priority == "high"
    assert apply_rules(case(text="Jag kan inte logga inloggningen"), [rule]).priority is None
    assert apply_rules(case(text="Min epost fungerar inte"), [rule]).priority is None


_LETTERS = "ab1_å -.é"


@given(
    text=st.text(alphabet=_LETTERS, max_size=30),
    word=st.text(alphabet=_LETTERS, min_size=1, max_size=4),
)
@example(text="a-b", word="a-b")
@example(text="ab_a", word="a")
@example(text="å a", word="a")
def test_a_keyword_matches_exactly_where_it_stands_alone(text: str, word: str) -> None:
    """Whole-word matching, however it is done, agrees with its definition: the word with no
    letter, digit or underscore right before or after it."""
    word = word.strip()
    if not word:
        return
    by_definition = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text) is not None
    rule = Rule(
        id=1,
        name="W",
        conditions=(Condition(field="keywords", op="contains_any", value=word),),
        set_priority="high",
    )
    matched = apply_rules(case(text=text), [rule]).priority == "high"
    assert matched == by_definition


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        (Condition(field="channel", op="in", value="chat, email"), True),
        (Condition(field="channel", op="is_not", value="email"), False),
        (Condition(field="language", op="is", value="SV"), True),
        (Condition(field="customer", op="is", value="5"), True),
        (Condition(field="organisation", op="is", value="2"), False),
    ],
)
def test_conditions_on_each_field(condition: Condition, holds: bool) -> None:
    rule = Rule(id=5, name="R", conditions=(condition,), set_team=SUPPORT)
    assert (apply_rules(case(), [rule]).team == SUPPORT) is holds


def test_a_condition_on_an_unknown_language_does_not_match_is() -> None:
    rule = Rule(id=6, name="R", conditions=(Condition("language", "is", "sv"),), set_team=1)
    assert apply_rules(case(language=None), [rule]).team is None


def test_unknown_field_or_operator_is_refused() -> None:
    with pytest.raises(ValueError, match="field"):
        Condition(field="mood", op="is", value="x")
    with pytest.raises(ValueError, match="operator"):
        Condition(field="channel", op="like", value="x")


def test_the_previous_owner_gets_the_case_when_available() -> None:
    agents = [agent(1, open_cases=9), agent(2)]
    decision = choose_owner(agents, team_id=BILLING, language="sv", previous_owner_id=1)
    assert decision.agent_id == 1
    assert decision.reason_code == "continuity"
    assert not decision.fallback


@pytest.mark.parametrize(
    "change",
    [{"available": False}, {"within_hours": False}, {"open_cases": 10}],
)
def test_an_unavailable_previous_owner_is_passed_over(change: dict[str, object]) -> None:
    agents = [agent(1, **change), agent(2)]
    decision = choose_owner(agents, team_id=BILLING, language="sv", previous_owner_id=1)
    assert decision.agent_id == 2
    assert decision.fallback


def test_a_speaker_of_the_language_comes_before_a_less_loaded_colleague() -> None:
    agents = [
        agent(1, languages=frozenset({"en"})),
        agent(2, open_cases=5, languages=frozenset({"so"})),
    ]
    decision = choose_owner(agents, team_id=BILLING, language="so")
    assert decision.agent_id == 2
    assert "speaks 'so'" in decision.reason


def test_when_nobody_speaks_the_language_the_least_loaded_agent_is_a_fallback() -> None:
    agents = [agent(1, open_cases=3), agent(2, open_cases=1)]
    decision = choose_owner(agents, team_id=BILLING, language="fa")
    assert decision.agent_id == 2
    assert decision.fallback


def test_load_ties_are_broken_by_the_lowest_id() -> None:
    agents = [agent(7, open_cases=2), agent(3, open_cases=2), agent(5, open_cases=4)]
    assert choose_owner(agents, team_id=BILLING, language=None).agent_id == 3


def test_other_teams_and_missing_skills_are_not_chosen() -> None:
    agents = [
        agent(1, team_ids=frozenset({SUPPORT})),
        agent(2, open_cases=4),
        agent(3, skills=frozenset({"vat"}), open_cases=6),
    ]
    assert choose_owner(agents, team_id=BILLING, language=None).agent_id == 2
    decision = choose_owner(
        agents, team_id=BILLING, language=None, required_skills=frozenset({"vat"})
    )
    assert decision.agent_id == 3


def test_round_robin_takes_the_next_after_the_last_assigned_and_wraps() -> None:
    agents = [agent(4), agent(1), agent(9)]

    def pick(last: int | None) -> int | None:
        return choose_owner(
            agents, team_id=BILLING, language="sv", strategy="round_robin", last_assigned_id=last
        ).agent_id

    assert [pick(None), pick(1), pick(4), pick(9)] == [1, 4, 9, 1]


def test_manual_strategy_leaves_the_case_for_a_person_to_assign() -> None:
    decision = choose_owner([agent(1)], team_id=BILLING, language="sv", strategy="manual")
    assert decision.agent_id is None
    assert decision.reason_code == "manual"


def test_nobody_with_room_leaves_the_case_in_the_queue() -> None:
    decision = choose_owner([agent(1, open_cases=10)], team_id=BILLING, language="sv")
    assert decision.agent_id is None
    assert decision.reason_code == "nobody_available"


def test_transfers_back_to_an_earlier_holder_or_past_the_limit_are_refused() -> None:
    assert transfer_allowed([BILLING], to=SUPPORT)
    assert not transfer_allowed([BILLING, SUPPORT], to=BILLING)
    assert transfer_allowed([BILLING, SUPPORT], to=30)
    assert not transfer_allowed([1, 2, 3, 4], to=5)


def test_an_empty_queue_is_nobody_and_a_refusal_says_why() -> None:
    # Handed to a team queue nobody was free in, then taken back by the one who had it.
    assert transfer_refusal([BILLING, None], to=BILLING) is None
    assert transfer_refusal([BILLING, None, SUPPORT], to=BILLING) == "loop"
    assert transfer_refusal([BILLING, SUPPORT], to=BILLING) == "loop"
    assert transfer_refusal([1, 2, 3, 4], to=1) == "hops"
    assert transfer_refusal([1, 2, 3, 4], to=5) == "hops"


def test_a_written_case_goes_to_someone_working_now_before_someone_off_duty() -> None:
    off_duty = agent(1, within_hours=False)  # fewer open cases, but not working now
    working = agent(2, open_cases=5)

    decision = choose_owner([off_duty, working], team_id=BILLING, language="sv")

    assert decision.agent_id == 2
    assert not decision.params["off_hours"]


def test_a_written_case_at_night_still_gets_a_named_owner_who_starts_in_the_morning() -> None:
    agents = [agent(1, within_hours=False, open_cases=3), agent(2, within_hours=False)]

    decision = choose_owner(agents, team_id=BILLING, language="sv")

    assert decision.agent_id == 2
    assert decision.params["off_hours"] is True
    assert "nobody is working now" in decision.reason


def test_the_previous_owner_off_duty_keeps_the_customer_when_nobody_else_works_either() -> None:
    agents = [agent(1, within_hours=False, open_cases=8), agent(2, within_hours=False)]

    decision = choose_owner(agents, team_id=BILLING, language="sv", previous_owner_id=1)

    assert decision.agent_id == 1
    assert decision.reason_code == "continuity"


def test_a_chat_needs_someone_working_now_with_a_free_chat() -> None:
    agents = [
        agent(1, within_hours=False),
        agent(2, open_chats=3, chat_capacity=3),
        agent(3, open_chats=1, chat_capacity=3, open_cases=9),
    ]

    assert choose_owner(agents, team_id=BILLING, language="sv", live=True).agent_id == 3
    nobody = choose_owner(agents[:2], team_id=BILLING, language="sv", live=True)
    assert nobody.agent_id is None
    assert nobody.reason_code == "nobody_available"
