"""In-process engines of tools/bench_forward.py: ``make(deploy, model, x, work)`` returns
``run(keep=False)`` giving seconds (and the first output when ``keep``)."""
from __future__ import annotations

import time
from pathlib import Path


def _timed(fn):
    def run(keep=False):
        t = time.perf_counter()
        y = fn()
        dt = time.perf_counter() - t
        return (dt, y) if keep else dt
    return run


def opencv(deploy, model, x, work):
    import cv2

    if int(cv2.__version__.split(".")[0]) >= 5:
        raise ImportError("OpenCV 5 has no Caffe importer; install opencv-python-headless<5")
    net = cv2.dnn.readNetFromCaffe(str(deploy), str(model))
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)

    def fn():
        net.setInput(x)
        return net.forward()
    return _timed(fn)


def torch_(deploy, model, x, work):
    import torch

    from caffe2ss.converter import load
    from caffe2ss.models.torch.generic import CaffeNet

    net = load(model, deploy)
    m = CaffeNet(net, channels_last=True).eval()
    name = next(iter(net.inputs))
    t = torch.from_numpy(x)

    def fn():
        with torch.inference_mode():
            out = m({name: t})
        out = out if not isinstance(out, dict) else next(iter(out.values()))
        return out.numpy()
    return _timed(fn)


def onnxruntime(deploy, model, x, work):
    from caffe2ss.converter import load
    from caffe2ss.converter.backends import get_backend

    onnx = get_backend("onnx")
    path = Path(work) / f"{Path(model).stem}.onnx"
    onnx.convert(load(model, deploy), path, input_shape=x.shape)  # the default: static
    _, runner = onnx.load_converted(path)
    return _timed(lambda: next(iter(runner({"data": x}).values())))


def tf(deploy, model, x, work):
    from caffe2ss.converter import load
    from caffe2ss.models.tf.rebuild import build_model, run_model

    net = load(model, deploy)
    m = build_model(net, {next(iter(net.inputs)): x.shape}, weights=True)  # built once
    return _timed(lambda: next(iter(run_model(m, net, {"data": x}).values())))


ENGINES = {"OpenCV dnn": opencv, "caffe2ss torch (channels_last)": torch_,
           "caffe2ss onnxruntime": onnxruntime, "caffe2ss tf": tf}
