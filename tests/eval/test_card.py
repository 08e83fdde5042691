"""Model cards (VID-13): generated sections from the run and harness, hand-written sections kept."""

from __future__ import annotations

from pathlib import Path

from vision.train import card

ROOT = Path(__file__).resolve().parents[2]


def render(extra: str = "") -> str:
    return card.render(name="firesmoke", kind="firesmoke", purpose="Detects fire.", recipe={"epochs": 3},
                       train_metrics=None, summary={"fire": {"ap50": 0.5}}, report_cmd="watchpost vision eval ...",
                       onnx_check=None, failure_modes=["Misses close-ups."], extra=extra)


def test_regenerating_a_card_keeps_its_hand_written_sections() -> None:
    hand = f"{card.HAND_WRITTEN}\n\n## Real fire video\nhouse6: fire after 13.5 s.\n"
    old = render(hand)
    new = card.render(name="firesmoke", kind="firesmoke", purpose="Detects fire.", recipe={"epochs": 9},
                      train_metrics=None, summary={"fire": {"ap50": 0.6}}, report_cmd="watchpost vision eval ...",
                      onnx_check=None, failure_modes=["Misses close-ups."], extra=card.kept_sections(old))
    assert new.count("## Real fire video") == 1 and new.endswith(hand)
    assert '"ap50": 0.6' in new and '"ap50": 0.5' not in new and '"epochs": 9' in new
    assert "## Known failure modes" in new and new.index("## Known failure modes") < new.index(card.HAND_WRITTEN)


def test_a_card_without_the_marker_has_nothing_to_keep() -> None:
    assert card.kept_sections(render()) == ""


def test_shipped_cards_mark_their_hand_written_sections() -> None:
    """The shipped cards' clip, real-video and target sections must survive a re-ship."""
    for name in ("firesmoke", "person"):
        text = (ROOT / "models" / name / "card.md").read_text()
        tail = card.kept_sections(text)
        assert tail and "## Targets (issue #5)" in tail and "## Metrics" not in tail


def _group(ap50: float, image_ap: float) -> dict[str, object]:
    return {"n_images": 10, "classes": {
        "fire": {"n_gt": 4, "ap50": ap50, "recall": 0.5, "image_level": {"ap": image_ap, "recall": 0.9}},
        "smoke": {"n_gt": 0, "ap50": None, "recall": None, "image_level": {"ap": None, "recall": None}}}}


def test_card_shows_box_and_image_figures_by_source() -> None:
    """VID-12: the card puts each source's box AP50 beside its image-level AP; classes absent there are left out."""
    text = card.metrics_section({"fire": {"ap50": 0.5}}, "watchpost vision eval ...",
                                {"f8": _group(0.86, 0.97), "fa": _group(0.52, 0.99)})
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert rows == ["| `f8` | 10 | fire | 4 | 0.86 | 0.5 | 0.97 | 0.9 |", "| `fa` | 10 | fire | 4 | 0.52 | 0.5 | 0.99 | 0.9 |"]
    # Sources with negative images get their own small table.
    negs = {"f8": _group(0.86, 0.97), "cn": {**_group(0.5, 0.9), "negative_images": 57, "negatives_alarmed": 2}}
    assert "| `cn` | 57 | 2 |" in card.metrics_section({"fire": {"ap50": 0.5}}, "cmd", negs).splitlines()
    assert "alarmed |" not in text
    # One source (the person set has no prefixes) adds nothing to the overall figures.
    assert "By source" not in card.metrics_section({"fire": {"ap50": 0.5}}, "cmd", {"": _group(0.5, 0.9)})
