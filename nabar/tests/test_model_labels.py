"""Every app, field and model of Nåbar's own apps has a label the reader sees in their language.

Django shows a field's ``verbose_name`` as the admin's column heading and a form's label, and a
model's ``verbose_name`` (and plural) as the admin's titles. A field without one is shown by its
attribute name ("Created at", "Organisation", "Due at") in English, whatever the reader's language.

So every concrete field that is not created by Django itself (the automatic ``id``) has a
lazy-translated label, and every model has a translated singular and plural name.

A label has a Swedish translation when it reads differently in Swedish and in English. A few
words are written the same in both languages ("organisation", "status", "team", "text"), as are
the names of mail headers and techniques ("Message-ID", "HTML"). These are listed in
``SAME_IN_SWEDISH``, and for them the project's compiled Swedish catalogue must hold the
translation, so that the sameness is a translator's choice and not a translation nobody wrote (or
a fuzzy guess, which the compiled catalogue leaves out). The list may hold only labels in use, so
it cannot grow into a way around the test.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Field
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from nabar.tickets.tests.factories import open_case

SAME_IN_SWEDISH = frozenset(
    {
        "organisation",
        "status",
        "team",
        "text",
        # Names of mail headers and techniques.
        "HTML",
        "In-Reply-To",
        "Message-ID",
        "References",
        "SHA-256",
        "TLS",
    }
)


def own_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if model.__module__.startswith("nabar.")]


def labelled_fields(model: type[models.Model]) -> Iterator[Field]:
    """The fields a person sees: concrete, and not made by Django (the automatic id)."""
    for field in model._meta.get_fields():
        if isinstance(field, Field) and field.concrete and not field.auto_created:
            yield field


def labels() -> Iterator[tuple[str, object]]:
    """(where, label) for every app, field and model label of the project's own apps."""
    for config in apps.get_app_configs():
        if config.name.startswith("nabar."):
            # The admin's index and sidebar head each app's models with this name.
            yield f"{config.label} app", config.verbose_name
    for model in own_models():
        opts = model._meta
        yield f"{opts.label} verbose_name", opts.verbose_name
        yield f"{opts.label} verbose_name_plural", opts.verbose_name_plural
        for field in labelled_fields(model):
            yield f"{opts.label}.{field.name}", field.verbose_name


def in_english(label: object) -> str:
    with translation.override("en"):
        return str(label)


def in_swedish(label: object) -> str:
    with translation.override("sv"):
        return str(label)


