"""Plan documents for the import tests, built here (DOCX with python-docx, text PDFs with
reportlab's CID font, a scanned PDF as one image), so no document file is committed for tests.
Phone numbers are synthetic (138000000xx)."""

from __future__ import annotations

import io
from pathlib import Path

DEMO_DOCX = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "plans" / "tank_farm_fire_plan.docx"

# A second, differently written plan: Chinese numbering (一、/（一）), a role table, duties under
# role headings, levels as 特别重大/较大, an English-number heading style, no scenario cards.
LEAK_PLAN = [
    ("title", "某化工公司液氯泄漏中毒事故专项应急预案"),
    ("h1", "一、总则"),
    ("p", "本预案适用于公司液氯储存及使用过程中发生的泄漏中毒事故。"),
    ("h1", "二、危险性分析"),
    ("p", "液氯钢瓶库房储存液氯，钢瓶阀门损坏或管道破裂可能导致氯气泄漏，造成人员中毒。"),
    ("h1", "三、组织机构及职责"),
    ("h2", "（一）总指挥职责"),
    ("p", "组织指挥全公司的应急救援工作，批准本预案的启动与终止。"),
    ("h2", "（二）抢险救援组职责"),
    ("p", "负责泄漏点的堵漏、倒罐和现场洗消工作。"),
    ("table", [["职务", "姓名", "电话"], ["总指挥", "赵刚", "13800000011"], ["抢险救援组组长", "钱伟", "13800000012"]]),
    ("h1", "四、响应分级"),
    ("p", "特别重大事故（Ⅰ级）：氯气泄漏造成3人以上死亡，或需疏散周边社区时。"),
    ("p", "较大事故（Ⅲ级）：少量泄漏，公司内部力量能够控制。"),
    ("h1", "五、处置措施"),
    ("p", "抢险救援组佩戴正压式空气呼吸器进入现场，在30分钟内完成堵漏。"),
    ("p", "立即启动事故通风和碱液吸收装置。"),
    ("h1", "六、应急保障"),
    ("p", "公司配备正压式空气呼吸器6具、重型防化服4套、堵漏工具2套。"),
    ("h1", "七、其他"),
    ("p", "本预案由安全环保部负责解释。"),
]


def docx_bytes(blocks: list) -> bytes:
    import docx

    d = docx.Document()
    for kind, value in blocks:
        if kind == "title":
            d.add_heading(value, level=0)
        elif kind in ("h1", "h2"):
            d.add_heading(value, level=int(kind[1]))
        elif kind == "table":
            t = d.add_table(rows=0, cols=len(value[0]))
            for row in value:
                for c, v in zip(t.add_row().cells, row):
                    c.text = v
        else:
            d.add_paragraph(value)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def pdf_bytes(lines: list[str], wrap: int = 28) -> bytes:
    """A text PDF as a word processor prints one: long paragraphs wrapped onto several lines."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    y = 800
    for line in lines:
        for k in range(0, len(line), wrap):
            if y < 60:
                c.showPage()
                y = 800
            c.setFont("STSong-Light", 11)
            c.drawString(40, y, line[k:k + wrap])
            y -= 18
        y -= 6
    c.save()
    return buf.getvalue()


def scanned_pdf_bytes() -> bytes:
    """A PDF whose page is a picture of text (what a scanner makes): no text layer."""
    import numpy as np
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.fromarray((np.random.default_rng(1).random((200, 300)) * 255).astype("uint8"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(img), 40, 400, 300, 200)
    c.showPage()
    c.drawImage(ImageReader(img), 40, 400, 300, 200)
    c.save()
    return buf.getvalue()


def plain_lines(blocks: list) -> list[str]:
    out = []
    for kind, value in blocks:
        if kind == "table":
            out += ["  ".join(r) for r in value]
        else:
            out.append(value)
    return out
