"""Understanding inbound e-mail, without a database.

``parse_message(raw)`` turns any bytes into a ``ParsedMail`` and never raises: charsets are
decoded robustly (wrong or unknown labels, Windows-1252 sold as ISO-8859-1, 8-bit without a
label), HTML is sanitised with nh3, quoted history and signatures are folded away, automatic
mail and bounces are recognised, and attachments (TNEF included) are unpacked. What was wrong
and repaired is listed in ``defects``; ``ok`` is False when nothing useful could be read, and
then the caller keeps the raw bytes and flags them for a person. Work is bounded: at most
``MAX_PARTS`` MIME parts, ``MAX_DEPTH`` levels and a bounded number of encoded words a header.
"""

from nabar.mail.inbound.attachments import ParsedAttachment
from nabar.mail.inbound.autoreply import AutoMail
from nabar.mail.inbound.bounce import Bounce
from nabar.mail.inbound.parse import ParsedMail, parse_message

__all__ = ["AutoMail", "Bounce", "ParsedAttachment", "ParsedMail", "parse_message"]
