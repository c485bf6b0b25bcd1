from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from rondom.demo import data


def _latest_mailed_code(username: str) -> str:
    """Families get their code by e-mail; in development e-mail is written to files (settings.EMAIL_FILE_PATH)."""
    import re
    from pathlib import Path

    from django.conf import settings

    folder = Path(getattr(settings, "EMAIL_FILE_PATH", ""))
    address = f"{username}@demo.rondom.invalid"
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []:
        for message in reversed(path.read_text(errors="replace").split("-" * 79)):
            found = re.search(r"\b(\d{6})\b", message.split("\n\n", 1)[-1])
            if address in message and found:
                return found.group(1) + "  (the latest code e-mailed to " + address + ")"
    raise CommandError(f"No code has been e-mailed to {address} yet: log in at /portaal/inloggen/ first.")


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo login, or the latest e-mailed code of a family login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if username in {login.username for login in data.LOGINS if not login.organisation}:
            self.stdout.write(_latest_mailed_code(username))
            return
        if username not in {login.username for login in data.LOGINS if login.organisation}:
            raise CommandError(f"{username} is not a demo login with two-factor authentication.")
        code = totp(bytes.fromhex(data.demo_totp_key(username)))
        self.stdout.write(f"{code:06d}  (secret for an authenticator app: {data.totp_base32(username)})")
