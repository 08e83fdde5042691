"""CAP 1.2 (OASIS Common Alerting Protocol): export a campaign as an alert, import an
authority's alert as an alarm event. Both sides are validated against the CAP 1.2 XSD."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from comms.models import Campaign, OutboxRecord
from watchpost.events import AlarmEvent, Location

NS = "urn:oasis:names:tc:emergency:cap:1.2"
XSD = Path(__file__).with_name("schemas") / "CAP-v1.2.xsd"
SEVERITY = {"red": "Extreme", "orange": "Severe", "yellow": "Moderate", "blue": "Minor"}
LEVEL_OF = {v: k for k, v in SEVERITY.items()}
URGENCY = {"red": "Immediate", "orange": "Immediate", "yellow": "Expected", "blue": "Future"}


class CapError(ValueError):
    pass


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def cap_time(dt: datetime) -> str:
    # CAP forbids "Z" and fractions: 2026-03-01T08:00:00+00:00
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def polygon_text(ring: list[Any]) -> str:
    """[[lon, lat], ...] -> CAP "lat,lon lat,lon ..." closed, at least 4 pairs."""
    pts = [(float(p[0]), float(p[1])) for p in ring]
    if len(pts) < 3:
        raise CapError("an area polygon needs at least 3 points")
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    return " ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in pts)


def validate(xml: bytes) -> etree._Element:
    try:
        doc = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise CapError(f"not XML: {exc}") from None
    s = schema()
    if not s.validate(doc):
        raise CapError("not a valid CAP 1.2 alert: " + "; ".join(str(e.message) for e in list(s.error_log)[:3]))
    return doc


def export_campaign(db: Session, camp: Campaign, sender: str = "watchpost") -> bytes:
    """The campaign as a CAP 1.2 alert (bytes, UTF-8), validated before it is returned."""
    first = db.execute(select(OutboxRecord).where(OutboxRecord.campaign_id == camp.id)
                       .order_by(OutboxRecord.id).limit(1)).scalar_one_or_none()
    level = camp.level or "blue"

    def sub(parent, tag, text=None):
        el = etree.SubElement(parent, f"{{{NS}}}{tag}")
        if text is not None:
            el.text = str(text)
        return el

    alert = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    ident = f"watchpost-campaign-{camp.id}"
    sub(alert, "identifier", ident)
    sub(alert, "sender", "".join(ch for ch in sender if ch not in " ,<&") or "watchpost")
    sub(alert, "sent", cap_time(camp.created_at))
    sub(alert, "status", "Exercise" if camp.exercise else "Actual")
    sub(alert, "msgType", camp.msg_type if camp.msg_type in ("Alert", "Update", "Cancel") else "Alert")
    sub(alert, "scope", "Public")
    if camp.msg_type in ("Update", "Cancel") and camp.references:
        sub(alert, "references", camp.references)
    info = sub(alert, "info")
    sub(info, "language", "zh-CN")
    sub(info, "category", "Safety")
    sub(info, "event", camp.incident_type or camp.title or "alert")
    sub(info, "urgency", URGENCY.get(level, "Unknown"))
    sub(info, "severity", SEVERITY.get(level, "Unknown"))
    sub(info, "certainty", "Observed" if camp.alarm_id or camp.incident_id else "Likely")
    sub(info, "senderName", sender)
    sub(info, "headline", (camp.title or "")[:160])
    if first is not None:
        sub(info, "description", first.body)
    for key, val in (("campaign_id", camp.id), ("alarm_id", camp.alarm_id), ("incident_id", camp.incident_id),
                     ("warning_id", camp.warning_id), ("level", camp.level)):
        if val is not None:
            p = sub(info, "parameter")
            sub(p, "valueName", f"watchpost:{key}")
            sub(p, "value", val)
    area = sub(info, "area")
    sub(area, "areaDesc", camp.area_desc or "park")
    if camp.area_polygon:
        sub(area, "polygon", polygon_text(camp.area_polygon))
    xml = etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml)
    return xml


def _t(el: etree._Element | None, tag: str) -> str | None:
    if el is None:
        return None
    found = el.find(f"{{{NS}}}{tag}")
    return None if found is None or found.text is None else found.text.strip()


def alert_to_event(xml: bytes) -> AlarmEvent:
    """An authority's CAP alert -> an AlarmEvent for the intake (source "cap")."""
    doc = validate(xml)
    status = _t(doc, "status")
    if status not in ("Actual", "Exercise"):
        raise CapError(f"CAP status {status!r} is not imported (only Actual and Exercise)")
    infos = doc.findall(f"{{{NS}}}info")
    if not infos:
        raise CapError("CAP alert has no <info>")
    info = next((i for i in infos if (_t(i, "language") or "").lower().startswith("zh")), infos[0])
    severity = _t(info, "severity")
    category = (_t(info, "category") or "other").lower()
    lon = lat = None
    area_desc = ""
    area = info.find(f"{{{NS}}}area")
    if area is not None:
        area_desc = _t(area, "areaDesc") or ""
        poly = _t(area, "polygon")
        if poly:
            pts = [tuple(float(x) for x in pair.split(",")) for pair in poly.split()]
            ring = pts[:-1] if len(pts) > 1 and pts[0] == pts[-1] else pts
            lat = sum(p[0] for p in ring) / len(ring)
            lon = sum(p[1] for p in ring) / len(ring)
    sent = datetime.fromisoformat(_t(doc, "sent") or "")
    params = {(_t(p, "valueName") or ""): _t(p, "value") for p in info.findall(f"{{{NS}}}parameter")}
    return AlarmEvent(
        source="cap", source_event_id=f"{_t(doc, 'sender')}/{_t(doc, 'identifier')}"[:200],
        type="cap_" + "".join(ch if ch.isalnum() else "_" for ch in category)[:40],
        level=LEVEL_OF.get(severity or ""), occurred_at=sent,
        location=Location(name=area_desc[:200], lon=lon, lat=lat),
        title=(_t(info, "headline") or _t(info, "event") or "CAP alert")[:300],
        description=(_t(info, "description") or "")[:4000], exercise=status == "Exercise",
        raw={"msgType": _t(doc, "msgType"), "event": _t(info, "event"), "severity": severity,
             "urgency": _t(info, "urgency"), "certainty": _t(info, "certainty"),
             "polygon": _t(area, "polygon") if area is not None else None, "parameters": params},
    )
