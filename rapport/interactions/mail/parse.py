"""Read the raw bytes of an e-mail into the shape every channel shares.

Mail from the outside world is often broken: wrong or unknown charsets, 8-bit headers, addresses
that do not parse, missing dates and ids. The modern parser (policy.default) reads most of it; where
it gives up on a header, the lenient compat32 parser of the same bytes answers instead. Nothing here
raises anything but ValidationFailed, and every string it returns is valid UTF-8 without NULs
(PostgreSQL refuses both), so a bad message is refused once instead of retried forever.
"""

import codecs
import hashlib
import mimetypes
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.utils import timezone

from rapport.access.choices import Channel
from rapport.core.errors import ValidationFailed
from rapport.interactions.choices import Source
from rapport.interactions.sanitise import html_to_text
from rapport.interactions.services import AttachmentIn, InboundMessage

# Ids we make for messages without a Message-ID; .invalid can never clash with a real domain.
GENERATED_ID_DOMAIN = "generated.rapport.invalid"
MAX_ID_LENGTH = 255
MAX_THREAD_REFS = 100
MAX_FILENAME_LENGTH = 100  # the storage path (attachments/YYYY/MM/<name>) must fit FileField's 100
MAX_EXTENSION_LENGTH = 16
MAX_DEPTH = 30
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=UTC)
# A clock a day fast is plausible; a date further ahead would open a case in the future.
FUTURE_TOLERANCE = timedelta(days=1)

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_LINE_END = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Mail declared as Latin-1 is nearly always Windows-1252 (curly quotes, €); browsers read it so too.
_CHARSET_ALIASES = {
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "l1": "windows-1252",
}
_UNDECLARED = {"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown", "default"}


def parse_email(
    raw: bytes,
    *,
    recipients: Sequence[str] = (),
    is_ours: Callable[[str], bool] | None = None,
    now: datetime | None = None,
) -> InboundMessage:
    """One InboundMessage from the bytes of an e-mail.

    `recipients` are the envelope recipients (RCPT TO) when the mail came over SMTP/LMTP;
    `is_ours` says whether an address is one of our touchpoints. Raises ValidationFailed when the
    bytes are not an e-mail or name no usable sender.
    """
    now = now or timezone.now()
    try:
        mail = _Mail(raw)
        if not mail.has_headers():
            raise ValidationFailed(
                "This is not an e-mail: it has no header fields.", code="unreadable"
            )
        sender_name, sender = mail.sender()
        text, html, attachments = mail.content()
    except RecursionError:
        # The stdlib parser recurses once per nested part; thousands of them is an attack.
        raise ValidationFailed(
            "The message is nested too deeply to read.", code="unreadable"
        ) from None
    if not text and html:
        text = html_to_text(html)
    conversation_id = _message_id(mail.text("Message-ID")) or _generated_id(raw)
    return InboundMessage(
        channel=Channel.EMAIL,
        source=Source.EMAIL,
        conversation_id=conversation_id,
        sender_kind="email",
        sender=sender,
        sender_name=sender_name,
        sent_at=mail.sent_at(now),
        touchpoint=mail.touchpoint(recipients, is_ours),
        subject=_one_line(mail.text("Subject")),
        text=text,
        html=html,
        thread_refs=_thread_refs(mail, conversation_id),
        attachments=tuple(attachments),
    )


