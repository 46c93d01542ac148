"""The receipt of a submitted offer as PDF (reportlab): the confirmation of submission, so
that nobody has to print, sign and carry the offer to the office.

The font must have Polish letters (ą, ę, ł, ż …): reportlab's built-in Helvetica has none,
so DejaVu Sans is embedded from the system fonts (Debian's fonts-dejavu-core). Without it
the PDF would silently drop letters; instead ReceiptFontMissing says what to install.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from workflow.calendar import format_local

from .templatetags.offers_tags import render_formatted

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    "PozytekSans": "DejaVuSans.ttf",
    "PozytekSans-Bold": "DejaVuSans-Bold.ttf",
    "PozytekMono": "DejaVuSansMono.ttf",
}


class ReceiptFontMissing(RuntimeError):
    """The TTF font with Polish letters is not installed."""


def register_fonts(font_dir: Path = FONT_DIR) -> None:
    for filename in FONTS.values():
        if not (font_dir / filename).is_file():
            raise ReceiptFontMissing(
                _(
                    "The PDF needs the font {file} (with Polish letters), which is not in {dir}. Install the "
                    "package fonts-dejavu-core (apt-get install fonts-dejavu-core)."
                ).format(file=filename, dir=font_dir)
            )
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in FONTS.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(font_dir / filename)))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName="PozytekSans", fontSize=10, leading=14, alignment=TA_LEFT)
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontName="PozytekSans-Bold", fontSize=16, leading=20, spaceAfter=4 * mm
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName="PozytekSans-Bold",
            fontSize=12,
            leading=16,
            spaceBefore=5 * mm,
            spaceAfter=2 * mm,
        ),
        "label": ParagraphStyle(
            "label",
            parent=base,
            fontName="PozytekSans-Bold",
            fontSize=9,
            leading=12,
            textColor=colors.HexColor("#333333"),
        ),
        "mono": ParagraphStyle("mono", parent=base, fontName="PozytekMono", fontSize=8.5, leading=11),
        "lead": ParagraphStyle(
            "lead",
            parent=base,
            fontSize=10.5,
            leading=15,
            spaceBefore=2 * mm,
            spaceAfter=7 * mm,
            leftIndent=3 * mm,
            rightIndent=3 * mm,
            borderColor=colors.black,
            borderWidth=0.8,
            borderPadding=3 * mm,
            backColor=colors.HexColor("#f3f5f8"),
        ),
        "body": ParagraphStyle("body", parent=base, spaceAfter=2 * mm),
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#444444")
        ),
    }


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Blocks(HTMLParser):
    """The sanitised HTML of a formatted text (p, br, ul/ol/li, strong, em) -> reportlab flowables."""

    INLINE = {"strong": "b", "em": "i"}

    def __init__(self, style: ParagraphStyle):
        super().__init__(convert_charrefs=True)
        self.style = style
        self.flowables: list = []
        self.buffer: list[str] = []
        self.lists: list[tuple[str, list]] = []

    def _flush(self):
        text = "".join(self.buffer).strip()
        self.buffer = []
        if not text:
            return
        paragraph = Paragraph(text, self.style)
        if self.lists:
            self.lists[-1][1].append(ListItem(paragraph, leftIndent=12))
        else:
            self.flowables.append(paragraph)

    def handle_starttag(self, tag, attrs):
        if tag in self.INLINE:
            self.buffer.append(f"<{self.INLINE[tag]}>")
        elif tag == "br":
            self.buffer.append("<br/>")
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append((tag, []))
        elif tag in ("p", "li"):
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.INLINE:
            self.buffer.append(f"</{self.INLINE[tag]}>")
        elif tag in ("p", "li"):
            self._flush()
        elif tag in ("ul", "ol") and self.lists:
            self._flush()
            kind, items = self.lists.pop()
            flowable = ListFlowable(
                items,
                bulletType="1" if kind == "ol" else "bullet",
                start=None if kind == "ol" else "•",
                leftIndent=14,
                bulletFontName="PozytekSans",
                bulletFontSize=9,
                spaceAfter=2 * mm,
            )
            if self.lists:
                self.lists[-1][1].append(ListItem(flowable))
            else:
                self.flowables.append(flowable)

    def handle_data(self, data):
        self.buffer.append(_escape(data))

    def close(self):
        super().close()
        self._flush()
        while self.lists:
            self.handle_endtag(self.lists[-1][0])
        return self.flowables


def formatted_flowables(text: str, style: ParagraphStyle) -> list:
    parser = _Blocks(style)
    parser.feed(render_formatted(text))
    return parser.close()


def receipt_pdf(offer, *, facts: list[tuple[str, str]], font_dir: Path = FONT_DIR) -> bytes:
    """The receipt of a submitted offer as PDF bytes."""
    register_fonts(font_dir)
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Confirmation of submission of an offer") + f" {offer.number}",
        author="Pożytek",
        subject=offer.title,
        lang="pl",
    )
    story: list = [
        Paragraph(_escape(offer.competition.authority.name), styles["small"]),
        Spacer(1, 2 * mm),
        Paragraph(_escape(_("Confirmation of submission of an offer")), styles["title"]),
        Paragraph(
            _escape(
                _(
                    "This receipt confirms that the offer below was submitted electronically to the "
                    "authority. It is the confirmation of submission: the offer need not be printed, "
                    "signed or delivered on paper."
                )
            ),
            styles["lead"],
        ),
    ]
    rows = [
        [Paragraph(_escape(label), styles["label"]), Paragraph(_escape(value or "—"), styles["base"])]
        for label, value in facts
    ]
    rows.append(
        [
            Paragraph(_escape(_("SHA-256 of the submitted content")), styles["label"]),
            Paragraph(_escape(offer.snapshot_sha256), styles["mono"]),
        ]
    )
    table = Table(rows, colWidths=[52 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9ced6")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story.append(table)
    synthesis = ((offer.snapshot or {}).get("sections") or {}).get("task", {}).get("synthesis", "")
    if synthesis:
        story.append(Paragraph(_escape(_("Synthetic description of the task (III.3)")), styles["h2"]))
        story.extend(formatted_flowables(synthesis, styles["body"]))
    story.extend(
        [
            Spacer(1, 6 * mm),
            HRFlowable(width="100%", thickness=0.4, color=colors.HexColor("#c9ced6")),
            Paragraph(
                _escape(
                    _(
                        "The SHA-256 is a fingerprint of the submitted content: any change to it would "
                        "give a different value. The time is the server's clock, Polish time "
                        "(Europe/Warsaw). "
                        "Generated {at}."
                    ).format(at=format_local(timezone.now()))
                ),
                styles["small"],
            ),
        ]
    )
    document.build(story)
    return buffer.getvalue()
