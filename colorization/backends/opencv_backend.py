"""OpenCV DNN on the Caffe files, as in OpenCV's own colorization sample: the reference backend."""

from __future__ import annotations

import threading

import numpy as np

from ..errors import ModelInvalidError, said
from ..model import caffe
from ..model.files import ModelFiles
from ..model.settings import ModelSettings


class OpenCVBackend:
    """The released Caffe files run by OpenCV DNN; fp32 only, one run at a time."""

    name = "opencv"
    precision = "fp32"
    batch_size = 4
    supports_int8 = False
    typical_seconds = 0.35  # one 224x224 frame, warm, in a batch, on 2 CPU cores

    def __init__(self, files: ModelFiles, settings: ModelSettings | None = None) -> None:
        import cv2

        try:
            net = cv2.dnn.readNetFromCaffe(str(files.prototxt), str(files.weights))
        except cv2.error as exc:
            raise ModelInvalidError(f"OpenCV could not read the model: {said(exc, default='no reason given')}") from exc
        for layer, blob in caffe.loader_blobs(caffe.load_points(files.points)).items():
            net.getLayer(net.getLayerId(layer)).blobs = [blob]
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.enableWinograd(False)  # Winograd trades up to ~0.01 a/b of precision for speed; we are the reference
        if settings is not None and settings.threads:
            cv2.setNumThreads(settings.threads)
        self._net = net
        self._lock = threading.Lock()  # a cv2.dnn.Net is not safe to run from two threads

    def run(self, l_centered: np.ndarray) -> np.ndarray:
        with self._lock:
            self._net.setInput(np.ascontiguousarray(l_centered, dtype=np.float32))
            return np.array(self._net.forward(), dtype=np.float32)
