"""ultralytics YOLO on torch, for ``.pt`` weights (CPU or GPU). Exported ``.onnx`` graphs run on the
onnxruntime backend (vision/detect/onnx_backend.py), which controls its threads and letterbox."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vision.detect.base import Detection, Detector


class UltralyticsDetector(Detector):
    def __init__(self, weights: Path, *, classes: list[str] | None = None, imgsz: int = 640, device: str = "cpu",
                 threads: int = 0, conf: float = 0.05):
        if Path(weights).suffix.lower() == ".onnx":
            raise ValueError(f"{weights}: run .onnx graphs on the onnxruntime backend "
                             "(vision.detector.backend: auto picks it)")
        self.weights = Path(weights)
        self.name = f"ultralytics:{self.weights.parent.name}/{self.weights.name}"
        self.wanted = [c.lower() for c in classes] if classes else None
        self.imgsz, self.device, self.threads, self.conf = imgsz, device, threads, conf
        self.model = None
        self.input_size = imgsz  # the size the network runs at
        self.classes: list[str] = []
        self._ids: list[int] | None = None
        self._names: dict[int, str] = {}

    def load(self) -> None:
        from vision.detect.yolo_env import prepare_offline

        prepare_offline()
        from ultralytics import YOLO

        self.model = YOLO(str(self.weights), task="detect")
        self._names = {int(k): str(v).lower() for k, v in self.model.names.items()}
        if self.wanted is not None:
            self._ids = [i for i, n in self._names.items() if n in self.wanted]
            if not self._ids:
                raise ValueError(f"{self.weights}: none of {self.wanted} among its classes {sorted(self._names.values())}")
        ids = self._ids if self._ids is not None else sorted(self._names)
        self.classes = [self._names[i] for i in ids]
        # Warm up once so the first camera frame is not slow, then undo ultralytics lowering
        # torch's thread count to cpu_count - 1 on CPU.
        self.model.predict(np.zeros((64, 64, 3), np.uint8), imgsz=self.imgsz, device=self.device, verbose=False)
        if self.device == "cpu":
            import torch

            torch.set_num_threads(self.threads or os.cpu_count() or 1)

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        if not frames:
            return []
        results = self.model.predict(frames, imgsz=self.imgsz, conf=self.conf, classes=self._ids, device=self.device,
                                     verbose=False, max_det=100)
        out: list[list[Detection]] = []
        for frame, res in zip(frames, results):
            h, w = frame.shape[:2]
            dets: list[Detection] = []
            if res.boxes is not None and len(res.boxes):
                xyxy = res.boxes.xyxy.cpu().numpy()
                conf = res.boxes.conf.cpu().numpy()
                cls = res.boxes.cls.cpu().numpy().astype(int)
                for (x1, y1, x2, y2), s, c in zip(xyxy, conf, cls):
                    dets.append(Detection(self._names[int(c)], float(s), max(0.0, float(x1) / w),
                                          max(0.0, float(y1) / h), min(1.0, float(x2) / w), min(1.0, float(y2) / h)))
            out.append(dets)
        return out
