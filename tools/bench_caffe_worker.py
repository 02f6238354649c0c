"""pycaffe side of tools/bench_forward.py, run by CAFFE_PYTHON's interpreter.

    python bench_caffe_worker.py DEPLOY MODEL INPUT.npy
Loads the net once (CPU mode), then for each line "run" on stdin does one forward
and prints its seconds; "out" saves the first output blob to INPUT.npy + ".caffe.npy".
"""
import sys
import time

import numpy as np

import caffe

caffe.set_mode_cpu()
net = caffe.Net(sys.argv[1], sys.argv[2], caffe.TEST)
x = np.load(sys.argv[3])
name = net.inputs[0]
net.blobs[name].reshape(*x.shape)
net.reshape()
net.blobs[name].data[...] = x
print("ready", flush=True)
for line in sys.stdin:
    t = time.perf_counter()
    out = net.forward()
    dt = time.perf_counter() - t
    if line.strip() == "out":
        np.save(sys.argv[3] + ".caffe.npy", next(iter(out.values())))
    print(f"{dt:.6f}", flush=True)
