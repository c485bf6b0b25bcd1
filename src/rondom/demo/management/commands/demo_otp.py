from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from rondom.demo import data


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo login (demo data only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if username not in {login.username for login in data.LOGINS if login.organisation}:
            raise CommandError(f"{username} is not a demo login with two-factor authentication.")
        code = totp(bytes.fromhex(data.demo_totp_key(username)))
        self.stdout.write(f"{code:06d}  (secret for an authenticator app: {data.totp_base32(username)})")
