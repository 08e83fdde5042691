"""MANSCDP (GB/T 28181-2016 Annex A): the XML bodies of MESSAGE requests, in GB2312 as devices send them:
Keepalive, Catalog, DeviceInfo/DeviceStatus, DeviceControl (PTZCmd), RecordInfo, MediaStatus.

Python's expat cannot read a multi-byte encoding named in the XML declaration, so a body is
decoded here first: GB2312 and GBK are read as GB18030 (a superset of both: devices that say
GB2312 often send GBK characters in names), UTF-8 as UTF-8 (2022-era devices and WVP use it).
Bodies we write are GB2312, with any character outside it as an XML character reference.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_\-]+)[\"'][^>]*\?>", re.I)
_sn = itertools.count(1)


def next_sn() -> int:
    return next(_sn)


@dataclass
class Manscdp:
    kind: str  # Query | Response | Notify | Control
    cmd: str  # CmdType: Keepalive, Catalog, DeviceInfo, DeviceStatus, DeviceControl, ...
    sn: int
    device_id: str
    root: ET.Element = field(repr=False)

    def text(self, tag: str, default: str = "") -> str:
        el = self.root.find(tag)
        return (el.text or "").strip() if el is not None and el.text else default

    def fields(self) -> dict[str, str]:
        """The leaf elements directly under the root (DeviceInfo, DeviceStatus answers)."""
        return {child.tag: (child.text or "").strip() for child in self.root if len(child) == 0}


def decode(body: bytes) -> str:
    m = _DECL.match(body)
    enc = (m.group(1).decode().lower() if m else "utf-8")
    if enc in ("gb2312", "gbk", "gb18030", "euc-cn"):
        enc = "gb18030"
    try:
        text = body.decode(enc, errors="replace")
    except LookupError:
        text = body.decode("gb18030", errors="replace")
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def parse(body: bytes) -> Manscdp:
    """ValueError when the body is not a MANSCDP document."""
    try:
        root = ET.fromstring(decode(body).strip())
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    cmd = root.findtext("CmdType")
    if cmd is None:
        raise ValueError("no CmdType")
    sn = root.findtext("SN") or "0"
    return Manscdp(root.tag, cmd.strip(), int(sn.strip()) if sn.strip().isdigit() else 0,
                   (root.findtext("DeviceID") or "").strip(), root)


def encode(root: ET.Element) -> bytes:
    xml = ET.tostring(root, encoding="unicode")
    return b'<?xml version="1.0" encoding="GB2312"?>\r\n' + xml.encode("gb2312", errors="xmlcharrefreplace") + b"\r\n"


def build(kind: str, cmd: str, sn: int, device_id: str, **children: str | int) -> bytes:
    root = ET.Element(kind)
    for tag, value in (("CmdType", cmd), ("SN", sn), ("DeviceID", device_id), *children.items()):
        ET.SubElement(root, tag).text = str(value)
    return encode(root)


def query(cmd: str, device_id: str, sn: int | None = None) -> tuple[int, bytes]:
    sn = next_sn() if sn is None else sn
    return sn, build("Query", cmd, sn, device_id)


def keepalive(device_id: str, sn: int, status: str = "OK") -> bytes:
    return build("Notify", "Keepalive", sn, device_id, Status=status)


# -- Catalog (A.2.4.4 query, A.2.6.4 response) -----------------------------------------------

@dataclass
class Channel:
    device_id: str
    name: str = ""
    manufacturer: str = ""
    model: str = ""
    parent_id: str = ""
    status: str = ""  # ON / OFF as sent (some devices send ONLINE / OFFLINE)
    ptz_type: int | None = None  # 1 dome, 2 half-dome, 3 fixed box, 4 fixed remote-controlled; None = not sent
    address: str = ""
    longitude: float | None = None
    latitude: float | None = None

    @property
    def online(self) -> bool:
        return self.status.upper() in ("ON", "ONLINE", "OK")


def _float(s: str | None) -> float | None:
    try:
        return float(s) if s not in (None, "") else None
    except ValueError:
        return None


def _listed(msg: Manscdp, list_tag: str) -> tuple[int, list[Callable[[str], str]]]:
    """(SumNum, one text reader per item of ``list_tag``) of a list answer (Catalog, RecordInfo)."""
    lst = msg.root.find(list_tag)

    def reader(item) -> Callable[[str], str]:  # noqa: ANN001
        return lambda tag: (item.findtext(tag) or "").strip()

    return int((msg.text("SumNum") or "0") or 0), [reader(item) for item in (lst if lst is not None else [])]


def catalog_items(msg: Manscdp) -> tuple[int, list[Channel]]:
    """(SumNum, the channels in this message) of a Catalog response; a device may split its list
    over several MESSAGEs, each with the same SN."""
    total, items = _listed(msg, "DeviceList")
    out = []
    for t in items:
        ptz = t("Info/PTZType") or t("PTZType")
        out.append(Channel(device_id=t("DeviceID"), name=t("Name"), manufacturer=t("Manufacturer"), model=t("Model"),
                           parent_id=t("ParentID"), status=t("Status"), ptz_type=int(ptz) if ptz.isdigit() else None,
                           address=t("Address"), longitude=_float(t("Longitude")), latitude=_float(t("Latitude"))))
    return total, out


def _list_response(cmd: str, sn: int, device_id: str, list_tag: str, rows: list[list[tuple[str, object]]],
                   total: int | None, name: str | None = None) -> tuple[ET.Element, list[ET.Element]]:
    """A list answer's head (CmdType, SN, DeviceID[, Name], SumNum) and one ``Item`` per row of (tag, value)."""
    root = ET.Element("Response")
    head = [("CmdType", cmd), ("SN", sn), ("DeviceID", device_id)] + ([("Name", name)] if name is not None else [])
    for tag, value in head + [("SumNum", total if total is not None else len(rows))]:
        ET.SubElement(root, tag).text = str(value)
    lst = ET.SubElement(root, list_tag, Num=str(len(rows)))
    items = []
    for row in rows:
        item = ET.SubElement(lst, "Item")
        for tag, value in row:
            ET.SubElement(item, tag).text = str(value)
        items.append(item)
    return root, items


