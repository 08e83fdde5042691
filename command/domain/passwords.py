"""Password policy (GB/T 22239-2019 level 3, 8.1.4.1: passwords with complexity requirements),
as pure logic: what a password lacks, and a generator for passwords that have it all."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

CLASSES = (("a lower-case letter", string.ascii_lowercase), ("an upper-case letter", string.ascii_uppercase),
           ("a digit", string.digits), ("a symbol", None))


def _classes(password: str) -> list[str]:
    """The character classes ``password`` uses, by name (symbol: anything but ASCII letters and digits)."""
    found = []
    for name, chars in CLASSES:
        if chars is None:
            hit = any(not (c.isascii() and c.isalnum()) for c in password)
        else:
            hit = any(c in chars for c in password)
        if hit:
            found.append(name)
    return found


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 10
    min_classes: int = 3

    def problems(self, password: str, username: str = "") -> list[str]:
        out = []
        if len(password) < self.min_length:
            out.append(f"at least {self.min_length} characters")
        have = _classes(password)
        if len(have) < self.min_classes:
            missing = [name for name, _ in CLASSES if name not in have]
            out.append(f"characters of at least {self.min_classes} kinds of: lower-case, upper-case, digits, "
                       f"symbols (add {' or '.join(missing)})")
        if username and password.casefold() == username.casefold():
            out.append("not the user name")
        return out

    def check(self, password: str, username: str = "") -> None:
        """Raise ValueError("password: needs ...") naming everything the password lacks."""
        missing = self.problems(password, username)
        if missing:
            raise ValueError("password: needs " + "; ".join(missing))


def generate(length: int = 16) -> str:
    """A random password with every character class, for accounts nobody types into (demo, services)."""
    pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "-_.!@#%"]
    chars = [secrets.choice(pool) for pool in pools]
    chars += [secrets.choice("".join(pools)) for _ in range(max(length, len(pools)) - len(pools))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
