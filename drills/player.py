"""Simulated seats: a program that plays every role of a running drill through the public API,
as people at the consoles would, after a reaction time (``watchpost drill run --play``).

For demonstrations, for the benchmark, and to rehearse a scenario before people sit it: it
verifies the inject's alarm, opens the incident, activates the named plan (or the best match),
notifies, dispatches (the named resource, or the nearest), files the first report, and marks
the acknowledgements and tasks done. It needs an account that may do all of that (an admin).
What it cannot do (no plan matches, no resource near) it leaves undone: the report then says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

RECORDED = {"verify_alarm", "open_incident", "activate_plan", "notify", "dispatch", "first_report"}


@dataclass
class Player:
    api: httpx.Client
    drill_id: int
    react_s: float = 1.0  # wall seconds between a task appearing and acting on it
    log: list[str] = field(default_factory=list)
    _seen: dict[int, float] = field(default_factory=dict)
    _tried: set[int] = field(default_factory=set)
    _incident: dict[str, int] = field(default_factory=dict)  # inject -> incident id
    _alarm: dict[str, dict[str, Any]] = field(default_factory=dict)  # inject -> its first alarm

    def say(self, text: str) -> None:
        self.log.append(text)

    def step(self) -> dict[str, Any]:
        """One look at the drill and whatever is due; the drill as it stands."""
        d = self.api.get(f"/api/drills/{self.drill_id}").raise_for_status().json()
        now = time.monotonic()
        open_tasks = [t for t in d["tasks"] if t["done_s"] is None and t["id"] not in self._tried]
        if open_tasks:
            alarms = self._alarms()
            for t in sorted(open_tasks, key=lambda t: (t["due_s"], t["id"])):
                if now - self._seen.setdefault(t["id"], now) < self.react_s:
                    continue
                if t["action"] in RECORDED and t["inject"] not in alarms and t["inject"] not in self._alarm:
                    continue  # its alarm has not come yet (a clip takes seconds to be recognised)
                self._alarm.setdefault(t["inject"], alarms.get(t["inject"], {}))
                self._act(t)
        return d

    def _alarms(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for e in self.api.get(f"/api/drills/{self.drill_id}/timeline").raise_for_status().json():
            if e["kind"] == "alarm":
                out.setdefault(e["data"]["inject"], e["data"])
        return out

    def _act(self, t: dict[str, Any]) -> None:
        action, inject = t["action"], t["inject"]
        try:
            if action in ("acknowledge", "task"):
                self._ok(self.api.post(f"/api/drills/tasks/{t['id']}/done", json={"note": "simulated seat"}))
            elif action == "verify_alarm":
                self._ok(self.api.post(f"/api/alarms/{self._alarm[inject]['alarm_id']}/verify", json={"verdict": "drill"}))
            else:
                incident = self._incident_of(inject)
                if action == "activate_plan":
                    self._activate(t, incident)
                elif action == "notify":
                    alarm = self.api.get(f"/api/alarms/{self._alarm[inject]['alarm_id']}").json()
                    self._ok(self.api.post(f"/api/comms/incidents/{incident}/notify", json={
                        "level": alarm["level"], "title": alarm["title"][:300], "exercise": True}))
                elif action == "dispatch":
                    self._dispatch(incident, t["spec"].get("resource"))
                elif action == "first_report":
                    self._ok(self.api.post(f"/api/incidents/{incident}/reports", json={
                        "kind": "initial", "body": f"演练首报：{self._alarm[inject].get('type', '')}", "to_authority":
                        "园区应急管理局"}))
            self.say(f"{t['role']}: {action} ({inject})")
        except (httpx.HTTPStatusError, LookupError) as exc:
            self.say(f"{t['role']}: {action} ({inject}) not done: {exc}")
        self._tried.add(t["id"])

    @staticmethod
    def _ok(r: httpx.Response) -> dict[str, Any]:
        if r.status_code >= 400:
            raise httpx.HTTPStatusError(f"{r.status_code} {r.text[:200]}", request=r.request, response=r)
        return r.json() if r.content else {}

    def _incident_of(self, inject: str) -> int:
        if inject not in self._incident:
            alarm = self.api.get(f"/api/alarms/{self._alarm[inject]['alarm_id']}").json()
            if alarm.get("incident_id"):
                self._incident[inject] = alarm["incident_id"]
            else:
                inc = self._ok(self.api.post("/api/incidents", json={"alarm_ids": [alarm["id"]]}))
                self._incident[inject] = inc["id"]
                self._ok(self.api.post(f"/api/incidents/{inc['id']}/transitions", json={"to": "verified"}))
        return self._incident[inject]

    def _activate(self, t: dict[str, Any], incident: int) -> None:
        plan = t["spec"].get("plan")
        if plan is None:
            matches = self._ok(self.api.get(f"/api/incidents/{incident}/plan-matches"))
            if not matches:
                raise LookupError("no plan matches the incident")
            plan = matches[0]["plan_id"]
        self._ok(self.api.post(f"/api/incidents/{incident}/activate-plan",
                               json={"plan_id": plan, "response_level": t["spec"]["level"]}))

    def _dispatch(self, incident: int, code: str | None) -> None:
        if code is not None:
            found = [r for r in self._ok(self.api.get("/api/resources", params={"q": "", "limit": 1000}))
                     if r["code"] == code]
            pick = found[0]["id"] if found else None
        else:
            near = self.api.get(f"/api/incidents/{incident}/nearest-resources", params={"k": 1})
            pick = near.json()[0]["resource"]["id"] if near.status_code == 200 and near.json() else None
        if pick is None:
            any_team = self._ok(self.api.get("/api/resources", params={"kind": "team", "limit": 1}))
            if not any_team:
                raise LookupError("no resource to dispatch")
            pick = any_team[0]["id"]
        self._ok(self.api.post(f"/api/incidents/{incident}/dispatches", json={"resource_id": pick, "quantity": 1}))
