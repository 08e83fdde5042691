"""Detection metrics on hand-made cases with known answers (VID-12)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vision.eval.metrics import (
    BACKGROUND,
    ClassStats,
    ImageLevelStats,
    average_precision,
    confusion_with_background,
    iou_matrix,
    match_detections,
    percentile,
)


def test_iou_known_values() -> None:
    """VID-12: IoU of overlapping, disjoint, identical and nested boxes."""
    a = [[0, 0, 2, 2]]
    b = [[1, 1, 3, 3], [5, 5, 6, 6], [0, 0, 2, 2], [0, 0, 1, 2]]
    got = iou_matrix(a, b)[0]
    assert got == pytest.approx([1 / 7, 0.0, 1.0, 0.5])
    assert iou_matrix([], b).shape == (0, 4)


def test_ap_interpolates_precision_envelope() -> None:
    """VID-12: TP, FP, TP over 2 ground truths -> AP = 0.5*1 + 0.5*(2/3)."""
    ap, rec, prec = average_precision([True, False, True], [0.9, 0.8, 0.7], n_gt=2)
    assert ap == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert rec.tolist() == pytest.approx([0.5, 0.5, 1.0])
    assert prec.tolist() == pytest.approx([1.0, 0.5, 2 / 3])


def test_ap_order_is_by_score_not_input_order() -> None:
    """VID-12: ranked FP, TP, TP -> precision 1/2 then 2/3; the envelope makes AP = 2/3."""
    ap, _, prec = average_precision([True, True, False], [0.5, 0.4, 0.9], n_gt=2)
    assert prec.tolist() == pytest.approx([0.0, 0.5, 2 / 3])
    assert ap == pytest.approx(2 / 3)


def test_ap_edge_cases() -> None:
    assert average_precision([], [], n_gt=3)[0] == 0.0
    assert math.isnan(average_precision([False], [0.9], n_gt=0)[0])
    assert average_precision([True, True], [0.9, 0.1], n_gt=2)[0] == pytest.approx(1.0)
    # Half the objects never found: recall tops out at 0.5.
    assert average_precision([True], [0.9], n_gt=2)[0] == pytest.approx(0.5)


def test_duplicate_detection_is_false_positive() -> None:
    """VID-12: one object claimed once; the lower-scored duplicate is an FP."""
    tp = match_detections([[0, 0, 10, 10], [0, 0, 10, 9]], [0.6, 0.9], [[0, 0, 10, 10]], (0.5,))
    # The 0.9 box (second row) claims the object even though the first overlaps it better.
    assert tp[:, 0].tolist() == [False, True]


def test_ap50_95_counts_iou_thresholds() -> None:
    """VID-12: a single detection with IoU 0.6 is a TP at 0.50, 0.55, 0.60 only -> AP50-95 = 0.3."""
    st = ClassStats("fire")
    # GT 10x10; detection 10x6 inside it -> IoU 0.6
    st.add([[0, 0, 10, 6]], [0.8], [[0, 0, 10, 10]])
    s = st.summary(conf=0.5)
    assert s["ap50"] == pytest.approx(1.0)
    assert s["ap50_95"] == pytest.approx(0.3)
    assert s["precision"] == 1.0 and s["recall"] == 1.0


def test_class_stats_over_images_and_threshold() -> None:
    """VID-12: two images, P/R at the alarm threshold counts only boxes above it."""
    st = ClassStats("smoke")
    st.add([[0, 0, 10, 10], [50, 50, 60, 60]], [0.9, 0.3], [[0, 0, 10, 10]])  # TP 0.9, FP 0.3
    st.add([], [], [[0, 0, 5, 5]])  # missed
    st.add([[0, 0, 4, 4]], [0.2], [])  # FP on a negative image
    s = st.summary(conf=0.5)
    assert s["n_gt"] == 2
    assert (s["tp_at_conf"], s["n_det_at_conf"]) == (1, 1)
    assert s["precision"] == 1.0 and s["recall"] == 0.5
    # Ranked: TP(0.9) FP(0.3) FP(0.2) with 2 GT -> AP = 0.5
    assert s["ap50"] == pytest.approx(0.5)
    rec, prec, scores = st.pr_curve()
    assert scores.tolist() == [0.9, 0.3, 0.2]
    assert rec.tolist() == [0.5, 0.5, 0.5]


def test_confusion_with_background() -> None:
    """VID-12: a fire called smoke, an extra box, a missed object."""
    pairs = confusion_with_background(
        ["smoke", "fire"], [[0, 0, 10, 10], [100, 100, 110, 110]],
        ["fire", "smoke"], [[0, 0, 10, 10], [50, 50, 60, 60]],
    )
    assert sorted(pairs) == sorted([("smoke", "fire"), ("fire", BACKGROUND), (BACKGROUND, "smoke")])


def test_percentile() -> None:
    assert percentile([], 95) is None
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    assert np.isfinite(percentile([1.0], 95))


def test_image_level_finds_a_fragmented_fire_that_box_ap_scores_low() -> None:
    """VID-12: a fire labelled as three flame tongues and found as one box: box AP50 1/3, image AP 1."""
    tongues = [[0, 0, 10, 30], [10, 0, 20, 30], [20, 0, 30, 30]]
    whole = [[0, 0, 30, 30]]
    boxes, per_image = ClassStats("fire"), ImageLevelStats("fire")
    for st in (boxes, per_image):
        st.add(whole, [0.8], tongues)
    assert boxes.summary(0.5)["ap50"] == pytest.approx(0.0)  # IoU 1/3 with each tongue: no match at 0.5
    s = per_image.summary(0.5)
    assert s["ap"] == pytest.approx(1.0)
    assert (s["recall"], s["located_recall"], s["precision"]) == (1.0, 1.0, 1.0)


def test_image_level_ranks_images_by_their_best_score() -> None:
    """VID-12: four images ranked by best score: pos 0.9, neg 0.7, pos 0.4, pos with no detection.

    Ranked TP, FP, TP over 3 positives -> AP = 1/3*1 + 1/3*(2/3); the unfound image caps recall at 2/3.
    At 0.5: alarmed {pos 0.9, neg 0.7} -> recall 1/3, precision 1/2.
    """
    st = ImageLevelStats("smoke")
    st.add([[0, 0, 5, 5], [0, 0, 4, 4]], [0.9, 0.3], [[0, 0, 5, 5]])
    st.add([[0, 0, 5, 5]], [0.7], [])
    st.add([[0, 0, 5, 5]], [0.4], [[1, 1, 5, 5]])
    st.add([], [], [[0, 0, 5, 5]])
    s = st.summary(0.5)
    assert (s["images"], s["positives"], s["alarmed"]) == (4, 3, 2)
    assert s["ap"] == pytest.approx(1 / 3 + 1 / 3 * 2 / 3)
    assert s["recall"] == pytest.approx(1 / 3) and s["precision"] == pytest.approx(0.5)


def test_image_level_located_recall_needs_the_box_on_the_object() -> None:
    """VID-12: an alarm elsewhere in the image finds the image but does not locate the fire."""
    st = ImageLevelStats("fire")
    st.add([[50, 50, 60, 60]], [0.9], [[0, 0, 10, 10]])
    s = st.summary(0.5)
    assert s["recall"] == 1.0 and s["located_recall"] == 0.0


def test_image_level_without_positives_is_not_measurable() -> None:
    st = ImageLevelStats("fire")
    st.add([], [], [])
    s = st.summary(0.5)
    assert math.isnan(s["ap"]) and math.isnan(s["recall"]) and s["precision"] == 1.0
