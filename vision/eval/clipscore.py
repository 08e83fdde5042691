"""Score rule alarms from replayed clips against clips.json ground truth (pure, no I/O).

Matching rules (docs/evaluation.md):
- fire/smoke: the first alarm of the event's type at or after ``start_s`` (and before the
  next event of that type) detects it; time-to-alarm = t - start_s. Later alarms in the same
  window are repeats (re-alarms after the cooldown), not false alarms. An alarm before
  ``start_s``, or of a type the clip has no event for, is a false alarm.
- off_post: the rule can only fire once the post has been empty for the configured
  ``absent_after_s`` (T), so an alarm matches the event when t >= start_s + T - grace_s
  (grace covers the 0.5 s labelling step and a person fading out of the ROI). It is on time
  when t - start_s <= T + late_s (the VID-3 target is T + 5 s). A clip that ends before
  start_s + T + late_s without the alarm cannot show whether the system meets the target: the
  event is ``scorable: false`` and left out of the recall, never counted as a miss (the spec:
  "scoring must allow for" the configured T).
"""

from __future__ import annotations

from dataclasses import dataclass

from vision.eval.dataset import ClipRecord
from vision.eval.metrics import percentile

EVENT_TYPES = ("fire", "smoke", "off_post")


@dataclass(frozen=True)
class Alarm:
    type: str
    t: float


def score_clip(
    rec: ClipRecord,
    alarms: list[Alarm],
    absent_after_s: float,
    grace_s: float = 1.0,
    late_s: float = 5.0,
) -> dict[str, object]:
    alarms = sorted(alarms, key=lambda a: a.t)
    used: set[int] = set()
    events_out = []
    for etype in EVENT_TYPES:
        evs = sorted((e for e in rec.events if e.type == etype), key=lambda e: e.start_s)
        shift = (absent_after_s - grace_s) if etype == "off_post" else 0.0
        for k, ev in enumerate(evs):
            lo = ev.start_s + shift
            hi = evs[k + 1].start_s + shift if k + 1 < len(evs) else float("inf")
            hits = [i for i, a in enumerate(alarms) if a.type == etype and lo - 1e-9 <= a.t < hi]
            used.update(hits)
            out: dict[str, object] = {"type": etype, "start_s": ev.start_s, "detected": bool(hits),
                                      "scorable": True}
            if etype == "off_post" and not hits and rec.duration_s < ev.start_s + absent_after_s + late_s:
                out["scorable"] = False
                out["reason"] = (f"the clip ends {rec.duration_s - ev.start_s:.1f} s after the post empties; "
                                 f"an on-time alarm needs {absent_after_s + late_s:g} s (T {absent_after_s:g} s "
                                 f"+ {late_s:g} s)")
            if hits:
                tta = alarms[hits[0]].t - ev.start_s
                out["alarm_t"] = round(alarms[hits[0]].t, 3)
                out["time_to_alarm_s"] = round(tta, 3)
                out["repeats"] = len(hits) - 1
                if etype == "off_post":
                    out["within_target"] = tta <= absent_after_s + late_s
            events_out.append(out)
    false = [{"type": a.type, "t": round(a.t, 3)} for i, a in enumerate(alarms) if i not in used]
    return {
        "file": rec.file,
        "kind": rec.kind,
        "duration_s": rec.duration_s,
        "events": events_out,
        "alarms": [{"type": a.type, "t": round(a.t, 3)} for a in alarms],
        "false_alarms": false,
    }


def aggregate(clips: list[dict[str, object]]) -> dict[str, object]:
    """Per event type recall and time-to-alarm; false alarms overall and per negative hour."""
    out: dict[str, object] = {}
    for etype in EVENT_TYPES:
        evs = [e for c in clips for e in c["events"] if e["type"] == etype]  # type: ignore[union-attr]
        if not evs:
            continue
        ttas = [float(e["time_to_alarm_s"]) for e in evs if e["detected"]]
        scorable = sum(1 for e in evs if e.get("scorable", True))
        d: dict[str, object] = {
            "events": len(evs),
            "detected": len(ttas),
            "not_scorable": len(evs) - scorable,
            "event_recall": round(len(ttas) / scorable, 4) if scorable else None,
            "time_to_alarm_p50_s": _r(percentile(ttas, 50)),
            "time_to_alarm_p95_s": _r(percentile(ttas, 95)),
            "time_to_alarm_max_s": _r(max(ttas) if ttas else None),
        }
        if etype == "off_post":
            d["within_target"] = sum(1 for e in evs if e.get("within_target"))
        out[etype] = d
    false_total = sum(len(c["false_alarms"]) for c in clips)  # type: ignore[arg-type]
    neg = [c for c in clips if not c["events"]]
    neg_h = sum(float(c["duration_s"]) for c in neg) / 3600.0  # type: ignore[arg-type]
    neg_false = sum(len(c["false_alarms"]) for c in neg)  # type: ignore[arg-type]
    by_type: dict[str, int] = {}
    for c in clips:
        for a in c["false_alarms"]:  # type: ignore[union-attr]
            by_type[a["type"]] = by_type.get(a["type"], 0) + 1
    out["false_alarms"] = false_total
    out["false_alarms_by_type"] = by_type
    out["negative_footage_h"] = round(neg_h, 5)
    out["false_alarms_on_negative_clips"] = neg_false
    out["false_alarms_per_hour_negative"] = round(neg_false / neg_h, 2) if neg_h > 0 else None
    out["clips"] = len(clips)
    return out


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)
