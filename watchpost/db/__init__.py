"""Storage base shared by every part that persists: typed declarative Base, engines, sessions."""

from watchpost.db.base import Base, TimestampMixin, utcnow
from watchpost.db.engine import make_engine, make_sessionmaker, session_scope

__all__ = ["Base", "TimestampMixin", "utcnow", "make_engine", "make_sessionmaker", "session_scope"]
