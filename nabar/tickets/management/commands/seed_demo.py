"""Create a demo organisation with agents, teams and realistic cases, in Swedish and English."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from nabar.accounts.models import Agent, Organisation, Team, User
from nabar.routing import training, triage
from nabar.routing.models import RoutingRule
from nabar.tickets import actions
from nabar.tickets.demo_history import create_history
from nabar.tickets.models import Channel, Ticket

DEMO_PASSWORD = "nabar-demo"

AGENTS = [
    # username, first name, last name, languages, teams, staff
    ("alice", "Alice", "Andersson", ["sv", "en"], ["Kundtjänst"], False),
    ("bob", "Bob", "Berg", ["sv", "en", "de"], ["Kundtjänst", "Fakturor"], False),
    ("dave", "Dave", "Dahl", ["sv", "en"], ["Kundtjänst"], True),
]

CASES = [
    (
        "Karin Lund",
        "karin.lund@example.se",
        "",
        "sv",
        "Hej! Min faktura för oktober är dubbelt så hög som vanligt. Jag har inte ändrat något i mitt "
        "abonnemang. Kan ni se vad som hänt?",
        "Hej Karin! Jag ser att oktoberfakturan fick med "
        "septembers avgift två gånger. Jag har krediterat mellanskillnaden, den syns på nästa faktura.",
    ),
    (
        "Johan Ek",
        "",
        "070-123 45 67",
        "sv",
        "Jag kommer inte in på mitt konto, det säger att lösenordet är fel fast jag bytt det. Ring mig "
        "gärna efter lunch.",
        "",
    ),
    (
        "Emma Wilson",
        "emma.wilson@example.com",
        "",
        "en",
        "Hello, I moved to a new address last month and my parcel notifications still go to the old "
        "one. How do I change it?",
        "Hi Emma, I have updated your address; notifications now go to "
        "the new one. Let me know if anything still arrives at the old address.",
    ),
    (
        "Sven Holm",
        "sven.holm@example.se",
        "",
        "sv",
        "Bredbandet har legat nere sedan i går kväll i Hässelby. Jag jobbar hemifrån och behöver veta "
        "när det fungerar igen.",
        "",
    ),
    (
        "Aisha Noor",
        "aisha.noor@example.com",
        "",
        "en",
        "The self-service page says my son has the wrong age for the swimming course, but he turned "
        "seven in March. I think the system is wrong. Can a person look at it?",
        "",
    ),
    (
        "Lars Nyberg",
        "lars.nyberg@example.se",
        "",
        "sv",
        "Jag vill säga upp mitt abonnemang från och med nästa månad. Vad behöver ni från mig?",
        "Hej Lars! Uppsägningen är registrerad till den sista nästa månad. Du behöver inte göra något "
        "mer; du får en bekräftelse per post.",
    ),
    (
        "Maria García",
        "maria.garcia@example.es",
        "",
        "en",
        "I was charged twice for the same order (number 48213). Please refund one of the payments.",
        "",
    ),
    (
        "Gunnel Ström",
        "",
        "08-555 123 45",
        "sv",
        "Jag är 84 år och har svårt att använda appen. Kan någon ringa mig och hjälpa mig att betala "
        "räkningen?",
        "",
    ),
]


class Command(BaseCommand):
    help = (
        "Create the demo organisation 'Exempelbolaget' with agents and cases (safe to run twice)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if Organisation.objects.filter(slug="demo").exists():
            self.stdout.write("The demo organisation already exists; nothing to do.")
            self._print_logins()
            return
        with transaction.atomic():
            org = Organisation.objects.create(
                name="Exempelbolaget",
                slug="demo",
                email_address="kundtjanst@exempelbolaget.example",
                phone_number="08-123 456 00",
                case_prefix="NB",
                intro_sv="Vi är ett påhittat bolag som visar hur Nåbar fungerar. Skriv till oss om "
                "vad som helst: en namngiven person tar hand om ditt ärende.",
                intro_en="We are a made-up company that shows how Nåbar works. Write to us about "
                "anything: a named person takes care of your case.",
            )
            teams = {
                name: Team.objects.create(organisation=org, name=name, skills=skills)
                for name, skills in (("Kundtjänst", []), ("Fakturor", ["faktura", "betalning"]))
            }
            org.default_team = teams["Kundtjänst"]
            org.save(update_fields=["default_team"])
            agents = {}
            for username, first, last, languages, team_names, staff in AGENTS:
                user = User.objects.create_user(
                    username=username,
                    password=DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@exempelbolaget.example",
                    is_staff=staff,
                    is_superuser=staff,
                )
                agent = Agent.objects.create(user=user, organisation=org, languages=languages)
                agent.teams.set([teams[n] for n in team_names])
                agents[username] = agent
            teams["Kundtjänst"].lead = agents["dave"]
            teams["Kundtjänst"].save(update_fields=["lead"])
            agents["alice"].stand_in = agents["bob"]
            agents["alice"].save(update_fields=["stand_in"])
            teams["Fakturor"].lead = agents["dave"]
            teams["Fakturor"].save(update_fields=["lead"])
            org.language_fallback_team = teams["Kundtjänst"]
            org.save(update_fields=["language_fallback_team"])
            RoutingRule.objects.create(
                organisation=org,
                position=1,
                name="Fakturor och betalningar",
                conditions=[
                    {
                        "field": "keywords",
                        "op": "contains_any",
                        "value": "faktura, fakturan, räkning, räkningen, invoice, charged, "
                        "refund, betala, betalning",
                    }
                ],
                set_team=teams["Fakturor"],
            )
        create_history(org, teams)
        if self._train(org):
            # The classifier has learned from the history what the keyword rule did, and more:
            # invoices are now sorted by their wording. The rule stays, switched off, for an
            # administrator to see and switch back on.
            RoutingRule.objects.filter(organisation=org).update(is_active=False)
        opened: dict[str, Ticket] = {}
        for name, email, phone, language, body, answer in CASES:
            ticket = self._open(org, name, email, phone, language, body)
            opened[name] = ticket
            if answer and ticket.owner:
                actions.reply_to_customer(
                    ticket, agent=ticket.owner, body=answer, status=Ticket.Status.WAITING
                )
        self._history(org, opened, agents)
        count = Ticket.objects.filter(organisation=org).count()
        self.stdout.write(self.style.SUCCESS(f"Created {org.name} with {count} cases."))
        self._print_logins()

    @staticmethod
    def _open(
        org: Organisation, name: str, email: str, phone: str, language: str, body: str
    ) -> Ticket:
        ticket, _ = actions.open_ticket(
            org,
            case=actions.NewCase(name=name, email=email, phone=phone, body=body, language=language),
            channel=Channel.EMAIL if email else Channel.PHONE,
        )
        return ticket

    def _train(self, org: Organisation) -> bool:
        """Learn the categories of the past cases, so that today's are sorted by them."""
        try:
            stored = training.train_organisation(org)
        except triage.TriageDataError as error:
            self.stdout.write(f"The category classifier was not trained: {error}")
            return False
        self.stdout.write(f"Trained the category classifier on {stored.cases_used} solved cases.")
        return True

    def _history(
        self, org: Organisation, opened: dict[str, Ticket], agents: dict[str, Agent]
    ) -> None:
        """A hand-over and a returning customer, so the case pages and the routing report show
        what they are for."""
        outage = opened["Sven Holm"]
        if outage.owner is not None:
            to = agents["alice"] if outage.owner != agents["alice"] else agents["bob"]
            actions.transfer_ticket(
                outage,
                agent=outage.owner,
                to_owner=to,
                note="Hässelby har ett känt avbrott; nätdriften lovar besked före kl. 15. "
                "Sven jobbar hemifrån, så ge honom en tid även om den är osäker.",
                why=f"{to.name} har kontakten med nätdriften i Hässelby.",
            )
        # Karin writes again: routing gives the new case to the person she had.
        self._open(
            org,
            "Karin Lund",
            "karin.lund@example.se",
            "",
            "sv",
            "Tack för hjälpen med fakturan! En sak till: kan jag få mina fakturor som pdf via "
            "mejl i stället för på papper?",
        )

    def _print_logins(self) -> None:
        self.stdout.write("Contact page: /o/demo/")
        self.stdout.write(
            f"Demo logins (password '{DEMO_PASSWORD}'): alice, bob (agents), dave (admin)"
        )
