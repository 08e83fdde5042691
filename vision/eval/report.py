"""report.json (stable schema, docs/evaluation.md) and a one-file HTML report with plots."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vision.eval.images import ImageOutcome

SCHEMA = "watchpost.eval/1"
SUMMARY_CLASS_KEYS = ("ap50", "ap50_95", "precision", "recall", "n_gt")
SUMMARY_CLIP_KEYS = ("events", "detected", "event_recall", "time_to_alarm_p50_s", "time_to_alarm_p95_s",
                     "time_to_alarm_max_s", "within_target", "not_scorable")


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_report(
    set_dir: str,
    detectors: dict[str, dict[str, Any]],
    thresholds: dict[str, Any],
    images: dict[str, Any] | None,
    clips: dict[str, Any] | None,
    clips_error: str | None = None,
) -> dict[str, Any]:
    summary: dict[str, Any] = {"images": None, "clips": None}
    if images is not None:
        s: dict[str, Any] = {
            c: {**{k: v[k] for k in SUMMARY_CLASS_KEYS},
                "image_ap": v["image_level"]["ap"], "image_recall": v["image_level"]["recall"]}
            for c, v in images["classes"].items()
        }
        hn = images["hard_negatives"]
        s["hard_negative_false_positives"] = hn["rate"]
        s["hard_negative_false_positive_count"] = hn["with_false_positive"]
        s["negative_images"] = hn["negative_images"]
        summary["images"] = s
    if clips is not None:
        agg = clips["summary"]
        summary["clips"] = {
            **{t: {k: v[k] for k in SUMMARY_CLIP_KEYS if k in v} for t, v in agg.items() if isinstance(v, dict)
               and "events" in v},
            "false_alarms": agg["false_alarms"],
            "false_alarms_per_hour_negative": agg["false_alarms_per_hour_negative"],
        }
    return {
        "schema": SCHEMA,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "set": set_dir,
        "detectors": detectors,
        "thresholds": thresholds,
        "summary": summary,
        "images": images,
        "clips": clips,
        "clips_error": clips_error,
    }


def write_json(report: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(report, indent=2, allow_nan=False))
    tmp.replace(out)  # nothing half-written on error


def write_pdf(html_file: Path, out: Path, timeout_s: float = 120) -> None:
    """Print the HTML report to PDF with the Debian Chromium the console tests already use (no Python
    PDF stack): the same page, for an acceptance file."""
    exe = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None)
    if exe is None:
        raise FileNotFoundError("--pdf needs Chromium (Debian package `chromium`, installed by `make deps`)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    run = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                          f"--print-to-pdf={tmp}", html_file.resolve().as_uri()],
                         capture_output=True, text=True, timeout=timeout_s)
    if run.returncode != 0 or not tmp.is_file() or tmp.read_bytes()[:5] != b"%PDF-":
        tmp.unlink(missing_ok=True)
        raise ValueError(f"Chromium could not print {html_file} to PDF: {run.stderr.strip()[-300:]}")
    tmp.replace(out)


# ---------------------------------------------------------------- HTML

def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _pr_plot(images: dict[str, Any]) -> str | None:
    if not images or not images["classes"]:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    for c, v in images["classes"].items():
        pr = v["pr_curve_iou50"]
        ax.plot(pr["recall"], pr["precision"], label=f"{c} (AP50 {v['ap50']})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title("Precision-recall, IoU 0.5")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    return _png(fig)


def _tta_plot(clips: dict[str, Any]) -> str | None:
    if not clips:
        return None
    by_type: dict[str, list[float]] = {}
    for c in clips["per_clip"]:
        for e in c["events"]:
            if e["detected"]:
                by_type.setdefault(e["type"], []).append(e["time_to_alarm_s"])
    if not by_type:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist(list(by_type.values()), bins=12, label=list(by_type), stacked=True)
    ax.set_xlabel("time to alarm (s)")
    ax.set_ylabel("events")
    ax.set_title("Time-to-alarm")
    ax.legend()
    return _png(fig)


COLORS = {"fire": (0, 0, 255), "smoke": (160, 160, 160), "person": (255, 128, 0)}


def _frame(o: ImageOutcome, max_side: int = 360) -> str:
    img = cv2.imread(str(o.path))
    for c, b in o.gt:
        cv2.rectangle(img, (int(b[0]), int(b[1])), (int(b[2]), int(b[3])), (0, 255, 0), 2)
    for d in o.dets:
        col = COLORS.get(d.label, (0, 255, 255))
        x1, y1, x2, y2 = (int(v) for v in d.box)
        cv2.rectangle(img, (x1, y1), (x2, y2), col, 2)
        cv2.putText(img, f"{d.label} {d.conf:.2f}", (x1, max(12, y1 - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, col, 1)
    s = max_side / max(img.shape[:2])
    if s < 1:
        img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return base64.b64encode(buf.tobytes()).decode() if ok else ""


def unalarmed_classes(o: ImageOutcome) -> set[str]:
    """Classes the image holds that got no detection at the alarm threshold: a frame an alarm passes over."""
    return {c for c, _ in o.gt} - {d.label for d in o.dets}


def pick_examples(outcomes: list[ImageOutcome], n: int = 4) -> dict[str, list[ImageOutcome]]:
    neg_fp = sorted((o for o in outcomes if not o.gt and o.dets), key=lambda o: -max(d.conf for d in o.dets))
    passed_over = sorted((o for o in outcomes if unalarmed_classes(o)), key=lambda o: -len(o.gt))
    missed = sorted((o for o in outcomes if o.fn and not unalarmed_classes(o)), key=lambda o: -o.fn)
    good = [o for o in outcomes if o.gt and not o.fn and not o.fp]
    step = max(1, len(good) // n) if good else 1
    return {
        "false positives on negative images": neg_fp[:n],
        "images with a class and no alarm for it": passed_over[:n],
        "missed boxes in images that did alarm": missed[:n],
        "correct": good[::step][:n],
    }


def write_html(report: dict[str, Any], out: Path, outcomes: list[ImageOutcome] | None = None) -> None:
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Watchpost evaluation</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}img.ex{margin:3px;max-width:340px}"
        "img{max-width:100%}@media print{body{margin:0;font-size:10pt}table{font-size:8pt}td,th{padding:1px 4px}"
        "h2,h3{break-after:avoid}tr,img{break-inside:avoid}}"
        "</style></head><body>",
        f"<h1>Watchpost evaluation</h1><p>Set <code>{e(report['set'])}</code>, {e(report['created_utc'])}, "
        f"schema {e(report['schema'])}.</p>",
        "<h2>Detectors</h2><ul>",
    ]
    for k, v in report["detectors"].items():
        parts.append(f"<li>{e(k)}: <code>{e(str(v.get('weights')))}</code> sha256 {e(str(v.get('sha256', ''))[:16])}…</li>")
    parts.append(f"</ul><p>Thresholds: <code>{e(json.dumps(report['thresholds']))}</code></p>")
    images = report.get("images")
    if images:
        parts.append(f"<h2>Images ({images['n_images']}, split {e(str(images['split']))})</h2>")
        parts.append("<table><tr><th>class</th><th>GT boxes</th><th>alarm thr</th><th>precision</th>"
                     "<th>recall</th><th>AP50</th><th>AP50-95</th><th>images with class</th><th>image AP</th>"
                     "<th>image recall</th><th>image precision</th></tr>")
        for c, v in images["classes"].items():
            il = v["image_level"]
            parts.append(f"<tr><td>{e(c)}</td><td>{v['n_gt']}</td><td>{v['alarm_threshold']}</td><td>{v['precision']}"
                         f"</td><td>{v['recall']}</td><td>{v['ap50']}</td><td>{v['ap50_95']}</td>"
                         f"<td>{il['images_with_class']}</td><td>{il['ap']}</td><td>{il['recall']}</td>"
                         f"<td>{il['precision']}</td></tr>")
        parts.append("</table><p>Box figures match boxes at IoU 0.5; image figures ask only whether an image "
                     "holding the class got a detection of it at the alarm threshold (what raises an alarm).</p>")
        if images.get("by_source"):
            parts.append("<h3>By source (file-name prefix)</h3><table><tr><th>source</th><th>images</th>"
                         "<th>class</th><th>GT boxes</th><th>AP50</th><th>recall</th><th>image AP</th>"
                         "<th>image recall</th></tr>")
            for src, g in images["by_source"].items():
                for c, v in g["classes"].items():
                    il = v["image_level"]
                    parts.append(f"<tr><td>{e(src)}</td><td>{g['n_images']}</td><td>{e(c)}</td><td>{v['n_gt']}</td>"
                                 f"<td>{v['ap50']}</td><td>{v['recall']}</td><td>{il['ap']}</td>"
                                 f"<td>{il['recall']}</td></tr>")
            parts.append("</table>")
            negs = {src: g for src, g in images["by_source"].items() if g.get("negative_images")}
            if negs:
                parts.append("<table><tr><th>source</th><th>negative images</th><th>alarmed</th></tr>")
                parts += [f"<tr><td>{e(src)}</td><td>{g['negative_images']}</td><td>{g['negatives_alarmed']}</td></tr>"
                          for src, g in negs.items()]
                parts.append("</table>")
        hn = images["hard_negatives"]
        parts.append(f"<p>Negative images with a detection above the alarm threshold: {hn['with_false_positive']}"
                     f" of {hn['negative_images']} (rate {hn['rate']}).</p>")
        conf = images["confusion"]
        parts.append("<h3>Confusion (rows predicted, columns actual)</h3><table><tr><th></th>")
        parts += [f"<th>{e(x)}</th>" for x in conf["labels"]]
        parts.append("</tr>")
        for lab, row in zip(conf["labels"], conf["rows_predicted_cols_actual"]):
            parts.append(f"<tr><th>{e(lab)}</th>" + "".join(f"<td>{x}</td>" for x in row) + "</tr>")
        parts.append("</table>")
        pr = _pr_plot(images)
        if pr:
            parts.append(f"<h3>PR curves</h3><img src='data:image/png;base64,{pr}'>")
        if outcomes:
            parts.append("<h3>Example frames</h3><p>green: ground truth; coloured: detections above the alarm threshold</p>")
            for title, items in pick_examples(outcomes).items():
                if not items:
                    continue
                parts.append(f"<h4>{e(title)}</h4>")
                for o in items:
                    parts.append(f"<img class='ex' title='{e(o.path.name)}' src='data:image/jpeg;base64,{_frame(o)}'>")
    clips = report.get("clips")
    if clips:
        parts.append(f"<h2>Clips (absence threshold {clips['absent_after_s']} s)</h2>")
        parts.append("<table><tr><th>clip</th><th>kind</th><th>events (type@start → alarm)</th><th>false alarms</th></tr>")
        for c in clips["per_clip"]:
            evs = "; ".join(f"{x['type']}@{x['start_s']} → {_event_outcome(x)}" for x in c["events"]) or "—"
            fa = ", ".join(f"{a['type']}@{a['t']}" for a in c["false_alarms"]) or "0"
            parts.append(f"<tr><td>{e(c['file'])}</td><td>{e(c['kind'])}</td><td>{e(evs)}</td><td>{e(fa)}</td></tr>")
        parts.append("</table>")
        parts.append(_clip_summary_table(clips["summary"]))
        tta = _tta_plot(clips)
        if tta:
            parts.append(f"<img src='data:image/png;base64,{tta}'>")
    elif report.get("clips_error"):
        parts.append(f"<h2>Clips</h2><p>Not evaluated: {e(report['clips_error'])}</p>")
    parts.append("</body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(parts))


def _clip_summary_table(agg: dict[str, Any]) -> str:
    cols = ("events", "detected", "not_scorable", "event_recall", "time_to_alarm_p50_s", "time_to_alarm_p95_s",
            "time_to_alarm_max_s", "within_target")
    heads = ("events", "detected", "not scorable", "recall", "time-to-alarm p50 s", "p95 s", "max s",
             "within T + 5 s")
    rows = [f"<tr><th>{html.escape(t)}</th>" + "".join(f"<td>{'—' if v.get(c) is None else v[c]}</td>" for c in cols)
            + "</tr>" for t, v in agg.items() if isinstance(v, dict) and "events" in v]
    per_h = agg.get("false_alarms_per_hour_negative")
    by_type = ", ".join(f"{k} {v}" for k, v in agg.get("false_alarms_by_type", {}).items())
    return ("<h3>Events</h3><table><tr><th>type</th>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr>"
            + "".join(rows) + "</table>"
            + f"<p>False alarms: {agg['false_alarms']} in {agg.get('clips', '?')} clips"
            + (f" ({html.escape(by_type)})" if by_type else "") + "; on negative footage "
            + f"({agg.get('negative_footage_h', 0) * 3600:.0f} s): "
            + f"{agg.get('false_alarms_on_negative_clips', 0)}, "
            + (f"{per_h} an hour" if per_h is not None else "no negative footage") + ".</p>")


def _event_outcome(ev: dict[str, Any]) -> str:
    if ev["detected"]:
        return f"{ev['alarm_t']} (+{ev['time_to_alarm_s']} s)"
    if not ev.get("scorable", True):
        return f"not scored: {ev['reason']}"
    return "MISSED"


def finite(x: Any) -> Any:
    """Replace NaN/inf by None so the JSON stays standard."""
    if isinstance(x, float) and not np.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite(v) for v in x]
    return x
