"""The README's map of the code ("Where things are") names every app: every directory under src/rondom that is a
Python package (issue 13, point 6: it had left out funding/ and feedback/)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "rondom"


def _code_map() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Where things are", 1)[1]
    return section.split("```", 2)[1]


def test_the_readme_code_map_names_every_package_under_src_rondom() -> None:
    named = set(re.findall(r"^ {2}([a-z_]+)/", _code_map(), flags=re.MULTILINE))
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")}
    assert packages, "no packages found: the test reads the wrong directory"
    assert sorted(packages - named) == []


def test_the_developer_page_exists_and_is_listed() -> None:
    assert (ROOT / "docs" / "adding-a-page.md").is_file()
    assert "adding-a-page.md" in (ROOT / "docs" / "README.md").read_text()
