"""The naive pipeline every speed is compared with: OpenCV's colorization sample, fixed so nobody can tune it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from . import architecture


class NaivePipeline:
    """OpenCV DNN on the Caffe files, batch 1, the OpenCV sample's float steps at full resolution,
    cv2.VideoCapture in and cv2.VideoWriter (mp4v, no sound) out."""

    def __init__(self, folder: Path) -> None:
        self.net = cv2.dnn.readNetFromCaffe(str(folder / architecture.PROTOTXT_NAME),
                                            str(folder / architecture.WEIGHTS_NAME))
        pts = np.load(folder / architecture.POINTS_NAME).transpose().reshape(2, 313, 1, 1).astype(np.float32)
        self.net.getLayer(self.net.getLayerId("class8_ab")).blobs = [pts]
        self.net.getLayer(self.net.getLayerId("conv8_313_rh")).blobs = [np.full([1, 313], 2.606, np.float32)]

    def colorize_bgr(self, frame_bgr: np.ndarray) -> np.ndarray:
        h, w = frame_bgr.shape[:2]
        img_rgb = (frame_bgr[:, :, [2, 1, 0]] * 1.0 / 255).astype(np.float32)
        img_lab = cv2.cvtColor(img_rgb, cv2.COLOR_RGB2Lab)
        img_l = img_lab[:, :, 0]
        img_rs = cv2.resize(img_rgb, (224, 224), interpolation=cv2.INTER_LINEAR)
        img_l_rs = cv2.cvtColor(img_rs, cv2.COLOR_RGB2Lab)[:, :, 0] - 50
        self.net.setInput(cv2.dnn.blobFromImage(img_l_rs))
        ab_dec = self.net.forward()[0, :, :, :].transpose((1, 2, 0))
        ab_us = cv2.resize(ab_dec, (w, h), interpolation=cv2.INTER_LINEAR)
        img_lab_out = np.concatenate((img_l[:, :, np.newaxis], ab_us), axis=2)
        img_bgr_out = np.clip(cv2.cvtColor(img_lab_out, cv2.COLOR_Lab2BGR), 0, 1)
        return (img_bgr_out * 255).astype(np.uint8)

    def video(self, src: Path, dst: Path) -> int:
        capture = cv2.VideoCapture(str(src))
        fps = capture.get(cv2.CAP_PROP_FPS)
        writer = None
        frames = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            out = self.colorize_bgr(frame)
            if writer is None:
                writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, (out.shape[1], out.shape[0]))
            writer.write(out)
            frames += 1
        capture.release()
        if writer is not None:
            writer.release()
        return frames
