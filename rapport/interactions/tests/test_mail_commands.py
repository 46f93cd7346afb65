"""The mail commands as the Procfile runs them: they say what they do, keep going when storing
fails, and stop cleanly on SIGTERM."""

import os
import re
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

from rapport.interactions.tests.mail_servers import FakeImapServer

ROOT = Path(__file__).resolve().parents[3]


def start_command(*args: str, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    # The child gets an empty in-memory database: every store fails, which is what we want to see.
    environment.pop("DATABASE_URL", None)
    return subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_until(process: subprocess.Popen, text: str) -> str:
    assert process.stdout is not None
    output = ""
    for line in process.stdout:
        output += line
        if text in line:
            return output
    raise AssertionError(output)


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        rest, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, rest
    return rest


def test_mail_listener_runs_until_stopped_and_never_crashes():
    process = start_command("mail_listener", "--host", "127.0.0.1", "--port", "0")
    try:
        output = read_until(process, "Listening for e-mail")
        match = re.search(r"Listening for e-mail \(SMTP\) on 127\.0\.0\.1:(\d+)", output)
        assert match, output

        with smtplib.SMTP("127.0.0.1", int(match.group(1)), timeout=10) as client:
            assert client.ehlo()[0] == 250
            client.mail("ann@customer.example")
            client.rcpt("help@rapport.example")
            code, _ = client.data(b"From: ann@customer.example\r\nSubject: hi\r\n\r\nhello\r\n")
            assert code == 451  # no tables: the sender is asked to retry …
            assert client.noop()[0] == 250  # … and the listener is still there
    finally:
        rest = stop(process)
    assert "Mail listener stopped." in rest


def test_imap_poll_keeps_polling_until_stopped():
    with FakeImapServer() as server:
        uid = server.mailbox.add(b"From: ann@customer.example\r\nSubject: hi\r\n\r\nhello\r\n")
        process = start_command(
            "imap_poll",
            RAPPORT_IMAP_HOST="127.0.0.1",
            RAPPORT_IMAP_PORT=str(server.port),
            RAPPORT_IMAP_SSL="false",
            RAPPORT_IMAP_USER="service",
            RAPPORT_IMAP_PASSWORD="mailbox-secret",
            RAPPORT_IMAP_POLL_SECONDS="1",
        )
        try:
            read_until(process, "Polling 127.0.0.1")
            deadline = time.monotonic() + 15
            while len(server.mailbox.logins) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            rest = stop(process)

    assert len(server.mailbox.logins) >= 2  # it polled again after a failed store
    assert not server.mailbox.seen(uid)  # what could not be stored waits for a later poll
    assert "stays unseen for the next poll" in rest
