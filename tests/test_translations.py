"""Dutch first: every text of the interface has a Dutch translation, and nothing is marked fuzzy."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PO = Path(settings.SRC_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def untranslated(po_text: str) -> list[str]:
    entries = po_text.split("\n\n")[1:]
    missing = []
    for entry in entries:
        if entry.startswith("#~"):
            continue
        if "#, fuzzy" in entry or re.search(r'msgstr(\[\d\])? ""\s*(\n(?!")|$)', entry + "\n"):
            missing.append(entry.strip())
    return missing


def test_the_dutch_catalog_covers_every_text_in_the_code(tmp_path: Path) -> None:
    copy = tmp_path / "rondom"
    shutil.copytree(settings.SRC_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "makemessages",
            "-l",
            "nl",
            "--no-location",
            "-i",
            "migrations/*",
            "-i",
            "*/tests/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    regenerated = (copy / "locale" / "nl" / "LC_MESSAGES" / "django.po").read_text()
    assert untranslated(regenerated) == [], "run makemessages and translate the new texts"
    assert untranslated(PO.read_text()) == []
