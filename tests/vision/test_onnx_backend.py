"""The onnxruntime backend: the exported graph gives the .pt model's boxes, its own thread count,
mixed-size batches, static graphs, and clear refusals (VID-1..3, VID-13)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from vision.detect.base import Detection
from vision.detect.onnx_backend import letterbox, nms
from vision.detect.registry import backend_for, load_detector

ROOT = Path(__file__).resolve().parents[2]
FS = ROOT / "models" / "firesmoke"
PERSON = ROOT / "models" / "person"


def _frames(shared: Path) -> list[np.ndarray]:
    """Two square fire frames and a 16:9 room of people: both letterbox shapes."""
    fire = sorted((shared / "data" / "firesmoke" / "images" / "val").glob("f8_*.jpg"))[:2]
    room = sorted((shared / "data" / "person" / "images" / "val").glob("*.jpg"))[:1]
    return [cv2.imread(str(p)) for p in fire + room]


def _same(a: list[Detection], b: list[Detection], tol: float = 2e-3) -> bool:
    key = lambda d: (d.cls, -d.score)  # noqa: E731
    a, b = sorted(a, key=key), sorted(b, key=key)
    return len(a) == len(b) and all(
        x.cls == y.cls and abs(x.score - y.score) <= tol
        and max(abs(x.x1 - y.x1), abs(x.y1 - y.y1), abs(x.x2 - y.x2), abs(x.y2 - y.y2)) <= tol for x, y in zip(a, b))


@pytest.mark.parametrize("model,classes", [(FS, ["fire", "smoke"]), (PERSON, ["person"])])
def test_onnx_gives_the_pt_models_boxes(shared_dir: Path, model: Path, classes: list[str]) -> None:
    """Same letterbox, same decoding: the shipped .onnx matches the .pt on square and 16:9 frames, including
    the person model's pick of the best of its 80 classes before keeping only people."""
    pt = load_detector("auto", str(model / "best.pt"), classes=classes, imgsz=640, threads=1, conf=0.1)
    ox = load_detector("auto", str(model / "best.onnx"), classes=classes, imgsz=640, threads=1, conf=0.1)
    assert ox.name.startswith("onnxruntime:") and pt.name.startswith("ultralytics:")
    frames = _frames(shared_dir)
    for f in frames:
        a, b = pt.detect([f])[0], ox.detect([f])[0]
        assert _same(a, b), (a, b)
        assert {d.cls for d in b} <= set(classes)
    assert any(ox.detect([f])[0] for f in frames)  # the comparison is not between two empty lists


def test_a_mixed_batch_equals_one_frame_at_a_time(shared_dir: Path) -> None:
    ox = load_detector("auto", str(FS / "best.onnx"), classes=["fire", "smoke"], imgsz=640, threads=1)
    frames = _frames(shared_dir)
    together = ox.detect(frames)
    for f, dets in zip(frames, together):
        assert _same(dets, ox.detect([f])[0], tol=1e-5)


def test_threads_come_from_the_config() -> None:
    ox = load_detector("onnxruntime", str(FS / "best.onnx"), classes=["fire"], imgsz=320, threads=1)
    assert ox._session.get_session_options().intra_op_num_threads == 1  # type: ignore[attr-defined]
    assert ox.input_size == 320  # dynamic axes: runs at the size asked, as the .pt does


def test_a_static_graph_runs_at_its_own_square(tmp_path: Path, shared_dir: Path) -> None:
    """A graph exported without dynamic axes takes only its square: every frame is padded to it, and the
    backend says so (the context pass shrinks its frame to match)."""
    import onnx

    m = onnx.load(str(FS / "best.onnx"))
    dims = m.graph.input[0].type.tensor_type.shape.dim
    for d, v in zip(dims, (1, 3, 640, 640)):
        d.ClearField("dim_param")
        d.dim_value = v
    static = tmp_path / "static.onnx"
    onnx.save(m, str(static))
    ox = load_detector("auto", str(static), classes=["fire", "smoke"], imgsz=320, threads=1)
    assert (ox.input_size, ox.rect) == (640, False)
    square = _frames(shared_dir)[0]  # a square frame letterboxes the same either way
    ref = load_detector("auto", str(FS / "best.onnx"), classes=["fire", "smoke"], imgsz=640, threads=1)
    assert _same(ox.detect([square])[0], ref.detect([square])[0], tol=1e-5)


def test_letterbox_matches_ultralytics_shapes() -> None:
    img, (gx, gy, left, top) = letterbox(np.zeros((1080, 1920, 3), np.uint8), 640, rect=True)
    assert img.shape == (384, 640, 3) and (left, top) == (0.0, 12.0) and gx == pytest.approx(1 / 3)
    img, (_, _, left, top) = letterbox(np.zeros((1080, 1920, 3), np.uint8), 640, rect=False)
    assert img.shape == (640, 640, 3) and top == 140.0
    assert (img[0, 0] == 114).all()


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], np.float32)
    assert nms(boxes, np.array([0.5, 0.9, 0.4], np.float32), 0.7) == [1, 2]
    assert nms(boxes, np.array([0.5, 0.9, 0.4], np.float32), 0.95) == [1, 0, 2]


def test_formats_and_backends_are_matched_or_refused(tmp_path: Path) -> None:
    assert backend_for("auto", "x/best.pt") == "ultralytics"
    assert backend_for("auto", "x/best.ONNX") == "onnxruntime"
    assert backend_for("acme", "x/best.bin") == "acme"
    with pytest.raises(ValueError, match="backend 'auto' knows .pt, .onnx"):
        backend_for("auto", "x/best.engine")
    with pytest.raises(ValueError, match="run .onnx graphs on the onnxruntime backend"):
        load_detector("ultralytics", str(FS / "best.onnx"))
    with pytest.raises(ValueError, match="runs exported .onnx graphs"):
        load_detector("onnxruntime", str(FS / "best.pt"))
    with pytest.raises(ValueError, match="none of \\['helmet'\\]"):
        load_detector("onnxruntime", str(FS / "best.onnx"), classes=["helmet"])
