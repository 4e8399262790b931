import pytest

from nabar.routing.language import detect_language, language_code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hej, jag har inte fått min faktura och undrar var den är.", "sv"),
        ("Hello, my invoice has not arrived yet, where is it?", "en"),
        ("Hei, en ole saanut laskua vielä, missä se on?", "fi"),
        ("مرحبا، لم تصلني الفاتورة بعد، أين هي؟", "ar"),
        ("Haye, wali ma helin biilkayga, xaggee buu joogaa?", "so"),
        ("سلام، هنوز فاکتور من نرسیده است، کجاست؟", "fa"),
        ("Dzień dobry, nie otrzymałem jeszcze faktury, gdzie ona jest?", "pl"),
        ("Hola, no he recibido mi factura todavía, ¿dónde está?", "es"),
        ("Hallo, ich habe meine Rechnung noch nicht erhalten, wo ist sie?", "de"),
    ],
)
def test_detects_the_languages_customers_write_in(text: str, code: str) -> None:
    guess = detect_language(text)
    assert guess.code == code
    assert 0.5 <= guess.confidence <= 1.0


@pytest.mark.parametrize("text", ["", "ok", "  ", "123 456", "Tack!"])
def test_short_or_empty_text_gives_no_language(text: str) -> None:
    assert detect_language(text).code is None


def test_an_unsure_guess_below_the_minimum_gives_no_language() -> None:
    text = "Hej, jag har inte fått min faktura och undrar var den är."
    sure = detect_language(text)
    assert sure.code == "sv"
    assert detect_language(text, min_confidence=min(sure.confidence + 0.01, 1.01)).code is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("Engelska", "en"), ("english", "en"), (" SV ", "sv"), ("Finska", "fi"), ("fi", "fi")],
)
def test_a_language_written_by_name_or_code_gives_its_code(text: str, code: str) -> None:
    assert language_code(text) == code


def test_an_unknown_language_gives_no_code() -> None:
    assert language_code("Klingonska") is None
