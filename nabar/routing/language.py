"""Language detection for incoming cases, so the case and the reply get the right language."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from lingua import LanguageDetector

# ISO 639-1 codes the detector knows; the first nine are required, the rest are neighbours that
# would otherwise be mistaken for them (Danish/Norwegian for Swedish, Estonian for Finnish...).
SUPPORTED_LANGUAGES: tuple[str, ...] = (
    "sv", "en", "fi", "ar", "so", "fa", "pl", "es", "de",
    "da", "nb", "nn", "is", "et", "fr", "it", "pt", "nl", "ru", "uk", "tr", "ur", "hi", "zh",
)  # fmt: skip

# The codes a case's language can have: the detector's, with both Norwegian written forms as one.
CASE_LANGUAGES: tuple[str, ...] = (
    *(code for code in SUPPORTED_LANGUAGES if code not in {"nb", "nn"}),
    "no",
)

# Names of the languages Django's own list leaves out, in the reader's language.
_MORE_NAMES = {"so": _("Somali"), "no": _("Norwegian"), "zh": _("Chinese")}


def language_name(code: str) -> str:
    """A language's name in the active language ("Finska", "Finnish"), else its code."""
    if code in _MORE_NAMES:
        return str(_MORE_NAMES[code])
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


def language_code(text: str) -> str | None:
    """The code of a language written as its code or its name in Swedish or English, any case.

    "Engelska", "english" and "EN" all give "en"; a case stores the code, so a rule written
    with a name must be turned into the code to ever match. None for anything else.
    """
    return _codes_by_name().get(text.strip().casefold())


@cache
def _codes_by_name() -> dict[str, str]:
    # Both Norwegian written forms are one case language.
    names: dict[str, str] = {"nb": "no", "nn": "no"}
    for code in CASE_LANGUAGES:
        names[code] = code
        for language in ("sv", "en"):
            with translation.override(language):
                names.setdefault(language_name(code).casefold(), code)
    return names


# Fewer letters than this carries too little signal; we say so instead of guessing.
MIN_LETTERS = 12

_lock = threading.Lock()


@dataclass(frozen=True)
class LanguageGuess:
    """A detected language (ISO 639-1) or None when the text does not say clearly."""

    code: str | None
    confidence: float


@cache
def _detector() -> LanguageDetector:
    """Build the detector once and share it with every call."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in SUPPORTED_LANGUAGES]
    # Models load on first use, per language: measured faster per text than preloading all 24
    # (0.4 against 0.9 ms), and a process that never sees Arabic script never loads Arabic.
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def detect_language(text: str, *, min_confidence: float = 0.5) -> LanguageGuess:
    """Guess the language of ``text``; short text or a low confidence gives ``code=None``."""
    letters = sum(map(str.isalpha, text))
    if letters < MIN_LETTERS:
        return LanguageGuess(code=None, confidence=0.0)
    with _lock:
        detector = _detector()
    values = detector.compute_language_confidence_values(text)
    if not values:
        return LanguageGuess(code=None, confidence=0.0)
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    if code in {"nb", "nn"}:
        code = "no"
    confidence = float(best.value)
    if confidence < min_confidence:
        return LanguageGuess(code=None, confidence=confidence)
    return LanguageGuess(code=code, confidence=confidence)
