from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand

from rondom.demo import casework, data


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = data.load()
        casework.generate(random.Random(2026))
        self.stdout.write(f"Demo logins (password for all: {data.DEMO_PASSWORD}):")
        for login in logins:
            second = "2FA: make otp USER=" + login.username if login.organisation else "no 2FA (family)"
            self.stdout.write(f"  {login.username:<11} {login.role:<22} {second}")
        self.stdout.write("  Authenticator apps: make otp USER=<login> also prints the secret to scan or type in.")
