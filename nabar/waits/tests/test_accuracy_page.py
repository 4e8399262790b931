"""The accuracy page: administrators see how announced waits turned out; agents do not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nabar.conftest import make_agent
from nabar.tests.browser import assert_accessible, launch
from nabar.waits.actions import record_prediction
from nabar.waits.models import WaitPrediction

URL = "/waits/accuracy/"


@pytest.fixture
def dave_client(client, dave):
    client.force_login(dave.user)
    return client


def answered(organisation, *, channel: str, median: float, p90: float, waited: float):
    prediction = record_prediction(
        organisation, channel=channel, predictor="written", median_seconds=median, p90_seconds=p90
    )
    WaitPrediction.objects.filter(pk=prediction.pk).update(
        answered_at=prediction.predicted_at + timedelta(seconds=waited), waited_seconds=waited
    )


@pytest.mark.django_db
def test_an_admin_sees_the_empty_state(dave_client):
    response = dave_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "No predictions yet" in response.text


@pytest.mark.django_db
def test_an_admin_sees_errors_per_channel(dave_client, organisation):
    answered(organisation, channel="email", median=3600, p90=7200, waited=5400)
    answered(organisation, channel="email", median=3600, p90=7200, waited=9000)
    record_prediction(
        organisation, channel="chat", predictor="live", median_seconds=40, p90_seconds=90
    )

    response = dave_client.get(URL, headers={"accept-language": "en"})

    assert response.status_code == 200
    rows = {row.channel: row for row in response.context["rows"]}
    assert set(rows) == {"E-mail", "Chat"}
    assert rows["E-mail"].count == 2
    # Told one hour, waited 1.5 and 2.5 hours: off by 60 minutes on average, too short.
    assert rows["E-mail"].mae == "60 min"
    assert rows["E-mail"].bias == "-60 min"
    assert rows["E-mail"].within_upper == "50 %"
    assert rows["Chat"].waiting == 1
    assert "No predictions yet" not in response.text


@pytest.mark.django_db
def test_another_organisations_predictions_are_not_shown(dave_client, organisation):
    from nabar.accounts.models import Organisation

    other = Organisation.objects.create(name="Annan", slug="annan", email_address="a@b.example")
    answered(other, channel="email", median=60, p90=120, waited=60)

    assert "No predictions yet" in dave_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").text


@pytest.mark.django_db
def test_an_agent_is_refused(alice_client):
    assert alice_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").status_code == 403


@pytest.mark.django_db
def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_old_predictions_are_left_out(dave_client, organisation):
    answered(organisation, channel="email", median=60, p90=120, waited=60)
    WaitPrediction.objects.update(predicted_at=timezone.now() - timedelta(days=200))

    assert "No predictions yet" in dave_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").text


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_page_is_accessible_empty_and_full(browser, live_server, organisation, lang):
    dave = make_agent(organisation, "dave", "Dave", staff=True)
    context = browser.new_context(locale=lang)
    page = context.new_page()
    from nabar.conftest import PASSWORD

    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill(dave.user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}{URL}")
    assert_accessible(page, label=f"accuracy page, empty ({lang})")

    answered(organisation, channel="email", median=3600, p90=7200, waited=5400)
    page.reload()
    assert page.locator("table").count() == 1
    assert_accessible(page, label=f"accuracy page ({lang})")
    context.close()


def learnt_from(organisation, *, cases: int, median: float, p90: float, waited: float) -> None:
    """Answered written cases that kept their range and real wait in open time."""
    for _ in range(cases):
        prediction = record_prediction(
            organisation,
            channel="email",
            predictor="written",
            median_seconds=median,
            p90_seconds=p90,
            open_median_seconds=median,
            open_p90_seconds=p90,
        )
        WaitPrediction.objects.filter(pk=prediction.pk).update(
            answered_at=prediction.predicted_at + timedelta(seconds=waited),
            waited_seconds=waited,
            open_waited_seconds=waited,
        )


@pytest.mark.django_db
def test_an_admin_sees_that_too_few_cases_are_answered_to_learn_from(dave_client, organisation):
    learnt_from(organisation, cases=12, median=3600, p90=7200, waited=1800)

    english = dave_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").text
    swedish = dave_client.get(URL, HTTP_ACCEPT_LANGUAGE="sv").text

    assert "needed to learn from, 12 are from the last 28 days" in english
    assert "behövs för att lära av finns 12 från de senaste 28 dagarna" in swedish


@pytest.mark.django_db
def test_an_admin_sees_how_the_range_is_corrected(dave_client, organisation):
    # Told one hour most likely and two at the latest, answered in half an hour.
    learnt_from(organisation, cases=40, median=3600, p90=7200, waited=1800)

    english = dave_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").text
    swedish = dave_client.get(URL, HTTP_ACCEPT_LANGUAGE="sv").text

    assert "the most likely time told is the queue model’s times 0.50" in english
    assert "the latest time the model’s times 1.00" in english
    assert "the last 40 cases answered" in english
    assert "gånger 0,50" in swedish
