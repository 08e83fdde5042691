"""Exported YOLO detectors (``.onnx``, fp32 or int8) on ONNX Runtime, without torch.

Why not let ultralytics run the ``.onnx``: it opens the session with every core as intra-op threads
(the worker's detector and its decoders then fight for a 2-core box) and, for a static graph, pads
every frame to the full square. Here the thread count comes from ``vision.detector.threads`` and a
graph exported with dynamic axes gets the same minimal-rectangle letterbox as the ``.pt`` model
(640x384 for a 16:9 frame), so both formats see the same pixels and give the same boxes.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import cv2
import numpy as np

from vision.detect.base import Detection, Detector

PAD_VALUE = 114  # ultralytics' letterbox grey
STRIDE = 32
NMS_IOU = 0.7  # ultralytics' predict default
MAX_DET = 100
CLASS_OFFSET = 7680.0  # ultralytics' max_wh: shifting each class's boxes apart keeps NMS within a class


def letterbox(frame: np.ndarray, size: int, rect: bool) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """``frame`` scaled to fit ``size`` and padded (centred) to a stride multiple (``rect``) or to the
    full square: the image and (x scale, y scale, left, top) to map boxes back. Matches ultralytics'
    LetterBox and scale_boxes (each side is rounded, so x and y scales differ slightly)."""
    h, w = frame.shape[:2]
    r = min(size / h, size / w)
    nw, nh = max(round(w * r), 1), max(round(h * r), 1)
    dw, dh = size - nw, size - nh
    if rect:
        dw, dh = dw % STRIDE, dh % STRIDE
    dw, dh = dw / 2, dh / 2
    img = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nw, nh) != (w, h) else frame
    top, bottom, left, right = round(dh - 0.1), round(dh + 0.1), round(dw - 0.1), round(dw + 0.1)
    img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    return img, (nw / w, nh / h, float(left), float(top))


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Greedy non-maximum suppression on xyxy boxes, highest score first (torchvision's rule)."""
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = (xx2 - xx1).clip(0) * (yy2 - yy1).clip(0)
        union = areas[i] + areas[rest] - inter
        order = rest[inter <= iou * np.where(union > 0, union, 1)]
    return keep


class OnnxRuntimeDetector(Detector):
    def __init__(self, weights: Path, *, classes: list[str] | None = None, imgsz: int = 640, device: str = "cpu",
                 threads: int = 0, conf: float = 0.05):
        if Path(weights).suffix != ".onnx":
            raise ValueError(f"{weights}: the onnxruntime backend runs exported .onnx graphs")
        if device != "cpu":
            raise ValueError(f"onnxruntime backend: device {device!r} is not supported here, only 'cpu' "
                             "(run the .pt weights with the ultralytics backend on a GPU)")
        self.weights = Path(weights)
        self.name = f"onnxruntime:{self.weights.parent.name}/{self.weights.name}"
        self.wanted = [c.lower() for c in classes] if classes else None
        self.imgsz, self.threads, self.conf = imgsz, threads, conf
        self.input_size = imgsz  # a static graph runs at its own size (see load)
        self.rect = True
        self.classes: list[str] = []
        self._session = None
        self._input = ""
        self._ids: np.ndarray | None = None
        self._names: dict[int, str] = {}

    def load(self) -> None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = self.threads or os.cpu_count() or 1
        so.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(self.weights), so, providers=["CPUExecutionProvider"])
        meta = self._session.get_modelmeta().custom_metadata_map
        if "names" not in meta:
            raise ValueError(f"{self.weights}: no class names in the graph's metadata (export it with ultralytics)")
        self._names = {int(k): str(v).lower() for k, v in ast.literal_eval(meta["names"]).items()}
        ids = sorted(self._names) if self.wanted is None else [i for i, n in self._names.items() if n in self.wanted]
        if not ids:
            raise ValueError(f"{self.weights}: none of {self.wanted} among its classes {sorted(self._names.values())}")
        self._ids = np.array(ids)
        self.classes = [self._names[i] for i in ids]
        inp = self._session.get_inputs()[0]
        self._input = inp.name
        side = inp.shape[-1]
        if isinstance(side, int):  # static graph: every frame padded to its square
            self.input_size, self.rect = side, False
        self.detect([np.zeros((64, 64, 3), np.uint8)])  # first run allocates; keep it off the first camera frame

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        if not frames:
            return []
        boxed = [letterbox(f, self.input_size, self.rect) for f in frames]
        out: list[list[Detection]] = [[] for _ in frames]
        # Frames letterboxed to the same shape share one run (cameras of one resolution, as the worker batches).
        groups: dict[tuple[int, ...], list[int]] = {}
        for k, (img, _) in enumerate(boxed):
            groups.setdefault(img.shape, []).append(k)
        for idxs in groups.values():
            batch = np.stack([boxed[k][0] for k in idxs])[..., ::-1].transpose(0, 3, 1, 2)  # BGR -> RGB, NCHW
            raw = self._session.run(None, {self._input: np.ascontiguousarray(batch, np.float32) / 255.0})[0]
            for k, pred in zip(idxs, raw):
                out[k] = self._decode(pred, frames[k].shape[:2], boxed[k][1])
        return out

    def _decode(self, pred: np.ndarray, shape: tuple[int, int], back: tuple[float, float, float, float]
                ) -> list[Detection]:
        """One image's raw head output (4 + classes, anchors) to detections in 0-1 frame coordinates."""
        # Each anchor keeps its best class among all the model's classes, then unwanted classes are
        # dropped (ultralytics' order: a chair that outscores a person at an anchor is not a person).
        cls_all = pred[4:].argmax(0)
        score = pred[4:].max(0)
        sel = (score > self.conf) & np.isin(cls_all, self._ids)
        if not sel.any():
            return []
        cx, cy, bw, bh = pred[:4, sel]
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1)
        score, cls = score[sel], cls_all[sel]
        keep = nms(boxes + (cls * CLASS_OFFSET)[:, None], score, NMS_IOU)[:MAX_DET]
        h, w = shape
        gx, gy, left, top = back
        dets = []
        for i in keep:
            x1, y1, x2, y2 = (boxes[i] - (left, top, left, top)) / (gx, gy, gx, gy)
            dets.append(Detection(self._names[int(cls[i])], float(score[i]), min(max(x1 / w, 0.0), 1.0),
                                  min(max(y1 / h, 0.0), 1.0), min(max(x2 / w, 0.0), 1.0), min(max(y2 / h, 0.0), 1.0)))
        return dets
