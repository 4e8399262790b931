"""The demo organisation's past: solved cases from eight weeks to two weeks ago, so that its reports
have figures and its category classifier has the organisation's own history to learn from.

Each case is opened, answered and solved through the same actions as a real one, and then moved
back in time with everything recorded about it (messages, timeline, clocks, mail, alerts).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.db.models import F, QuerySet
from django.utils import timezone

from nabar.accounts.models import Agent, Organisation, Team
from nabar.mail.models import OutboundEmail
from nabar.sla.clock import BusinessHours, add_business_time
from nabar.sla.holidays import swedish_public_holidays
from nabar.tickets import actions, expected
from nabar.tickets.models import Alert, Channel, Ticket, TicketEvent
from nabar.waits.models import WaitPrediction
from nabar.waits.predict import predict_written_wait


@dataclass(frozen=True)
class PastCase:
    days_ago: int
    name: str
    email: str
    language: str
    category: str
    body: str
    reply: str
    hours_to_reply: float = 2
    # Opened with the wrong team, then handed over with this note after ``hours_to_reply / 2``.
    handed_to: str = ""
    note: str = ""


INVOICE_REPLY = "Hej! Jag har rättat fakturan och skickat en ny. Hör av dig om något ser fel ut."
DELIVERY_REPLY = "Hej! Paketet är på väg och kommer fram inom två dagar. Här är spårningslänken."
LOGIN_REPLY = "Hej! Jag har låst upp kontot. Logga in med länken i mejlet du får strax."
OUTAGE_REPLY = "Hej! Felet är åtgärdat sedan i morse. Starta om routern om det inte fungerar."

# Nothing in the last two weeks but today's cases: the reply rate a receipt's estimate is based on
# is measured over the last 14 days, and the past cases here waited hours for their replies, so
# their owners' pace would promise today's customers a reply from this evening to the day after
# tomorrow. With no replies in that window, the receipts fall back to the reply target, as in an
# organisation that has just started.
QUIET_DAYS = 15

PAST: list[PastCase] = [
    PastCase(
        55,
        "Bo Gustafsson",
        "bo.gustafsson@example.se",
        "sv",
        "faktura",
        "Fakturan för augusti har en avgift på 49 kronor som jag inte känner igen. Vad är det för "
        "något?",
        INVOICE_REPLY,
    ),
    PastCase(
        53,
        "Linnea Berg",
        "linnea.berg@example.se",
        "sv",
        "leverans",
        "Min beställning skulle komma i fredags men paketet har fortfarande inte kommit. "
        "Spårningen har inte ändrats på fyra dagar.",
        DELIVERY_REPLY,
    ),
    PastCase(
        52,
        "Tom Becker",
        "tom.becker@example.com",
        "en",
        "inloggning",
        "I cannot log in to my account. The password reset link says it has expired every time.",
        "Hi Tom, I have sent you a new reset link that is valid for 24 hours.",
    ),
    PastCase(
        50,
        "Ahmed Yusuf",
        "ahmed.yusuf@example.se",
        "sv",
        "avbrott",
        "Internet och tv har slutat fungera hos oss i Rinkeby sedan klockan sju i kväll.",
        OUTAGE_REPLY,
    ),
    PastCase(
        48,
        "Sara Lindqvist",
        "sara.lindqvist@example.se",
        "sv",
        "faktura",
        "Jag har fått en påminnelse om en faktura som jag redan har betalat den 3:e. Kan ni "
        "kontrollera?",
        INVOICE_REPLY,
    ),
    PastCase(
        46,
        "Olle Nilsson",
        "olle.nilsson@example.se",
        "sv",
        "leverans",
        "Paketet levererades till fel adress, grannen på andra sidan gatan fick det. Det var "
        "skadat när jag hämtade det.",
        DELIVERY_REPLY,
    ),
    PastCase(
        45,
        "Fatima Ali",
        "fatima.ali@example.se",
        "sv",
        "inloggning",
        "Kontot är spärrat efter att jag skrev fel lösenord tre gånger. Hur låser jag upp det?",
        LOGIN_REPLY,
    ),
    PastCase(
        43,
        "Jenny Moberg",
        "jenny.moberg@example.se",
        "sv",
        "avbrott",
        "Bredbandet går ner flera gånger om dagen i Bagarmossen. Routern lyser rött när det händer.",
        OUTAGE_REPLY,
        hours_to_reply=3,
    ),
    PastCase(
        41,
        "Mark Evans",
        "mark.evans@example.com",
        "en",
        "faktura",
        "My invoice this month is much higher than usual. Why was I charged for two months?",
        "Hi Mark, the invoice included last month's fee by mistake. I have credited it.",
    ),
    PastCase(
        39,
        "Karl Svensson",
        "karl.svensson@example.se",
        "sv",
        "leverans",
        "Jag beställde en router för två veckor sedan och har inte fått någon leverans eller "
        "något besked om när den kommer.",
        DELIVERY_REPLY,
    ),
    PastCase(
        37,
        "Hanna Öberg",
        "hanna.oberg@example.se",
        "sv",
        "inloggning",
        "Jag får ingen kod i sms när jag ska logga in, så jag kommer inte in på mina sidor.",
        LOGIN_REPLY,
    ),
    PastCase(
        36,
        "Nils Falk",
        "nils.falk@example.se",
        "sv",
        "avbrott",
        "Ingen uppkoppling alls sedan i morse i Farsta. Är det ett avbrott i området?",
        OUTAGE_REPLY,
    ),
    PastCase(
        34,
        "Ingrid Sjöberg",
        "ingrid.sjoberg@example.se",
        "sv",
        "faktura",
        "Pengarna drogs två gånger från mitt konto den här månaden. Jag vill ha tillbaka det ena "
        "beloppet.",
        "Hej Ingrid! Den dubbla dragningen är återbetald och syns på ditt konto inom tre dagar.",
        hours_to_reply=3,
        handed_to="Fakturor",
        note="Dubbel dragning på autogiro, inget fakturafel. Återbetalning behövs.",
    ),
    PastCase(
        32,
        "Lisa Holm",
        "lisa.holm@example.se",
        "sv",
        "leverans",
        "Leveransen kom men det saknas en kabel i paketet. Kan ni skicka den som saknas?",
        DELIVERY_REPLY,
    ),
    PastCase(
        30,
        "David Klein",
        "david.klein@example.com",
        "en",
        "inloggning",
        "My account is locked and the app says to contact support. I have not changed anything.",
        "Hi David, your account is unlocked. You can log in again now.",
    ),
    PastCase(
        29,
        "Eva Lind",
        "eva.lind@example.se",
        "sv",
        "avbrott",
        "Telefonin och internet ligger nere i hela huset i Skärholmen, flera grannar har samma fel.",
        OUTAGE_REPLY,
    ),
    PastCase(
        27,
        "Per Olsson",
        "per.olsson@example.se",
        "sv",
        "faktura",
        "Jag vill ha fakturan via e-post i stället för papper, och den senaste har fel adress.",
        INVOICE_REPLY,
    ),
    PastCase(
        24,
        "Petra Nord",
        "petra.nord@example.se",
        "sv",
        "inloggning",
        "Det står att mitt lösenord är fel fast jag precis har bytt det. Jag kommer inte in.",
        LOGIN_REPLY,
    ),
    PastCase(
        23,
        "Amir Hosseini",
        "amir.hosseini@example.se",
        "sv",
        "inloggning",
        "Jag har glömt mitt användarnamn och lösenord och kan inte logga in för att se mina "
        "fakturor.",
        LOGIN_REPLY,
        hours_to_reply=4,
        handed_to="Kundtjänst",
        note="Gäller inloggning, inte fakturan. Kontot behöver låsas upp.",
    ),
    PastCase(
        22,
        "Elif Demir",
        "elif.demir@example.se",
        "sv",
        "faktura",
        "Räkningen för oktober har kommit två gånger med olika belopp. Vilken ska jag betala?",
        INVOICE_REPLY,
    ),
    PastCase(
        21,
        "Per Olsson",
        "per.olsson@example.se",
        "sv",
        "leverans",
        "Hej igen! Nu har jag beställt en ny router men leveransen verkar ha fastnat på terminalen.",
        DELIVERY_REPLY,
    ),
    PastCase(
        21,
        "Rebecka Ek",
        "rebecka.ek@example.se",
        "sv",
        "avbrott",
        "Vi har haft avbrott i bredbandet tre kvällar i rad i Hässelby. Vad beror det på?",
        OUTAGE_REPLY,
    ),
    PastCase(
        20,
        "Chris Young",
        "chris.young@example.com",
        "en",
        "leverans",
        "My parcel has been stuck at the depot for a week. When will it be delivered?",
        "Hi Chris, the parcel left the depot today and should arrive tomorrow.",
    ),
    PastCase(
        19,
        "Julia Stone",
        "julia.stone@example.com",
        "en",
        "faktura",
        "I was billed for a service I cancelled in June. Please correct the invoice.",
        "Hi Julia, the cancelled service is removed and a corrected invoice is on its way.",
    ),
    PastCase(
        19,
        "Oskar Wall",
        "oskar.wall@example.se",
        "sv",
        "avbrott",
        "Tv-kanalerna och bredbandet försvann samtidigt i kväll i Tensta. Är det något fel hos er?",
        OUTAGE_REPLY,
    ),
    PastCase(
        18,
        "Maja Roos",
        "maja.roos@example.se",
        "sv",
        "inloggning",
        "Appen loggar ut mig hela tiden och sedan kommer jag inte in igen med mitt lösenord.",
        LOGIN_REPLY,
    ),
    PastCase(
        17,
        "Göran Larsson",
        "goran.larsson@example.se",
        "sv",
        "leverans",
        "Paketet står som levererat men jag har inte fått något. Det finns inget i brevlådan.",
        DELIVERY_REPLY,
        hours_to_reply=3,
    ),
    PastCase(
        17,
        "Henrik Dahl",
        "henrik.dahl@example.se",
        "sv",
        "faktura",
        "Varför har fakturan en förseningsavgift när jag betalade i tid? Jag har kvittot.",
        INVOICE_REPLY,
        hours_to_reply=3,
    ),
    PastCase(
        16,
        "Eva Lind",
        "eva.lind@example.se",
        "sv",
        "avbrott",
        "Nu är internet borta igen hemma i Skärholmen sedan i går. Jag behöver det till jobbet.",
        OUTAGE_REPLY,
    ),
    PastCase(
        16,
        "Anna Sund",
        "anna.sund@example.se",
        "sv",
        "leverans",
        "Kan jag ändra leveransadressen för min beställning? Den är inte skickad än.",
        DELIVERY_REPLY,
        hours_to_reply=1,
    ),
]


# Routine cases, written from parts: what most of a helpdesk's history looks like.
ROUTINE_PARTS: dict[str, tuple[list[str], list[str]]] = {
    "faktura": (
        [
            "Fakturan för {month} är högre än vanligt",
            "Jag har fått en faktura på {amount} kronor som jag inte förstår",
            "Det står en avgift på fakturan som jag inte har beställt",
            "Jag har betalat fakturan men fått en påminnelse",
            "Fakturan har kommit till min gamla adress",
            "Jag vill byta till e-faktura i stället för pappersfaktura",
            "Fakturan för {month} har kommit två gånger",
            "Beloppet på räkningen stämmer inte med mitt abonnemang",
            "Jag har fått betalt för en leverans som aldrig kom, men fakturan är inte krediterad",
            "Jag kan inte logga in för att se fakturan, så jag vet inte vad jag ska betala",
        ],
        [
            "Kan ni rätta den?",
            "Vad beror det på?",
            "Jag vill ha en ny faktura.",
            "Kan ni kreditera mellanskillnaden?",
        ],
    ),
    "leverans": (
        [
            "Min beställning från {month} har inte kommit",
            "Paketet har stått still i spårningen i {days} dagar",
            "Leveransen kom till fel adress",
            "Paketet var skadat när det kom fram",
            "Det saknas en del i leveransen",
            "Jag vill ändra leveransadressen för mitt paket",
            "Budet kom aldrig fast leveransen står som klar",
            "Ordern är försenad och jag har inte fått något besked",
            "Jag har betalat fakturan för routern men den har inte skickats",
            "Den nya routern kom aldrig, och nu är internet nere",
        ],
        [
            "När kommer den?",
            "Kan ni skicka en ny?",
            "Vad ska jag göra?",
            "Jag behöver den till helgen.",
        ],
    ),
    "inloggning": (
        [
            "Jag kommer inte in på mitt konto",
            "Lösenordet fungerar inte fast jag har bytt det",
            "Kontot är låst efter för många försök",
            "Jag får ingen inloggningskod i sms",
            "Länken för att byta lösenord fungerar inte",
            "Appen säger att mitt användarnamn inte finns",
            "Jag har glömt lösenordet och e-posten för återställning är gammal",
            "Inloggningen med BankID fastnar hela tiden",
            "Jag ska betala fakturan i appen men kommer inte in",
            "Efter avbrottet i går fungerar inte min inloggning",
        ],
        [
            "Kan ni låsa upp det?",
            "Hur loggar jag in nu?",
            "Jag behöver komma åt mina sidor.",
            "Vad ska jag göra?",
        ],
    ),
    "avbrott": (
        [
            "Internet ligger nere hos oss i {area}",
            "Bredbandet har slutat fungera sedan i {when}",
            "Tv och internet försvann samtidigt i {area}",
            "Uppkopplingen bryts flera gånger om dagen",
            "Routern lyser rött och vi har inget nät",
            "Hela huset i {area} är utan bredband",
            "Det är avbrott i fibern sedan i {when}",
            "Telefonin fungerar inte sedan i {when}",
            "Vi har inget internet och kan inte logga in för att felanmäla",
            "Ni har dragit avgiften men bredbandet har inte fungerat på en vecka",
        ],
        [
            "När fungerar det igen?",
            "Är det ett känt fel?",
            "Jag jobbar hemifrån och behöver nätet.",
            "Vad ska jag göra?",
        ],
    ),
}
ROUTINE_PARTS["abonnemang"] = (
    [
        "Jag vill säga upp mitt abonnemang",
        "Jag flyttar i {month} och vill flytta med abonnemanget",
        "Jag vill byta till ett billigare abonnemang",
        "Kan jag pausa abonnemanget medan jag är utomlands",
        "Jag vill lägga till tv i mitt abonnemang",
        "Hur lång uppsägningstid har jag på avtalet",
        "Jag vill ändra min adress och mitt telefonnummer hos er",
        "Abonnemanget ska stå på min sambo i stället",
    ],
    ["Hur gör jag?", "Vad behöver ni från mig?", "Från och med nästa månad.", "Tack på förhand."],
)
ROUTINE_PARTS_EN: dict[str, tuple[list[str], list[str]]] = {
    "faktura": (
        [
            "My invoice for {month_en} is higher than usual",
            "There is a fee on my bill that I do not understand",
            "I paid the invoice but got a reminder",
            "I was charged twice this month",
        ],
        ["Can you correct it?", "Please refund the difference."],
    ),
    "leverans": (
        [
            "My order has not arrived",
            "The parcel has not moved in tracking for a week",
            "The delivery went to the wrong address",
            "The package arrived damaged",
        ],
        ["When will it come?", "Can you send a new one?"],
    ),
    "inloggning": (
        [
            "I cannot log in to my account",
            "My password does not work after I changed it",
            "My account is locked after too many attempts",
            "I do not get the login code by text message",
        ],
        ["Can you unlock it?", "How do I get in?"],
    ),
    "avbrott": (
        [
            "The internet is down at home",
            "Our broadband keeps dropping several times a day",
            "TV and internet stopped working at the same time",
            "The router shows a red light and we have no connection",
        ],
        ["When will it work again?", "Is this a known fault?"],
    ),
    "abonnemang": (
        [
            "I want to cancel my subscription",
            "I am moving and want to take my subscription with me",
            "I want to change to a cheaper plan",
            "Please update my address and phone number",
        ],
        ["What do you need from me?", "From next month, please."],
    ),
}
FIRST_NAMES = [
    "Anders",
    "Birgitta",
    "Cecilia",
    "Daniel",
    "Elin",
    "Fredrik",
    "Gustav",
    "Helena",
    "Ida",
    "Jonas",
    "Kristina",
    "Leo",
    "Marie",
    "Nora",
    "Patrik",
    "Rut",
    "Simon",
    "Tove",
    "Ulf",
    "Vera",
]
LAST_NAMES = [
    "Andersson",
    "Björk",
    "Carlsson",
    "Dahlberg",
    "Ekström",
    "Forsberg",
    "Hedlund",
    "Isaksson",
    "Jansson",
    "Kvist",
    "Lundgren",
    "Mattsson",
    "Nyström",
    "Persson",
]
FILL = {
    "month": ["juli", "augusti", "september", "oktober", "november"],
    "amount": ["129", "349", "560", "1 200"],
    "days": ["fem", "sex", "tio"],
    "area": ["Solna", "Bromma", "Hägersten", "Sundbyberg", "Nacka"],
    "when": ["går", "morse", "förrgår", "natt"],
    "month_en": ["July", "August", "September", "October"],
}
REPLIES = {
    "faktura": INVOICE_REPLY,
    "leverans": DELIVERY_REPLY,
    "inloggning": LOGIN_REPLY,
    "avbrott": OUTAGE_REPLY,
    "abonnemang": "Hej! Jag har ordnat det i ditt avtal; du får en bekräftelse per e-post.",
}
REPLY_EN = "Hi! I have taken care of it; you will get a confirmation by e-mail."


# Where a routine case of a category was handed over when it first went to the wrong person.
HANDED_TO = {"faktura": "Fakturor"}
HANDOVER_NOTE = "Det här hör till er; kunden har beskrivit allt i sitt meddelande."


def routine_cases(per_category: int = 12, *, seed: int = 7) -> list[PastCase]:
    """``per_category`` Swedish and a few English cases of each category from the eight weeks
    before the quiet fortnight, the same every run; one in four is handed over before it is
    answered."""
    rng = random.Random(seed)
    cases = []

    def case(category: str, language: str, problem: str, endings: list[str], n: int) -> PastCase:
        fills = {key: rng.choice(values) for key, values in FILL.items()}
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        domain = "example.se" if language == "sv" else "example.com"
        handed = n % 4 == 3
        return PastCase(
            # A day between eight weeks and a fortnight ago.
            days_ago=QUIET_DAYS + rng.randint(0, 54) * (56 - QUIET_DAYS) // 54,
            name=f"{first} {last}",
            email=f"{first}.{last}.{category}.{language}{n}@{domain}".lower(),
            language=language,
            category=category,
            body=f"{problem.format(**fills)}. {rng.choice(endings)}",
            reply=REPLIES[category] if language == "sv" else REPLY_EN,
            hours_to_reply=rng.choice([0.5, 1, 1.5, 2, 3, 4]) + (3 if handed else 0),
            handed_to=HANDED_TO.get(category, "Kundtjänst") if handed else "",
            note=HANDOVER_NOTE if handed else "",
        )

    for category, (problems, endings) in ROUTINE_PARTS.items():
        for n in range(per_category):
            cases.append(case(category, "sv", problems[n % len(problems)], endings, n))
        en_problems, en_endings = ROUTINE_PARTS_EN[category]
        for n, problem in enumerate(en_problems):
            cases.append(case(category, "en", problem, en_endings, n))
    return cases


def create_history(organisation: Organisation, teams: dict[str, Team]) -> None:
    """Open, answer and solve each past case, then move it back to when it happened."""
    everything = sorted([*PAST, *routine_cases()], key=lambda p: -p.days_ago)
    # The office's hours, holidays of last year included: people answer when it is open.
    year = timezone.localdate().year
    office = BusinessHours.from_spec(
        organisation.opening_hours,
        tz=organisation.time_zone,
        holidays={day for y in (year - 1, year) for day in swedish_public_holidays(y)},
    )
    day = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    for i, past in enumerate(everything):
        # Opened that day between 08:00 and 15:00, spread so that no two are at the same minute,
        # and answered after the case's hours to reply in opening hours (a case from Friday
        # afternoon or a Saturday is answered on Monday).
        opened = day - timedelta(days=past.days_ago) + timedelta(minutes=(i * 97) % 420)
        answered = add_business_time(opened, timedelta(hours=past.hours_to_reply), office) - opened
        ticket, _ = actions.open_ticket(
            organisation,
            case=actions.NewCase(
                name=past.name, email=past.email, phone="", body=past.body, language=past.language
            ),
            channel=Channel.EMAIL,
            send_receipt=False,
        )
        if past.handed_to and ticket.owner is not None:
            # Handed over half-way through its hours to reply, also in opening hours.
            half = timedelta(hours=past.hours_to_reply / 2)
            handed = add_business_time(opened, half, office) - opened
            backdate(ticket, handed)
            team = teams[past.handed_to]
            to = _someone_else_in(team, ticket.owner, i)
            if to is not None:
                ticket = actions.transfer_ticket(
                    ticket,
                    agent=ticket.owner,
                    to_owner=to,
                    to_team=team if team != ticket.team else None,
                    note=past.note,
                )
            backdate(ticket, answered - handed)
        else:
            backdate(ticket, answered)
        ticket.refresh_from_db()
        if ticket.owner is None:
            continue
        actions.reply_to_customer(ticket, agent=ticket.owner, body=past.reply)
        actions.set_category(ticket, agent=ticket.owner, category=past.category)
        actions.change_status(ticket, status=Ticket.Status.SOLVED, agent=ticket.owner)
        backdate(ticket, timezone.now() - (opened + answered))
        # Dealt with at the time: its mail went out and its alerts were read.
        OutboundEmail.objects.filter(ticket=ticket).update(
            status=OutboundEmail.Status.SENT, sent_at=F("created_at")
        )
        Alert.objects.filter(ticket=ticket, read_at__isnull=True).update(read_at=F("created_at"))
        _announce_as_then(ticket)


def _announce_as_then(ticket: Ticket) -> None:
    """The reply range the customer was told, worked out in the opening hours of the day the case
    came in. (Moved back as it is, a range worked out today in today's opening hours can end in
    the middle of that night.) A new organisation with no replies yet announces its target."""
    ticket.refresh_from_db()
    opened = ticket.created_at
    policy, hours = expected.policy_and_hours(ticket, opened)
    said = predict_written_wait(
        ahead=0, replies_per_hour=None, now=opened, hours=hours, fallback=policy.first_response
    )
    likely = opened + timedelta(seconds=said.median_seconds)
    latest = opened + timedelta(seconds=said.p90_seconds)
    Ticket.objects.filter(pk=ticket.pk).update(
        expected_reply_from=likely, expected_reply_until=latest
    )
    WaitPrediction.objects.filter(ticket=ticket).update(
        median_seconds=said.median_seconds, p90_seconds=said.p90_seconds
    )
    for event in TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ESTIMATE):
        event.data.update(likely=likely.isoformat(), latest=latest.isoformat())
        event.save(update_fields=["data"])


def _someone_else_in(team: Team, owner: Agent, turn: int) -> Agent | None:
    """A member of ``team`` other than ``owner``, taking turns."""
    others = list(team.agents.exclude(pk=owner.pk).order_by("pk"))
    return others[turn % len(others)] if others else None


def backdate(ticket: Ticket, by: timedelta) -> None:
    """Move the case and every time recorded about it ``by`` into the past (the times written
    into an event's details stay; ``_announce_as_then`` works out the one that shows)."""
    _shift(Ticket.objects.filter(pk=ticket.pk), by)
    for relation in Ticket._meta.related_objects:
        if relation.related_model is Ticket or relation.many_to_many:
            continue
        manager = relation.related_model._default_manager
        _shift(manager.filter(**{relation.field.name: ticket}), by)


def _shift(rows: QuerySet, by: timedelta) -> None:
    fields = [
        f.name for f in rows.model._meta.concrete_fields if isinstance(f, models.DateTimeField)
    ]
    if fields:
        rows.update(**{name: F(name) - by for name in fields})
