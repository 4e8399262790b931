"""The staffing page: who may see it, the table it gives and how it handles mistakes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from nabar.accounts.models import Team
from nabar.waits.erlang import agents_needed

URL = "/staffing/"


@pytest.fixture
def lead_client(client, organisation, bob):
    team = Team.objects.get(organisation=organisation, name="Kundtjänst")
    team.lead = bob
    team.save()
    client.force_login(bob.user)
    return client


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "forecast": "08:00\t40\n08:15\t120\n08:30\t0\n",
        "handle_seconds": "300",
        "patience_seconds": "",
        "target_percent": "95",
        "target_seconds": "180",
        "interval_minutes": "15",
    }
    data.update(changes)
    return data


def cells(html: str) -> dict[str, list[str]]:
    """Row header -> the cells of each row of the staffing table."""
    table = html.split('<table class="staffing-table">', 1)[1].split("</table>", 1)[0]
    rows: dict[str, list[str]] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row)
        if header:
            rows[header.group(1)] = [
                re.sub(r"<.*?>", "", cell).strip()
                for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.S)
            ]
    return rows


def test_url_is_named():
    assert reverse("waits:staffing") == URL


def test_logged_out_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_agent_who_leads_no_team_is_refused(alice_client):
    assert alice_client.get(URL).status_code == 403
    assert alice_client.post(URL, form_data()).status_code == 403


def test_staff_who_answer_no_cases_get_not_found(client, organisation, dave):
    """A staff user who is no agent, or whose agent was deactivated, plans nothing here."""
    from nabar.accounts.models import User

    stranger = User.objects.create_user(username="ops", password="x", is_staff=True)
    client.force_login(stranger)
    assert client.get(URL).status_code == 404
    dave.is_active = False
    dave.save(update_fields=["is_active"])
    client.force_login(dave.user)
    assert client.get(URL).status_code == 404


def test_plain_agents_do_not_see_the_menu_link(alice_client):
    html = alice_client.get(reverse("tickets:inbox")).content.decode()
    assert URL not in html


def test_a_team_lead_finds_the_page_in_the_menu(lead_client):
    html = lead_client.get(reverse("tickets:inbox")).content.decode()
    assert f'href="{URL}"' in html


def test_an_organisation_administrator_may_plan_staffing(client, dave):
    client.force_login(dave.user)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'value="95"' in response.content.decode()  # the three-minute rule by default
    assert 'value="180"' in response.content.decode()


def test_a_team_lead_gets_the_staffing_table(lead_client):
    response = lead_client.post(URL, form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    rows = cells(html)
    assert list(rows) == ["08:00", "08:15", "08:30"]
    expected = agents_needed(
        contacts_per_hour=480, handle_seconds=300, target_seconds=180, target_level=0.95
    )
    assert rows["08:15"][3] == str(expected)
    assert rows["08:30"][3] == "0"
    assert "<svg" in html
    assert 'role="img"' in html
    assert "Erlang C" in html
    # What was typed stays in the form for the next round.
    assert "08:15\t120" in html


def test_patience_switches_to_erlang_a(lead_client):
    html = lead_client.post(URL, form_data(patience_seconds="60")).content.decode()
    rows = cells(html)
    assert "Erlang A" in html
    assert rows["08:15"][2] == "60"
    without = cells(lead_client.post(URL, form_data()).content.decode())
    assert int(rows["08:15"][3]) <= int(without["08:15"][3])


def test_swedish_numbers_are_accepted_and_shown(lead_client):
    html = lead_client.post(
        URL,
        form_data(forecast="09:00;12,5\n", handle_seconds="240,5", target_percent="80"),
        HTTP_ACCEPT_LANGUAGE="sv",
    ).content.decode()
    rows = cells(html)
    assert rows["09:00"][0] == "12,5"
    assert "%" in rows["09:00"][4]


def test_a_bad_line_is_named_and_the_text_is_kept(lead_client):
    typed = "09:00 120\n09:15 many\n09:30 140"
    response = lead_client.post(URL, form_data(forecast=typed), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Line 2: “many” is not a number of contacts." in html
    assert typed in html
    assert 'aria-invalid="true"' in html
    assert "staffing-table" not in html


def test_missing_handling_time_says_where_to_give_it(lead_client):
    response = lead_client.post(
        URL,
        form_data(handle_seconds="", forecast="09:00 12 200\n09:15 20"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert "Line 2: no handling time" in response.content.decode()


def test_an_empty_forecast_asks_for_one(lead_client):
    response = lead_client.post(URL, form_data(forecast="\n# nothing\n"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "Paste at least one interval" in response.content.decode()


def test_an_out_of_range_target_is_refused(lead_client):
    response = lead_client.post(URL, form_data(target_percent="100"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "99.9" in response.content.decode()


def test_an_unreachable_target_names_the_interval(lead_client):
    response = lead_client.post(
        URL,
        form_data(forecast="09:00 1000000\n", handle_seconds="3600", interval_minutes="15"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert "Interval 09:00: even 5000 agents cannot reach the target." in (
        response.content.decode()
    )


def test_a_user_who_answers_no_cases_gets_not_found(client, organisation):
    from nabar.accounts.models import User

    user = User.objects.create_user(username="erik", password="x-long-password-1")
    client.force_login(user)
    assert client.get(URL).status_code == 404


def test_the_chart_has_a_bar_per_interval_inside_the_plot():
    from nabar.waits.charts import bar_chart

    chart = bar_chart(labels=[f"{h:02d}:00" for h in range(24)], values=list(range(0, 480, 20)))
    assert len(chart.bars) == 24
    assert all(chart.left <= bar.x and bar.x + bar.width <= chart.right for bar in chart.bars)
    assert all(0 <= bar.y <= chart.bottom for bar in chart.bars)
    tallest = max(chart.bars, key=lambda bar: bar.value)
    assert tallest.y >= chart.y_ticks[-1].position  # the axis reaches above the tallest bar
    assert len(chart.x_ticks) <= 12  # labels thinned so they do not overlap
    assert bar_chart(labels=["09:00"], values=[0]).bars[0].height == 0
