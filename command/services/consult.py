"""An incident's consultation room (线上会商, DSS-1): messages with an optional file, each on the
incident's timeline (kind "consult") and pushed on topic "consult". Files are size-limited
(``dss.consult_max_file_mb``) and stored by content hash under ``dss.consult_dir``, like plan
attachments: the same file sent twice is stored once.

Functions flush in the caller's transaction; the API commits."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.dss import ConsultMessage
from command.errors import Invalid, NotFound, TooLarge
from command.services import audit, incidents
from command.state import ServiceState

# Served as themselves; anything else is served as application/octet-stream (always as a download).
SAFE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain", "text/csv",
              "application/json", "application/zip", "application/msword", "application/vnd.ms-excel",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "application/vnd.openxmlformats-officedocument.presentationml.presentation",
              "video/mp4", "audio/mpeg", "audio/wav", "application/geo+json"}
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


def file_url(m: ConsultMessage) -> str:
    return f"/api/incidents/{m.incident_id}/consult/{m.id}/file"


def to_json(m: ConsultMessage) -> dict:
    out = {"id": m.id, "incident_id": m.incident_id, "at": m.at.isoformat(), "author": m.author, "role": m.role,
           "body": m.body, "file": None}
    if m.file_sha256:
        out["file"] = {"name": m.file_name, "type": m.file_type, "size": m.file_size, "sha256": m.file_sha256,
                       "url": file_url(m)}
    return out


def messages(db: Session, incident_id: int, after_id: int | None = None, limit: int = 500) -> list[ConsultMessage]:
    incidents.get(db, incident_id)
    q = select(ConsultMessage).where(ConsultMessage.incident_id == incident_id)
    if after_id is not None:
        q = q.where(ConsultMessage.id > after_id)
    return list(db.execute(q.order_by(ConsultMessage.id).limit(limit)).scalars())


def _store_file(root: Path, filename: str, data: bytes) -> tuple[str, Path]:
    sha = hashlib.sha256(data).hexdigest()
    suffix = Path(filename).suffix.lower()
    path = root / sha[:2] / (sha + (suffix if _SUFFIX.match(suffix) else ""))
    if not path.exists():  # content-addressed: identical files are stored once
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return sha, path


def post(db: Session, state: ServiceState, author: str, role: str, incident_id: int, body: str,
         filename: str | None = None, data: bytes | None = None) -> ConsultMessage:
    """A message (text, a file, or both) in the incident's room."""
    cfg = state.config.dss
    i = incidents.get(db, incident_id)
    body = body.strip()
    has_file = data is not None and filename is not None
    if has_file and len(data) > cfg.consult_max_file_mb * 1024 * 1024:  # type: ignore[arg-type]
        raise TooLarge(f"file: larger than dss.consult_max_file_mb = {cfg.consult_max_file_mb:g} MB")
    if has_file and not data:
        raise Invalid("file: empty")
    if not body and not has_file:
        raise Invalid("body: give a message or a file")
    now = state.clock.now()
    m = ConsultMessage(incident_id=i.id, at=now, author=author, role=role, body=body)
    if has_file:
        name = Path(filename.replace("\\", "/")).name.strip()[:300] or "file"  # type: ignore[union-attr]
        sha, path = _store_file(Path(cfg.consult_dir), name, data)  # type: ignore[arg-type]
        m.file_name, m.file_size, m.file_sha256, m.file_path = name, len(data), sha, str(path)  # type: ignore[arg-type]
        m.file_type = (mimetypes.guess_type(name)[0] or "application/octet-stream")[:100]
    db.add(m)
    db.flush()
    out = to_json(m)
    incidents.add_entry(db, i, author, "consult", now, note=body[:500],
                        data={"message_id": m.id, "role": role,
                              **({"file": {k: out["file"][k] for k in ("name", "size", "sha256", "url")}}
                                 if out["file"] else {})})
    audit.record(db, author, "consult.message", "incident", i.id,
                 after={"message_id": m.id, "body": body[:2000], "file": out["file"]}, clock=state.clock)
    state.push.record(db, "consult", "message", out)
    return m


def get_file(db: Session, incident_id: int, message_id: int) -> tuple[ConsultMessage, Path, str]:
    """The stored file of a message and the type it is served as."""
    m = db.get(ConsultMessage, message_id)
    if m is None or m.incident_id != incident_id or not m.file_path or not Path(m.file_path).exists():
        raise NotFound(f"no file on message {message_id} of incident {incident_id}")
    media = m.file_type if m.file_type in SAFE_TYPES else "application/octet-stream"
    return m, Path(m.file_path), media
