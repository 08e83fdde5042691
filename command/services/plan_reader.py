"""A plan document (DOCX, text PDF) read into numbered paragraphs in reading order (PLAN-5).

DOCX keeps its paragraphs, heading styles and tables (one paragraph per table row). A PDF has
lines, not paragraphs: lines are joined back into paragraphs where the text runs on (no sentence
end, no new number). A PDF whose pages carry (almost) no text is a scan: it is refused with the
reason, not imported as an empty plan.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from command.domain.plan_headings import Paragraph, heading_depth
from command.errors import Invalid

# Under this many characters per page on average, a PDF is a scan (page numbers and stamps only).
SCAN_CHARS_PER_PAGE = 40


def read_document(filename: str, data: bytes) -> list[Paragraph]:
    """The paragraphs of a plan to import; a scan or a document without text is refused with the reason."""
    out, pages = _read(filename, data)
    chars = sum(len(re.sub(r"\s", "", p.text)) for p in out)
    if pages is not None and (not pages or chars < SCAN_CHARS_PER_PAGE * pages):
        raise Invalid(f"file: this PDF has no text layer ({chars} characters on {pages} pages): it looks "
                      "scanned and needs OCR before it can be imported; upload it as an attachment instead")
    if not out:
        raise Invalid("file: the document has no text")
    return out


def document_text(filename: str, data: bytes) -> str:
    """A document's text for the search index: a scan or an empty document gives what text it has."""
    return "\n".join(p.text for p in _read(filename, data)[0])


def _read(filename: str, data: bytes) -> tuple[list[Paragraph], int | None]:
    """A DOCX or PDF as numbered paragraphs in reading order, and a PDF's page count."""
    ext = Path(filename).suffix.lower()
    if ext not in (".docx", ".pdf"):
        raise Invalid(f"file: a plan document is DOCX or PDF, got {ext or 'no extension'!r}")
    if not data:
        raise Invalid("file: empty")
    try:
        return (_docx(data), None) if ext == ".docx" else _pdf(data)
    except Exception as e:  # a corrupt file is bad input, not a server error
        raise Invalid(f"file: cannot read {ext[1:].upper()} ({type(e).__name__}: {e})") from None


def _docx(data: bytes) -> list[Paragraph]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    d = docx.Document(io.BytesIO(data))
    out: list[Paragraph] = []
    for child in d.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = DocxParagraph(child, d)
            text = p.text.strip()
            if text:
                out.append(Paragraph(len(out), text, style=p.style.name if p.style is not None else ""))
        elif tag == "tbl":
            for row in Table(child, d).rows:
                cells: list[str] = []
                for c in row.cells:  # merged cells repeat: keep each once
                    t = c.text.strip()
                    if not cells or t != cells[-1]:
                        cells.append(t)
                if any(cells):
                    out.append(Paragraph(len(out), " | ".join(cells), cells=tuple(cells)))
    return out


_RUNS_ON = re.compile(r"[^。；;：:！!？?]$")


def _pdf(data: bytes) -> tuple[list[Paragraph], int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = [(pg.extract_text() or "") for pg in reader.pages]
    out: list[Paragraph] = []
    for page_no, text in enumerate(pages, start=1):
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        lines = [ln for ln in lines if not re.fullmatch(r"[-—\s]*\d+[-—\s]*|第\s*\d+\s*页.*", ln)]  # page numbers
        if not lines:
            continue
        width = sorted(len(ln) for ln in lines)[len(lines) * 3 // 4]  # a full line's length on this page
        buf = ""
        for ln in lines:
            starts_new = heading_depth(Paragraph(0, ln)) is not None or re.match(
                r"^([（(]?\d+[)）.、．]|[①②③④⑤⑥⑦⑧⑨⑩]|[一二三四五六七八九十]+、)", ln)
            if buf and (starts_new or not _RUNS_ON.search(buf) or len(buf.splitlines()[-1]) < width * 0.8
                        or heading_depth(Paragraph(0, buf)) is not None):
                out.append(Paragraph(len(out), buf.replace("\n", ""), page=page_no))
                buf = ""
            buf = f"{buf}\n{ln}" if buf else ln
        if buf:
            out.append(Paragraph(len(out), buf.replace("\n", ""), page=page_no))
    return out, len(pages)
