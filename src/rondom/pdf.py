"""The one font of every PDF the product makes (issue 11 point 9).

reportlab's built-in fonts (Helvetica, Times, Courier) are the 14 standard PDF fonts in WinAnsi encoding: they hold
no Ş, ı, Ł, ř, ğ, ő, ž and print a black box instead, so the names of many families in the Netherlands came out
wrong. Every PDF therefore uses DejaVu Sans (regular, bold, oblique, bold oblique), a TrueType font covering Latin
Extended-A/B, embedded (as a subset) in the PDF by reportlab's `TTFont`.

The font files come from Debian's `fonts-dejavu-core` package (installed by `make setup`) in
`/usr/share/fonts/truetype/dejavu/`; the setting `RONDOM_PDF_FONT_DIR` points elsewhere if needed.
`register()` is idempotent and is called by `font()`/`bold()`, so any code that draws text asks this module for the
font name instead of naming one itself; `document()` and `drawing()` make a platypus document and a chart whose
canvas state starts in it. A test refuses the built-in font names anywhere else in the source."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import SimpleDocTemplate

FAMILY = "DejaVuSans"
REGULAR, BOLD, ITALIC, BOLD_ITALIC = FAMILY, f"{FAMILY}-Bold", f"{FAMILY}-Oblique", f"{FAMILY}-BoldOblique"
DEFAULT_DIR = "/usr/share/fonts/truetype/dejavu"
FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}

_lock = threading.Lock()
_registered = False


def font_dir() -> Path:
    return Path(getattr(settings, "RONDOM_PDF_FONT_DIR", "") or DEFAULT_DIR)


def register() -> None:
    """Register the DejaVu Sans family with reportlab once per process (so `<b>` and `<i>` in a Paragraph pick the
    bold and oblique faces). Raises ImproperlyConfigured when a font file is missing."""
    global _registered
    if _registered:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if _registered:
            return
        for name, file in FILES.items():
            path = font_dir() / file
            if not path.is_file():
                raise ImproperlyConfigured(
                    f"PDF font {path} is missing: install fonts-dejavu-core (make setup) or set RONDOM_PDF_FONT_DIR."
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        for bold, italic, name in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, ITALIC), (1, 1, BOLD_ITALIC)):
            addMapping(FAMILY, bold, italic, name)
        _registered = True


def font() -> str:
    """The regular face's name for reportlab (`fontName=`), registered."""
    register()
    return REGULAR


def bold() -> str:
    """The bold face's name for reportlab, registered."""
    register()
    return BOLD


def document(out: IO[bytes], **options: Any) -> SimpleDocTemplate:
    """A reportlab SimpleDocTemplate writing to `out` whose canvas starts in DejaVu Sans (without this, reportlab
    puts Helvetica into every page's resources); `options` as SimpleDocTemplate takes them."""
    from reportlab.platypus import SimpleDocTemplate

    return SimpleDocTemplate(out, initialFontName=font(), **options)


def styles(*, title: float = 16, h2: float = 12, head: float = 8) -> dict[str, ParagraphStyle]:
    """The paragraph styles every Rondom PDF shares, all in the embedded DejaVu Sans (so that names such as Şükran
    Yıldız print as written): "title", "h2", "h3", "body", "small" (grey), "cell" and "head" (table cells). Sizes in
    points; `title`, `h2` and `head` may differ per document. A document adds its own styles to the dict."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    regular, heavy = font(), bold()
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontName=heavy, fontSize=title, leading=title + 4, alignment=0
        ),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=heavy, fontSize=h2, leading=h2 + 3, spaceBefore=8),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontName=heavy, fontSize=10, leading=13, spaceBefore=4),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName=regular, fontSize=9.5, leading=12.5),
        "small": ParagraphStyle(
            "small", parent=base["BodyText"], fontName=regular, fontSize=8, leading=10, textColor=colors.grey
        ),
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontName=regular, fontSize=8, leading=9.5),
        "head": ParagraphStyle("head", parent=base["BodyText"], fontName=heavy, fontSize=head, leading=head + 1.5),
    }


def drawing(width: float, height: float) -> Drawing:
    """A reportlab Drawing (a chart) of `width` × `height` points whose text state starts in DejaVu Sans."""
    from reportlab.graphics.shapes import Drawing

    shape = Drawing(width, height)
    shape.initialFontName = font()
    return shape
