"""parse_email over real-world MIME: charsets, encoded headers, HTML-only, attachments, broken
headers; and a property test that arbitrary bytes never raise anything but ValidationFailed."""

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.errors import ValidationFailed
from rapport.interactions.mail.parse import GENERATED_ID_DOMAIN, parse_email

FIXTURES = Path(__file__).parent / "mail"
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


def parse(name: str, **kwargs):
    return parse_email((FIXTURES / name).read_bytes(), now=NOW, **kwargs)


def test_multipart_alternative_keeps_both_bodies_and_decodes_headers():
    inbound = parse("alternative.eml")

    assert inbound.channel == "email"
    assert inbound.source == "email"
    assert inbound.sender_kind == "email"
    assert inbound.conversation_id == "<alt-1@mail.customer.example>"
    assert inbound.sender == "ana.lima@customer.example"
    assert inbound.sender_name == "Ana Líma"
    assert inbound.subject == "Fatura duplicada – por favor verifiquem"
    assert inbound.text == "Olá, recebi a fatura duas vezes.\nObrigada, Ana"
    assert "<b>duas vezes</b>" in inbound.html
    assert inbound.sent_at == datetime(2025, 3, 4, 9, 15, tzinfo=UTC)
    assert inbound.attachments == ()
    assert inbound.thread_refs == ()


def test_multipart_mixed_attachments_are_decoded_with_safe_names():
    inbound = parse("mixed_attachments.eml")

    assert inbound.text == "The router light is red since Monday. Receipt and photo attached."
    assert "<i>red</i>" in inbound.html
    files = {a.filename: a for a in inbound.attachments}
    assert set(files) == {"receipt.pdf", "réseau photo.png", "passwd"}
    assert files["receipt.pdf"].content_type == "application/pdf"
    assert files["receipt.pdf"].content.startswith(b"%PDF-1.4")
    assert files["réseau photo.png"].content.startswith(b"\x89PNG")
    # A path in the name never reaches storage.
    assert files["passwd"].content == b"root:x:0:0"


def test_html_only_mail_gets_its_text_from_the_html_without_script_content():
    inbound = parse("html_only.eml")

    assert inbound.text.splitlines() == [
        "Please call me back on",
        "+44 20 7946 0958.",
        "Thanks & regards,",
        "Wei",
    ]
    assert "stolen" not in inbound.text
    assert "color:red" not in inbound.text
    # The HTML is handed on as received; inbound_receive cleans it before it is stored.
    assert "<script>" in inbound.html


def test_latin1_declared_mail_is_read_as_windows_1252():
    inbound = parse("latin1.eml")

    assert inbound.subject == "Facture de février"
    assert inbound.sender_name == "Éloïse François"
    assert (
        inbound.text == "Bonjour, la facture de février est à 80 € au lieu de 50 €.\nMerci, Éloïse"
    )


def test_windows_1252_body_and_raw_8bit_subject():
    inbound = parse("windows1252.eml")

    assert inbound.text == "That “final” offer isn’t final – I want to cancel."
    assert inbound.subject == "Re: your “final” offer"


def test_iso_2022_jp_headers_and_body():
    inbound = parse("iso2022jp.eml")

    assert inbound.subject == "請求書について"
    assert inbound.sender_name == "田中 花子"
    assert inbound.text == "請求書が二重になっています。確認してください。\n田中"


def test_unknown_charset_is_read_as_utf8_with_replacement():
    inbound = parse("unknown_charset.eml")

    assert inbound.text == "nuqneH \ufffd\ufffd café"
    assert inbound.subject.endswith("café")


def test_missing_date_is_now_and_missing_message_id_is_a_stable_hash():
    first = parse("no_date_no_id.eml")
    again = parse("no_date_no_id.eml")

    assert first.sent_at == NOW
    assert first.conversation_id.endswith(f"@{GENERATED_ID_DOMAIN}>")
    assert first.conversation_id == again.conversation_id
    other = parse_email((FIXTURES / "no_date_no_id.eml").read_bytes() + b"P.S.\n", now=NOW)
    assert other.conversation_id != first.conversation_id


def test_broken_headers_fall_back_without_losing_the_mail():
    inbound = parse("broken_headers.eml")

    assert inbound.sender == "jose.ramos@customer.example"
    assert inbound.sender_name == "Ramos, José"  # raw Latin-1 byte in the header
    assert inbound.subject == "Cancelación urgente folded onto two lines"
    assert inbound.sent_at == NOW  # "yesterday at noon" is no date
    assert inbound.conversation_id == "<not-bracketed-id@customer.example>"
    assert inbound.thread_refs == ("<first-1@customer.example>", "<sent-by-us-1@rapport.example>")
    assert inbound.touchpoint == "help@rapport.example"


def test_a_sender_that_is_not_an_address_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        parse("bad_sender.eml")

    assert caught.value.code == "invalid_email"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n\r\nonly a body",
        b"From: \r\nSubject: no sender\r\n\r\nhi",
        b"Subject: x\r\n\r\nhi",
    ],
)
def test_bytes_that_name_no_sender_are_refused(raw):
    with pytest.raises(ValidationFailed):
        parse_email(raw)