class _Mail:
    """Both readings of one message; headers come from the modern one where it copes."""

    def __init__(self, raw: bytes):
        self.raw = raw
        self.modern = BytesParser(policy=policy.default).parsebytes(raw)
        self._legacy: Message | None = None

    @property
    def legacy(self) -> Message:
        if self._legacy is None:
            self._legacy = BytesParser(policy=policy.compat32).parsebytes(self.raw)
        return self._legacy

    def has_headers(self) -> bool:
        return len(self.modern.keys()) > 0

    def headers(self, name: str) -> list:
        """Every header of that name as the modern parser reads it.

        Raw 8-bit bytes (an undeclared charset) are read as UTF-8, else Windows-1252, before the
        header is parsed, instead of becoming replacement characters.
        """
        found = []
        for key, raw in self.modern.raw_items():
            if key.lower() != name.lower():
                continue
            value = "".join(_LINE_END.split(str(raw)))
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                value = _unescape(value)
            found.append(policy.default.header_factory(name, value))
        return found

    def text(self, name: str) -> str:
        """The decoded value of the first header of that name, "" when absent."""
        try:
            found = self.headers(name)
            return _clean(str(found[0])) if found else ""
        except Exception:  # the email package raises many kinds on broken headers
            return self._legacy_text(name)

    def _legacy_text(self, name: str) -> str:
        try:
            value = self.legacy.get(name)
            return "" if value is None else _decoded_words(str(value))
        except Exception:
            return ""

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-cased address) for every address in every header of that name."""
        try:
            found = [
                (address.display_name, address.addr_spec)
                for header in self.headers(name)
                for address in header.addresses
            ]
            return [(_one_line(_clean(display)), _address(spec)) for display, spec in found]
        except Exception:  # not an address header, or one the modern parser gave up on
            return self._legacy_addresses(name)

    def _legacy_addresses(self, name: str) -> list[tuple[str, str]]:
        try:
            values = [_unescape(str(value)) for value in self.legacy.get_all(name) or []]
            return [
                (_decoded_words(display), _address(spec)) for display, spec in getaddresses(values)
            ]
        except Exception:
            return []

    def sender(self) -> tuple[str, str]:
        for display, address in self.addresses("From"):
            if _plausible(address):
                return display, address
        if self.text("From"):
            raise ValidationFailed(
                "The sender (From) is not an e-mail address.",
                code="invalid_email",
                fields={"from": ["Not an e-mail address."]},
            )
        raise ValidationFailed(
            "The message names no sender (From).",
            code="invalid_email",
            fields={"from": ["Required."]},
        )

    def sent_at(self, now: datetime) -> datetime:
        try:
            sent = parsedate_to_datetime(self.text("Date"))
        except (TypeError, ValueError, IndexError, OverflowError):
            return now
        if sent.tzinfo is None:
            sent = sent.replace(tzinfo=UTC)
        if not EARLIEST_DATE <= sent <= now + FUTURE_TOLERANCE:
            return now
        return sent

    def touchpoint(self, recipients: Sequence[str], is_ours: Callable[[str], bool] | None) -> str:
        """The first address we own among Delivered-To, To, Cc and the envelope; else the first To."""
        headed = [
            address
            for name in ("Delivered-To", "To", "Cc")
            for _, address in self.addresses(name)
            if _plausible(address)
        ]
        candidates = headed + [_address(r) for r in recipients if _plausible(_address(r))]
        if is_ours is not None:
            for address in candidates:
                if is_ours(address):
                    return address
        to = [address for _, address in self.addresses("To") if _plausible(address)]
        return (to or candidates or [""])[0]

    def content(self) -> tuple[str, str, list[AttachmentIn]]:
        plain: list[str] = []
        html: list[str] = []
        attachments: list[AttachmentIn] = []
        for part in _leaves(self.modern, depth=0):
            kind = _content_type(part)
            if _is_body(part, kind):
                body = _decode(_payload(part), _charset(part))
                (html if kind == "text/html" else plain).append(body)
                continue
            content = _attached_message(part) if kind.startswith("message/") else _payload(part)
            filename = _filename(part)
            if content or filename:
                attachments.append(
                    AttachmentIn(
                        filename=filename or _fallback_name(kind),
                        content_type=kind,
                        content=content,
                    )
                )
        return (
            "\n\n".join(body for body in plain if body.strip()).strip(),
            "\n".join(body for body in html if body.strip()),
            attachments,
        )


def _leaves(part: Message, *, depth: int) -> Iterator[Message]:
    """Every part that is not a container; an attached message stays whole, as one file."""
    payload = part.get_payload()
    if part.get_content_maintype() == "message" and depth > 0:
        yield part
    elif part.is_multipart() and isinstance(payload, list) and depth < MAX_DEPTH:
        for sub in payload:
            if isinstance(sub, Message):
                yield from _leaves(sub, depth=depth + 1)
    elif not part.is_multipart():
        yield part


def _content_type(part: Message) -> str:
    try:
        return _clean(part.get_content_type()).lower()[:100]
    except Exception:
        return "application/octet-stream"


def _is_body(part: Message, kind: str) -> bool:
    try:
        disposition = part.get_content_disposition()
        named = bool(part.get_filename())
    except Exception:  # an unreadable disposition: take the part as a file
        return False
    if disposition == "attachment" or named:
        return False
    # A multipart without a usable boundary arrives as one leaf; its text is the body.
    return kind in {"text/plain", "text/html"} or kind.startswith("multipart/")


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: keep what is there
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if not isinstance(raw, str):
        return b""
    return raw.encode("utf-8", "surrogateescape" if not _has_odd_surrogates(raw) else "replace")


def _has_odd_surrogates(value: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" and not "\udc80" <= ch <= "\udcff" for ch in value)


def _attached_message(part: Message) -> bytes:
    """A forwarded or bounced message, kept as an .eml file."""
    payload = part.get_payload()
    inner = part
    if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], Message):
        inner = payload[0]
    for style in (None, policy.compat32):
        try:
            return inner.as_bytes() if style is None else inner.as_bytes(policy=style)
        except Exception:  # noqa: S112 - try the lenient generator next
            continue
    return b""


def _charset(part: Message) -> str:
    try:
        return part.get_content_charset() or ""
    except Exception:
        return ""


def _decode(data: bytes, charset: str) -> str:
    """Text of a body in its declared charset; an unknown or wrong charset never loses the mail."""
    name = charset.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    text: str | None = None
    if name not in _UNDECLARED:
        try:
            codecs.lookup(name)
            text = data.decode(name, errors="replace")
        except (LookupError, ValueError, TypeError, UnicodeError):
            text = None
        if text is None:
            # An unknown charset: most mail today is UTF-8; what is not becomes U+FFFD.
            text = data.decode("utf-8", errors="replace")
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("windows-1252", errors="replace")
    return _clean(text.replace("\r\n", "\n").replace("\r", "\n"))


def _filename(part: Message) -> str:
    try:
        raw = part.get_filename() or ""
    except Exception:
        raw = ""
    name = _one_line(_decoded_words(_clean(str(raw))) if "=?" in str(raw) else _clean(str(raw)))
    name = posixpath.basename(name.replace("\\", "/")).strip().lstrip(".")
    if not re.search(r"\w", name):
        return ""
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > MAX_EXTENSION_LENGTH:
        stem, extension = name, ""
    extension = f".{extension}" if extension else ""
    return stem[: MAX_FILENAME_LENGTH - len(extension)].strip() + extension


def _fallback_name(kind: str) -> str:
    if kind.startswith("message/"):
        return "message.eml"
    return "attachment" + (mimetypes.guess_extension(kind) or ".bin")


def _message_id(value: str) -> str:
    match = _MESSAGE_ID.search(value)
    if match and len(match.group()) <= MAX_ID_LENGTH:
        return match.group()
    bare = value.strip()
    if (
        bare
        and not any(ch.isspace() or ch in "<>" for ch in bare)
        and len(bare) + 2 <= MAX_ID_LENGTH
    ):
        return f"<{bare}>"
    return ""


def _generated_id(raw: bytes) -> str:
    """The same bytes always get the same id, so a replay of an id-less message is still a no-op."""
    return f"<{hashlib.sha256(raw).hexdigest()}@{GENERATED_ID_DOMAIN}>"


def _thread_refs(mail: _Mail, own_id: str) -> tuple[str, ...]:
    """References oldest first, then In-Reply-To (the message answered), without repeats."""
    found = _MESSAGE_ID.findall(mail.text("References")) + _MESSAGE_ID.findall(
        mail.text("In-Reply-To")
    )
    refs: list[str] = []
    for ref in found:
        if ref in refs:
            refs.remove(ref)
        if ref != own_id and len(ref) <= MAX_ID_LENGTH:
            refs.append(ref)
    return tuple(refs[-MAX_THREAD_REFS:])


def _address(value: str) -> str:
    return _clean(value).strip().lower()


def _plausible(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain) and not any(ch.isspace() for ch in address)


def _decoded_words(value: str) -> str:
    try:
        return _clean(str(make_header(decode_header(value))))
    except Exception:
        return _clean(value)


def _one_line(value: str) -> str:
    """Header text on one line: a newline in a subject would break the reply we send."""
    return " ".join(value.split())


def _clean(value: str) -> str:
    """Valid UTF-8, in NFC, without NULs or control characters other than tab and line ends."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = _unescape(value)
    return unicodedata.normalize("NFC", _CONTROL.sub("", value))


def _unescape(value: str) -> str:
    """Raw 8-bit header bytes reach us as surrogate escapes; they are nearly always UTF-8."""
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("windows-1252", errors="replace")
