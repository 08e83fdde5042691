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