def test_touchpoint_is_the_first_address_we_own_else_the_first_to():
    raw = (
        b"From: ann@customer.example\r\nTo: friend@customer.example, Sales <SALES@rapport.example>\r\n"
        b"Delivered-To: nobody@elsewhere.example\r\nSubject: hi\r\n\r\nhi\r\n"
    )
    ours = {"sales@rapport.example", "help@rapport.example"}

    assert parse_email(raw, is_ours=ours.__contains__).touchpoint == "sales@rapport.example"
    assert parse_email(raw).touchpoint == "friend@customer.example"
    # An envelope recipient we own counts when no header names one of ours.
    bcc = raw.replace(b"SALES@rapport.example", b"sales@other.example")
    chosen = parse_email(bcc, recipients=["Help@Rapport.Example"], is_ours=ours.__contains__)
    assert chosen.touchpoint == "help@rapport.example"


def test_thread_refs_are_references_then_in_reply_to_without_repeats():
    raw = (
        b"From: ann@customer.example\r\nMessage-ID: <3@c.example>\r\n"
        b"References: <1@c.example> <2@r.example>\r\n\t<1@c.example>\r\n"
        b"In-Reply-To: <2@r.example>\r\nSubject: Re: hi\r\n\r\nhi\r\n"
    )

    assert parse_email(raw).thread_refs == ("<1@c.example>", "<2@r.example>")


def test_a_subject_with_a_newline_or_nul_is_one_clean_line():
    raw = (
        b"From: ann@customer.example\r\nSubject: =?utf-8?q?one=0Atwo=00three?=\r\n\r\nbo\x00dy\r\n"
    )

    inbound = parse_email(raw)

    assert inbound.subject == "one twothree"
    assert inbound.text == "body"


def test_dates_in_the_far_future_are_replaced_by_now():
    raw = b"From: ann@customer.example\r\nDate: Tue, 01 Jan 2999 00:00:00 +0000\r\n\r\nhi\r\n"

    assert parse_email(raw, now=NOW).sent_at == NOW


def test_thousands_of_nested_parts_are_refused_not_crashed():
    raw = (
        b"From: a@customer.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
        + b"".join(
            b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (depth - 1, depth)
            for depth in range(1, 1500)
        )
    )

    with pytest.raises(ValidationFailed) as caught:
        parse_email(raw)

    assert caught.value.code == "unreadable"


# Header fields and values that reach the parser's odd corners more often than random bytes do.
_NAMES = [
    b"From",
    b"To",
    b"Cc",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"In-Reply-To",
    b"References",
    b"Content-Type",
    b"Content-Transfer-Encoding",
    b"Content-Disposition",
    b"Delivered-To",
]
_VALUES = [
    b'multipart/mixed; boundary="b"',
    b'multipart/alternative; boundary="b"',
    b"text/html; charset=x-unknown",
    b"text/plain; charset=iso-2022-jp",
    b"text/plain; charset=base64",
    b"base64",
    b"quoted-printable",
    b"=?utf-8?b?w6k=?= <a@b.example>",
    b"=?x-bad?q?=FF?=",
    b"attachment; filename*=utf-8''%C3%A9%00.txt",
    b'attachment; filename="..\\\\"',
    b"message/rfc822",
    b"<a@b> <c@d>",
    b"Ann <ann@x.example>",
    b"\xe9\xff <x@y.example>",
    b'"unterminated <a@',
]


def _header_line():
    value = st.one_of(
        st.sampled_from(_VALUES),
        st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    )
    return st.tuples(st.sampled_from(_NAMES), value).map(lambda nv: nv[0] + b": " + nv[1] + b"\r\n")


def _mail_like():
    part = st.tuples(st.lists(_header_line(), max_size=4), st.binary(max_size=80)).map(
        lambda hb: b"".join(hb[0]) + b"\r\n" + hb[1]
    )
    return st.tuples(
        st.booleans(),
        st.lists(_header_line(), max_size=10),
        st.lists(part, max_size=4),
        st.binary(max_size=100),
    ).map(
        lambda t: (
            (b"From: Ann <ann@customer.example>\r\n" if t[0] else b"")
            + b"".join(t[1])
            + b"\r\n"
            + t[3]
            + b"".join(b"\r\n--b\r\n" + p for p in t[2])
            + b"\r\n--b--\r\n"
        )
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(st.binary(max_size=2000), _mail_like()))
def test_any_bytes_give_a_clean_message_or_validation_failed(raw):
    try:
        inbound = parse_email(raw)
    except ValidationFailed:
        return
    # Whatever came in, what goes to the database is valid UTF-8 without NULs.
    for name, value in dataclasses.asdict(inbound).items():
        if isinstance(value, str):
            value.encode("utf-8")
            assert "\x00" not in value, name
    assert "\n" not in inbound.subject
    assert 0 < len(inbound.conversation_id) <= 255
    assert all(len(ref) <= 255 for ref in inbound.thread_refs)
    for attachment in inbound.attachments:
        attachment.filename.encode("utf-8")
        assert 0 < len(attachment.filename) <= 100
        assert "/" not in attachment.filename
