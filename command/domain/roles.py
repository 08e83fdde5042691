"""Roles and what they may do. Pure data: the API checks routes against it."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    commander = "commander"
    duty_officer = "duty_officer"
    drill_organizer = "drill_organizer"
    evaluator = "evaluator"
    viewer = "viewer"
    service = "service"  # vision workers and other systems


HUMAN_ROLES = tuple(r for r in Role if r is not Role.service)
# Anyone signed in as a person may read the operational picture.
READERS = (Role.admin, Role.commander, Role.duty_officer, Role.drill_organizer, Role.evaluator, Role.viewer)
OPERATORS = (Role.admin, Role.commander, Role.duty_officer)
COMMANDERS = (Role.admin, Role.commander)
ADMINS = (Role.admin,)
