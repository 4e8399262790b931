"""The named test cast: alice and bob answer cases, carol is a customer, dave is an admin."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before Django reads its settings: run tasks at once and keep files out of the repository.
os.environ.setdefault("NABAR_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("NABAR_DATA_DIR", tempfile.mkdtemp(prefix="nabar-test-"))
os.environ.setdefault("NABAR_CACHE", "memory")  # each test process counts on its own

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from nabar.accounts.models import Agent, Organisation, Team, User
from nabar.customers.actions import find_or_create_customer
from nabar.customers.models import Customer

# Property tests check behaviour, never speed: on a busy machine (two test processes and a
# browser on two cores) Hypothesis's own timing checks fail tests whose code is correct.
hypothesis_settings.register_profile(
    "nabar", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("nabar")

PASSWORD = "correct horse battery staple"
SHARED_DIR = Path(
    os.environ.get("NABAR_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")
)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """Tasks run at once; attachments go to a temporary directory, not the data directory."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    media = tmp_path_factory.getbasetemp() / "media"
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        }
    }


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def organisation(db: None) -> Organisation:
    org = Organisation.objects.create(
        name="Exempelkommunen",
        slug="exempel",
        email_address="kontakt@exempel.example",
        phone_number="08-100 200 30",
        opening_hours={
            day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    )
    team = Team.objects.create(organisation=org, name="Kundtjänst")
    org.default_team = team
    org.save()
    return org


def make_agent(
    organisation: Organisation, username: str, first_name: str, *, staff: bool = False
) -> Agent:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=first_name,
        email=f"{username}@exempel.example",
        is_staff=staff,
        is_superuser=staff,
    )
    agent = Agent.objects.create(user=user, organisation=organisation, languages=["sv", "en"])
    if organisation.default_team:
        agent.teams.add(organisation.default_team)
    return agent


@pytest.fixture
def alice(organisation: Organisation) -> Agent:
    return make_agent(organisation, "alice", "Alice")


@pytest.fixture
def bob(organisation: Organisation) -> Agent:
    return make_agent(organisation, "bob", "Bob")


@pytest.fixture
def dave(organisation: Organisation) -> Agent:
    return make_agent(organisation, "dave", "Dave", staff=True)


@pytest.fixture
def carol(organisation: Organisation) -> Customer:
    return find_or_create_customer(organisation, name="Carol Carlsson", email="carol@example.se")


@pytest.fixture
def alice_client(client, alice):  # type: ignore[no-untyped-def]
    client.force_login(alice.user)
    return client
