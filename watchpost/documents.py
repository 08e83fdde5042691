"""Reports as documents: one small block model, rendered to PDF (reportlab, with an embedded
CJK TrueType font) and to DOCX (python-docx). Used by the incident reports (CMD-6) and the drill
evaluation reports (DRL-3).

reportlab cannot embed CFF/OpenType CJK fonts (Noto CJK), so PDFs use a TrueType CJK font:
WenQuanYi Zen Hei (Debian fonts-wqy-zenhei), else AR PL UMing; without either a PDF is refused
rather than printed as boxes. A DOCX names its fonts (Noto Sans CJK SC, then SimSun): Word and
LibreOffice substitute what the reader's machine has; a whole CJK font inside every file would
weigh 10-20 MB.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
]
DOCX_FONT = "Noto Sans CJK SC"
_FONT: str | None = None


class DocumentError(RuntimeError):
    """A document cannot be rendered on this machine (no CJK font)."""


def cjk_font_file() -> tuple[str, int]:
    """(path, subfont index) of the first installed TrueType CJK font."""
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    raise DocumentError("no TrueType CJK font installed (Debian package fonts-wqy-zenhei)")


def cjk_font() -> str:
    """The reportlab font name of the CJK font, registered once."""
    global _FONT
    if _FONT:
        return _FONT
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path, index = cjk_font_file()
    pdfmetrics.registerFont(TTFont("WPCJK", path, subfontIndex=index))
    _FONT = "WPCJK"
    return _FONT


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None  # relative column widths


@dataclass
class Image:
    png: bytes
    caption: str = ""
    width_cm: float = 16.0


Block = Heading | Paragraph | Table | Image


@dataclass
class Document:
    title: str
    subtitle: str = ""
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> "Document":
        self.blocks.extend(blocks)
        return self


def to_pdf(doc: Document) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Image as RLImage
    from reportlab.platypus import Paragraph as RLParagraph
    from reportlab.platypus import SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle

    font = cjk_font()
    # wordWrap="CJK" breaks lines between Chinese characters, which have no spaces.
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, wordWrap="CJK")
    heads = {2: ParagraphStyle("h2", fontName=font, fontSize=13, leading=19, spaceBefore=10, wordWrap="CJK"),
             3: ParagraphStyle("h3", fontName=font, fontSize=11, leading=16, spaceBefore=6, wordWrap="CJK")}
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    cell = ParagraphStyle("c", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    caption = ParagraphStyle("cap", fontName=font, fontSize=8.5, leading=12, textColor=colors.grey, wordWrap="CJK")
    page_w, page_h = A4[0] - 4 * cm, A4[1] - 6 * cm
    story = [RLParagraph(escape(doc.title), h1)]
    if doc.subtitle:
        story += [RLParagraph(escape(doc.subtitle), body)]
    story.append(Spacer(1, 6))
    for b in doc.blocks:
        if isinstance(b, Heading):
            story.append(RLParagraph(escape(b.text), heads.get(b.level, heads[3])))
        elif isinstance(b, Paragraph):
            story.append(RLParagraph(escape(b.text).replace("\n", "<br/>"), body))
        elif isinstance(b, Table):
            rel = b.widths or [1.0] * len(b.header)
            widths = [page_w * w / sum(rel) for w in rel]
            data = [[RLParagraph(escape(str(c)), cell) for c in row] for row in [b.header, *b.rows]]
            t = RLTable(data, colWidths=widths, repeatRows=1)
            t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf1")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [Spacer(1, 4), t, Spacer(1, 4)]
        elif isinstance(b, Image):
            img = RLImage(io.BytesIO(b.png))
            # Fit the frame both ways: a picture taller than a page cannot be laid out at all.
            scale = min(1.0, (b.width_cm * cm) / img.imageWidth, page_w / img.imageWidth, page_h / img.imageHeight)
            img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
            story.append(img)
            if b.caption:
                story.append(RLParagraph(escape(b.caption), caption))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=doc.title, leftMargin=2 * cm, rightMargin=2 * cm).build(story)
    return buf.getvalue()


def to_docx(doc: Document) -> bytes:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    d = docx.Document()
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title"):
        style = d.styles[name]
        style.font.name = DOCX_FONT
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), DOCX_FONT)
    d.add_heading(doc.title, level=1)
    if doc.subtitle:
        d.add_paragraph(doc.subtitle)
    for b in doc.blocks:
        if isinstance(b, Heading):
            d.add_heading(b.text, level=min(max(b.level, 1), 3))
        elif isinstance(b, Paragraph):
            d.add_paragraph(b.text)
        elif isinstance(b, Table):
            t = d.add_table(rows=1, cols=len(b.header))
            t.style = "Table Grid"
            for c, text in zip(t.rows[0].cells, b.header):
                c.text = str(text)
                for r in c.paragraphs[0].runs:
                    r.bold = True
            for row in b.rows:
                for c, text in zip(t.add_row().cells, row):
                    c.text = str(text)
                    for r in c.paragraphs[0].runs:
                        r.font.size = Pt(9)
        elif isinstance(b, Image):
            d.add_picture(io.BytesIO(b.png), width=Cm(b.width_cm))
            if b.caption:
                d.add_paragraph(b.caption)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