def catalog_response(device_id: str, sn: int, channels: list[Channel], total: int | None = None) -> bytes:
    rows = [[("DeviceID", ch.device_id), ("Name", ch.name), ("Manufacturer", ch.manufacturer), ("Model", ch.model),
             ("Owner", "Owner"), ("CivilCode", ch.device_id[:6]), ("Address", ch.address), ("Parental", 0),
             ("ParentID", ch.parent_id or device_id), ("SafetyWay", 0), ("RegisterWay", 1), ("Secrecy", 0),
             ("Status", ch.status or "ON")] for ch in channels]
    root, items = _list_response("Catalog", sn, device_id, "DeviceList", rows, total)
    for ch, item in zip(channels, items):
        if ch.ptz_type is not None:
            ET.SubElement(ET.SubElement(item, "Info"), "PTZType").text = str(ch.ptz_type)
    return encode(root)


# -- DeviceControl (A.2.3.1: PTZCmd) -------------------------------------------------------------

def device_control(channel_id: str, sn: int, ptz_cmd: str, priority: int = 5) -> bytes:
    """A DeviceControl asking ``channel_id`` to run ``ptz_cmd`` (16 hex digits, ``ptz.encode``)."""
    root = ET.Element("Control")
    for tag, value in (("CmdType", "DeviceControl"), ("SN", sn), ("DeviceID", channel_id), ("PTZCmd", ptz_cmd)):
        ET.SubElement(root, tag).text = str(value)
    ET.SubElement(ET.SubElement(root, "Info"), "ControlPriority").text = str(priority)
    return encode(root)


# -- RecordInfo (A.2.4.5 query, A.2.6.5 response) ------------------------------------------------

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"  # local time, no zone, as devices keep it


@dataclass
class Record:
    """One recording a device holds for a channel; ``start``/``end`` in the device's local time (naive)."""

    device_id: str
    start: datetime
    end: datetime
    name: str = ""
    file_path: str = ""
    address: str = ""
    type: str = "time"  # time | alarm | manual
    recorder_id: str = ""
    file_size: int | None = None


def parse_time(s: str) -> datetime | None:
    try:
        return datetime.strptime(s.strip()[:19], TIME_FORMAT)
    except ValueError:
        return None


def record_query(channel_id: str, sn: int, start: datetime, end: datetime, type_: str = "all") -> bytes:
    """Ask for ``channel_id``'s recordings between two local (naive) times."""
    return build("Query", "RecordInfo", sn, channel_id, StartTime=start.strftime(TIME_FORMAT),
                 EndTime=end.strftime(TIME_FORMAT), Secrecy=0, Type=type_)


def record_items(msg: Manscdp) -> tuple[int, list[Record]]:
    """(SumNum, the recordings in this message) of a RecordInfo response; like Catalog, one answer may
    come in several MESSAGEs with the same SN. Items without a readable start and end are skipped."""
    total, items = _listed(msg, "RecordList")
    out = []
    for t in items:
        start, end = parse_time(t("StartTime")), parse_time(t("EndTime"))
        if start is None or end is None:
            continue
        size = t("FileSize")
        out.append(Record(device_id=t("DeviceID") or msg.device_id, start=start, end=end, name=t("Name"),
                          file_path=t("FilePath"), address=t("Address"), type=t("Type") or "time",
                          recorder_id=t("RecorderID"), file_size=int(size) if size.isdigit() else None))
    return total, out


def record_response(channel_id: str, sn: int, records: list[Record], total: int | None = None,
                    name: str = "") -> bytes:
    rows = [[("DeviceID", r.device_id), ("Name", r.name), ("FilePath", r.file_path), ("Address", r.address),
             ("StartTime", r.start.strftime(TIME_FORMAT)), ("EndTime", r.end.strftime(TIME_FORMAT)), ("Secrecy", 0),
             ("Type", r.type), ("RecorderID", r.recorder_id),
             ("FileSize", r.file_size if r.file_size is not None else "")] for r in records]
    return encode(_list_response("RecordInfo", sn, channel_id, "RecordList", rows, total, name=name)[0])


# -- MediaStatus (A.2.5.4: a playback or download reached the end of its file) -----------------------

MEDIA_FILE_END = "121"


def media_status(device_id: str, sn: int) -> bytes:
    return build("Notify", "MediaStatus", sn, device_id, NotifyType=MEDIA_FILE_END)
