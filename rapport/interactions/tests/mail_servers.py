"""Stand-ins for the mail servers outside the machine: one that collects what we send over SMTP,
and a small IMAP4rev1 server speaking just enough for imaplib (CAPABILITY, LOGIN, SELECT,
UID SEARCH UNSEEN, UID FETCH, UID STORE +FLAGS, LOGOUT).

The IMAP server keeps real \\Seen semantics: fetching BODY[] or RFC822 marks a message seen,
BODY.PEEK[] does not.
"""

import asyncio
import re
import socketserver
import threading
from dataclasses import dataclass, field

from aiosmtpd.smtp import Envelope

SEEN = "\\Seen"


class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[StoredMail] = []
        self.lock = threading.Lock()
        self.logins: list[tuple[str, str]] = []

    def add(self, raw: bytes) -> int:
        with self.lock:
            uid = (self.mails[-1].uid if self.mails else 0) + 1
            self.mails.append(StoredMail(uid=uid, raw=raw))
            return uid

    def seen(self, uid: int) -> bool:
        return SEEN in self._get(uid).flags

    def mark_unseen(self, uid: int) -> None:
        self._get(uid).flags.discard(SEEN)

    def _get(self, uid: int) -> StoredMail:
        return next(mail for mail in self.mails if mail.uid == uid)


_COMMAND = re.compile(r"^(\S+) (\S+)(?: (.*))?$")
_FETCH_ITEM = re.compile(
    r"RFC822\.SIZE|BODY\.PEEK\[(HEADER)?\]|BODY\[(HEADER)?\]|RFC822|FLAGS|UID", re.I
)


class _ImapSession(socketserver.StreamRequestHandler):
    server: "_ImapServer"
    disable_nagle_algorithm = True

    def handle(self) -> None:
        self.say("* OK [CAPABILITY IMAP4rev1] test server ready")
        while line := self.rfile.readline():
            match = _COMMAND.match(line.decode("ascii", "replace").rstrip("\r\n"))
            if not match:
                self.say("* BAD unreadable command")
                continue
            tag, command, args = match.group(1), match.group(2).upper(), match.group(3) or ""
            if command == "UID":
                command, _, args = args.partition(" ")
                command = "UID " + command.upper()
            handler = getattr(self, "do_" + command.replace(" ", "_"), None)
            if handler is None:
                self.say(f"{tag} BAD unknown command {command}")
                continue
            if handler(tag, args) == "bye":
                return

    def say(self, text: str, literal: bytes | None = None, tail: str = "") -> None:
        data = text.encode("ascii")
        if literal is not None:
            data += f" {{{len(literal)}}}\r\n".encode() + literal + tail.encode("ascii")
        self.wfile.write(data + b"\r\n")

    @property
    def mailbox(self) -> Mailbox:
        return self.server.mailbox

    def do_CAPABILITY(self, tag: str, args: str) -> None:
        self.say("* CAPABILITY IMAP4rev1")
        self.say(f"{tag} OK CAPABILITY completed")

    def do_LOGIN(self, tag: str, args: str) -> None:
        user, _, password = args.partition(" ")
        self.mailbox.logins.append((user.strip('"'), password.strip('"')))
        self.say(f"{tag} OK LOGIN completed")

    def do_SELECT(self, tag: str, args: str) -> None:
        self.say(f"* {len(self.mailbox.mails)} EXISTS")
        self.say("* 0 RECENT")
        self.say("* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
        self.say(f"{tag} OK [READ-WRITE] SELECT completed")

    def do_UID_SEARCH(self, tag: str, args: str) -> None:
        assert args.upper() == "UNSEEN", args
        uids = [str(mail.uid) for mail in self.mailbox.mails if SEEN not in mail.flags]
        self.say("* SEARCH" + "".join(" " + uid for uid in uids))
        self.say(f"{tag} OK SEARCH completed")

    def do_UID_FETCH(self, tag: str, args: str) -> None:
        uid_text, _, items = args.partition(" ")
        for number, mail in enumerate(self.mailbox.mails, start=1):
            if str(mail.uid) != uid_text:
                continue
            wanted = [m.group(0).upper() for m in _FETCH_ITEM.finditer(items)]
            head = f"* {number} FETCH (UID {mail.uid}"
            literal_name, literal = None, None
            for item in wanted:
                if item == "RFC822.SIZE":
                    head += f" RFC822.SIZE {len(mail.raw)}"
                elif item == "FLAGS":
                    head += f" FLAGS ({' '.join(sorted(mail.flags))})"
                elif item in {"BODY.PEEK[HEADER]", "BODY[HEADER]"}:
                    literal_name, literal = (
                        "BODY[HEADER]",
                        mail.raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n",
                    )
                elif item in {"BODY.PEEK[]", "BODY[]", "RFC822"}:
                    literal_name = "RFC822" if item == "RFC822" else "BODY[]"
                    literal = mail.raw
                if item in {"BODY[]", "BODY[HEADER]", "RFC822"}:
                    mail.flags.add(SEEN)
            if literal is not None:
                self.say(f"{head} {literal_name}", literal, ")")
            else:
                self.say(head + ")")
        self.say(f"{tag} OK FETCH completed")

    def do_UID_STORE(self, tag: str, args: str) -> None:
        uid_text, _, change = args.partition(" ")
        assert change.upper().startswith("+FLAGS"), change
        for number, mail in enumerate(self.mailbox.mails, start=1):
            if str(mail.uid) == uid_text:
                mail.flags.update(re.findall(r"\\\w+", change))
                self.say(
                    f"* {number} FETCH (UID {mail.uid} FLAGS ({' '.join(sorted(mail.flags))}))"
                )
        self.say(f"{tag} OK STORE completed")

    def do_LOGOUT(self, tag: str, args: str) -> str:
        self.say("* BYE logging out")
        self.say(f"{tag} OK LOGOUT completed")
        return "bye"


class _ImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox):
        super().__init__(("127.0.0.1", 0), _ImapSession)
        self.mailbox = mailbox


class FakeImapServer:
    """`with FakeImapServer() as server:` — server.port, server.mailbox."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self._server = _ImapServer(self.mailbox)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> "FakeImapServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def strict_async_checks(monkeypatch) -> None:
    """Make Django refuse ORM calls from a running event loop, as in production, so a listener
    that touched the database on its loop fails the test. Not possible while this test process
    runs Playwright, whose event loop lives in the main thread for the whole session."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
