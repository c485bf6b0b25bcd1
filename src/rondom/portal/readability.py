"""A Dutch readability score for family-facing texts: Flesch-Douma (Douma's Dutch adaptation of Flesch).

    score = 206.84 - 0.93 x (words per sentence) - 77 x (syllables per word)

Higher is easier: 60-70 reads as plain language (about B1), under 50 as difficult. Syllables are counted as
vowel groups (Dutch diphthongs such as ij, ui, oe, eu and ie are one group), which is close enough for a check.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_VOWEL_GROUPS = re.compile(r"[aeiouyàáäëéèïíóöúü]+", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:[-'][A-Za-zÀ-ÿ]+)*")
_SENTENCE_END = re.compile(r"[.!?:]+(?:\s|$)|\n{2,}")


def syllables(word: str) -> int:
    return max(len(_VOWEL_GROUPS.findall(word)), 1)


def flesch_douma(text: str) -> float:
    words = _WORD.findall(text)
    if not words:
        return 100.0
    sentences = max(len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]), 1)
    total_syllables = sum(syllables(w) for w in words)
    return 206.84 - 0.93 * (len(words) / sentences) - 77 * (total_syllables / len(words))


class _MainText(HTMLParser):
    """The visible text inside <main>, one line per block, without scripts, styles or hidden form values."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.depth += 1
        if tag in ("script", "style"):
            self.skip += 1
        if tag in ("p", "li", "h1", "h2", "h3", "td", "th", "label", "legend", "button", "caption", "dt", "dd"):
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.depth -= 1
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.depth > 0 and not self.skip:
            self.parts.append(data)


def main_text(html: str) -> str:
    parser = _MainText()
    parser.feed(html)
    return re.sub(r"[ \t]+", " ", "".join(parser.parts)).strip()
