"""`manage.py mail_listener` as the Procfile runs it: it says where it listens, keeps answering
even when storing fails, and stops cleanly on SIGTERM."""

import os
import re
import signal
import smtplib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_mail_listener_runs_until_stopped_and_never_crashes():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONUNBUFFERED": "1"}
    # The child gets an empty in-memory database: every store fails, which is what we want to see.
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "mail_listener",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--protocol",
            "smtp",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        output = ""
        for line in process.stdout:
            output += line
            if "Listening for e-mail" in line:
                break
        match = re.search(r"Listening for e-mail \(SMTP\) on 127\.0\.0\.1:(\d+)", output)
        assert match, output
        port = int(match.group(1))

        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            code, _ = client.ehlo()
            assert code == 250
            client.mail("ann@customer.example")
            client.rcpt("help@rapport.example")
            code, _ = client.data(b"From: ann@customer.example\r\nSubject: hi\r\n\r\nhello\r\n")
            assert code == 451  # no tables: the sender is asked to retry …
            assert client.noop()[0] == 250  # … and the listener is still there

        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "Mail listener stopped." in rest
