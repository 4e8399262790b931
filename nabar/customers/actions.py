"""Finding and creating customers by the addresses they write from."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from nabar.accounts.models import Organisation
from nabar.customers.models import ContactPoint, Customer


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    """Digits only, a leading + kept: "070-123 45 67" and "0701234567" are the same number."""
    value = value.strip()
    digits = re.sub(r"\D", "", value)
    return ("+" + digits) if value.startswith("+") else digits


def find_or_create_customer(
    organisation: Organisation, *, name: str, email: str = "", phone: str = "", language: str = ""
) -> Customer:
    """The customer who owns one of these addresses, or a new one; new addresses are linked."""
    points = []
    if email:
        points.append((ContactPoint.Kind.EMAIL, normalise_email(email)))
    if phone:
        points.append((ContactPoint.Kind.PHONE, normalise_phone(phone)))
    customer = None
    for kind, value in points:
        match = (
            ContactPoint.objects.filter(organisation=organisation, kind=kind, value=value)
            .select_related("customer")
            .first()
        )
        if match is not None:
            customer = match.customer
            break
    if customer is None:
        customer = Customer.objects.create(organisation=organisation, name=name, language=language)
    elif name and not customer.name:
        customer.name = name
        customer.save(update_fields=["name", "updated_at"])
    for kind, value in points:
        try:
            with transaction.atomic():
                ContactPoint.objects.get_or_create(
                    organisation=organisation,
                    kind=kind,
                    value=value,
                    defaults={"customer": customer},
                )
        except IntegrityError:
            pass
    return customer
