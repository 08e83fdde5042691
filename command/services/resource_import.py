"""Resource import/export as CSV or XLSX with a per-row error report (RES-1, RES-2).

Every row is validated first. With any error nothing is imported unless ``partial`` is asked, in
which case the good rows are imported and the bad ones reported. Row numbers are the sheet's
(the header is row 1).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.resources import Resource
from command.errors import Invalid
from command.services import audit
from command.services.resources import ResourceIn

COLUMNS = ["kind", "code", "name", "category", "site", "location_name", "lon", "lat", "quantity",
           "required_quantity", "unit", "status", "contact", "phone", "members", "expires_on", "inspection_due_on"]


def _rows(filename: str, data: bytes) -> list[dict[str, Any]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:
            raise Invalid(f"file: not a readable XLSX ({type(e).__name__})") from None
        it = wb.active.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it, [])]
        return [dict(zip(header, r)) for r in it if any(v not in (None, "") for v in r)]
    if name.endswith(".csv"):
        try:
            txt = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("file: CSV must be UTF-8") from None
        return [r for r in csv.DictReader(io.StringIO(txt)) if any((v or "").strip() for v in r.values() if isinstance(v, str))]
    raise Invalid("file: .csv or .xlsx expected")


def _clean(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in raw.items():
        if k is None:
            continue
        k = str(k).strip()
        if isinstance(v, str):
            v = v.strip()
        if v in ("", None):
            continue
        if hasattr(v, "date") and k in ("expires_on", "inspection_due_on"):
            v = v.date()
        if k == "members" and isinstance(v, str):
            v = [m.strip() for m in v.replace("；", ";").split(";") if m.strip()]
        if k == "code":
            v = str(v)
        out[k] = v
    return out


def parse(db: Session, filename: str, data: bytes) -> tuple[list[tuple[int, ResourceIn]], list[dict]]:
    raw = _rows(filename, data)
    if not raw:
        raise Invalid("file: no data rows")
    header = set(raw[0].keys())
    for need in ("kind", "name"):
        if need not in header:
            raise Invalid(f"file: column {need!r} missing; columns: {', '.join(COLUMNS)}")
    good, errors, codes = [], [], {}
    existing = set()
    file_codes = [str(r.get("code")).strip() for r in raw if r.get("code") not in (None, "")]
    for chunk in range(0, len(file_codes), 500):
        existing |= set(db.execute(select(Resource.code).where(Resource.code.in_(file_codes[chunk:chunk + 500]))).scalars())
    for i, r in enumerate(raw, start=2):
        row = _clean(r)
        unknown = sorted(set(row) - set(ResourceIn.model_fields))
        bad = False
        for u in unknown:
            errors.append({"row": i, "field": u, "reason": "unknown column"})
            bad = True
        try:
            item = ResourceIn.model_validate({k: v for k, v in row.items() if k not in unknown})
        except ValidationError as e:
            for err in e.errors():
                errors.append({"row": i, "field": ".".join(str(p) for p in err["loc"]) or "(row)", "reason": err["msg"]})
            continue
        if item.code:
            if item.code in existing:
                errors.append({"row": i, "field": "code", "reason": f"code {item.code!r} already exists"})
                bad = True
            elif item.code in codes:
                errors.append({"row": i, "field": "code", "reason": f"code {item.code!r} repeats row {codes[item.code]}"})
                bad = True
            else:
                codes[item.code] = i
        if not bad:
            good.append((i, item))
    return good, errors


def import_file(db: Session, state: Any, actor: str, filename: str, data: bytes, partial: bool = False) -> dict:
    good, errors = parse(db, filename, data)
    if errors and not partial:
        return {"imported": 0, "rejected": len({e["row"] for e in errors}), "errors": errors, "applied": False}
    now = state.clock.now()
    objs = [Resource(**item.model_dump(), created_at=now, updated_at=now) for _, item in good]
    db.add_all(objs)
    db.flush()
    audit.record(db, actor, "resource.import", "resource_import", None,
                 after={"file": filename, "imported": len(objs), "rejected_rows": sorted({e["row"] for e in errors}),
                        "ids": [o.id for o in objs][:1000]}, clock=state.clock)
    db.commit()
    return {"imported": len(objs), "rejected": len({e["row"] for e in errors}), "errors": errors, "applied": True}


def export(db: Session, fmt: str, kind: str | None = None) -> tuple[bytes, str]:
    q = select(Resource).order_by(Resource.id)
    if kind:
        q = q.where(Resource.kind == kind)
    rows = []
    for r in db.execute(q).scalars():
        d = {c: getattr(r, c) for c in COLUMNS}
        d["members"] = ";".join(r.members or [])
        rows.append(d)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS)
        w.writeheader()
        for d in rows:
            w.writerow({k: ("" if v is None else v) for k, v in d.items()})
        return buf.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "resources"
        ws.append(COLUMNS)
        for d in rows:
            ws.append([d[c] for c in COLUMNS])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    raise Invalid("format: csv or xlsx")