class _Missing(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return ""


def the_projects_swedish_catalogue() -> gettext.NullTranslations:
    """The compiled Swedish catalogue of this project alone; "" for a message it lacks."""
    catalogue = gettext.translation("django", localedir=settings.LOCALE_PATHS[0], languages=["sv"])
    catalogue.add_fallback(_Missing())
    return catalogue


def test_the_project_has_models_to_check() -> None:
    names = {model._meta.label for model in own_models()}
    assert {
        "tickets.Ticket",
        "sla.CaseClock",
        "accounts.Organisation",
        "mail.InboundEmail",
    } <= names


def test_every_field_and_model_has_a_translatable_label() -> None:
    missing = []
    for model in own_models():
        opts = model._meta
        # Without its own plural Django adds an English "s" to the singular.
        for option in ("verbose_name", "verbose_name_plural"):
            if option not in opts.original_attrs or not isinstance(getattr(opts, option), Promise):
                missing.append(f"{opts.label} Meta.{option}")
        for field in labelled_fields(model):
            if not isinstance(field.verbose_name, Promise):
                missing.append(f"{opts.label}.{field.name}")
    assert missing == [], "no translatable label: " + ", ".join(missing)


def test_every_label_reads_in_swedish() -> None:
    untranslated = [
        f"{where}: {in_english(label)!r}"
        for where, label in labels()
        if in_swedish(label) == in_english(label) and in_english(label) not in SAME_IN_SWEDISH
    ]
    assert untranslated == [], "the same in Swedish as in English: " + ", ".join(untranslated)


def test_the_words_written_the_same_in_swedish_are_translated_on_purpose() -> None:
    in_use = {in_english(label) for _where, label in labels()}
    assert in_use >= SAME_IN_SWEDISH, "not a label any more: " + ", ".join(SAME_IN_SWEDISH - in_use)
    catalogue = the_projects_swedish_catalogue()
    assert {word: catalogue.gettext(word) for word in SAME_IN_SWEDISH} == {
        word: word for word in SAME_IN_SWEDISH
    }


# A sorted column has its sort buttons before the text.
COLUMN_HEADING = re.compile(
    r'<th scope="col" class="[^"]*column-[^"]*">.*?<div class="text">(?:<a [^>]*>|<span>)([^<]*)<',
    re.DOTALL,
)


def admin_headings(client, url: str, language: str) -> list[str]:
    """The column headings of an admin list, as the reader sees them."""
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return COLUMN_HEADING.findall(response.content.decode())


@pytest.mark.django_db(transaction=True)
def test_a_swedish_admin_sees_swedish_headings_on_the_cases(client, organisation, dave):
    open_case(organisation)
    client.force_login(dave.user)
    url = reverse("admin:tickets_ticket_changelist")

    assert admin_headings(client, url, "sv") == [
        "Ärendenummer",
        "Ämne",
        "Status",
        "Ägare",
        "Förfaller",
        "Skapat",
    ]
    assert admin_headings(client, url, "en") == [
        "Case number",
        "Subject",
        "Status",
        "Owner",
        "Due",
        "Created",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_swedish_admin_sees_swedish_headings_on_the_case_clocks(client, organisation, dave):
    open_case(organisation)
    client.force_login(dave.user)
    url = reverse("admin:sla_caseclock_changelist")

    swedish = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert admin_headings(client, url, "sv") == [
        "Ärende",
        "Typ",
        "Startad",
        "Förfaller",
        "Stoppad",
        "Överskriden",
    ]
    assert "Ärendeklockor" in swedish
    assert "Första svar från en människa" in swedish
    assert admin_headings(client, url, "en") == [
        "Case",
        "Kind",
        "Started",
        "Due",
        "Stopped",
        "Breached",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_admin_index_names_nabar_and_its_parts_in_the_readers_language(client, dave):
    client.force_login(dave.user)
    url = reverse("admin:index")

    swedish = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    for name in ("Nåbar-administration", "Ärenden", "E-post", "Organisationer och personal"):
        assert name in swedish, name
    assert "Django" not in swedish.split("<body", 1)[1]
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for name in ("Nåbar administration", "Cases", "E-mail", "Organisations and staff"):
        assert name in english, name


@pytest.mark.django_db(transaction=True)
def test_the_background_tasks_admin_reads_in_the_readers_language(client, dave):
    """django-tasks-db ships no Swedish; its app, columns and statuses come from Nåbar's catalogue."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(
        task_path="nabar.mail.tasks.send_outbound_email",
        args_kwargs={"args": [], "kwargs": {"outbound_id": 1}},
        backend_name="default",
        run_after=timezone.now(),
        status="FAILED",
    )
    client.force_login(dave.user)
    url = reverse("admin:django_tasks_database_dbtaskresult_changelist")

    swedish = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert admin_headings(client, url, "sv") == [
        "Id",
        "Uppgift",
        "Status",
        "Köad",
        "Startad",
        "Avslutad",
        "Prioritet",
        "Könamn",
    ]
    for text in ("Bakgrundsuppgifter", "Uppgiftsresultat", "Misslyckades", "Lyckades", "Redo"):
        assert text in swedish, text
    assert admin_headings(client, url, "en") == [
        "Id",
        "Task",
        "Status",
        "Enqueued at",
        "Started at",
        "Finished at",
        "Priority",
        "Queue name",
    ]
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Background tasks" in english
    assert "Failed" in english

    index = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Bakgrundsuppgifter" in index
    assert "Tasks Database Backend" not in index
