"""``caffe2ss train``: fine-tune a segmentation model in PyTorch or TensorFlow
(the work is in :mod:`caffe2ss.converter.train`)."""
from __future__ import annotations

from ..train.command import run_train

EXAMPLES = """  caffe2ss train fcn8s --voc-root VOC2012 --init fcn8s.caffemodel --prototxt deploy.prototxt \\
      --steps 2000 --batch-size 8 --crop 321,321 -o runs/fcn8s
  caffe2ss train deeplab_largefov --voc-root VOC2012 --data-list train_aug.txt \\
      --init deeplab.caffemodel --nproc 4 -o runs/dl
  torchrun --nnodes 2 --nproc_per_node 4 --rdzv_backend c10d --rdzv_endpoint HOST:29500 \\
      -m caffe2ss train deeplab_largefov ... -o runs/dl"""


HELP = "fine-tune a segmentation model (torch, tf; torchrun DDP)"


def add_arguments(p) -> None:
    """The ``train`` options."""
    p.add_argument("model_name", metavar="MODEL_NAME",
                   help="registry name: fcn8s, deeplab_largefov, ... (caffe2ss models)")
    p.add_argument("--voc-root", required=True, help="VOC-layout data set folder")
    p.add_argument("--split", default="train", help="training split (default train)")
    p.add_argument("--val-split", default="val", help="validation split, or none")
    p.add_argument("--data-list", help="DeepLab list file (image label per line, "
                   "relative to --voc-root); replaces --split (default: none)")
    p.add_argument("--init", default="none", help=".caffemodel, converted output "
                   "(.pt/.safetensors/.weights.h5 with sidecar), or none (default)")
    p.add_argument("--prototxt", help="deploy net for a .caffemodel, or the architecture "
                   "for --init none (default: the caffemodel's own)")
    p.add_argument("--model-args", metavar="JSON", help="builder keyword arguments for "
                   "a registry model, e.g. '{\"widths\": [4, 8, 16, 32, 32], "
                   "\"fc_width\": 64}' (recorded in final.*'s sidecar; default: none)")
    p.add_argument("--val-crf", nargs="?", const="default", metavar="PARAMS",
                   help="validate with the DenseCRF after the net (as caffe2ss eval "
                   "--crf; PARAMS as there, default DeepLab's)")
    p.add_argument("--train-prototxt", help="Caffe train net: per-layer lr_mult/decay_mult "
                   "(default: none, the registry's multipliers)")
    p.add_argument("--framework", choices=["torch", "tf"], default="torch")
    p.add_argument("--num-classes", type=int, help="classes (default: the init's head)")
    p.add_argument("--reinit-classifier", action="store_true",
                   help="start the class layers afresh (a new --num-classes)")
    p.add_argument("--steps", type=int, help="optimiser steps (default 1000)")
    p.add_argument("--epochs", type=int, help="epochs over the training split "
                   "(default: none, --steps decides)")
    p.add_argument("--batch-size", type=int, default=8, help="global batch (default 8)")
    p.add_argument("--crop", default="321,321", help="H,W crop (default 321,321), or none")
    p.add_argument("--scale-range", default="0.5,1.5", help="random scale (default 0.5,1.5)")
    p.add_argument("--no-mirror", action="store_true", help="no random mirror")
    p.add_argument("--no-pad", action="store_true",
                   help="refuse crops larger than the scaled image instead of padding")
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("--lr", type=float, help="base learning rate "
                   "(default: sgd 1e-3, adam 1e-4)")
    p.add_argument("--lr-policy", choices=["poly", "step", "const"], default="poly")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--val-every", type=int, default=0, help="validate every N steps "
                   "(0: only at the end)")
    p.add_argument("--checkpoint-every", type=int, default=0,
                   help="checkpoint every N steps (0: only at the end and on Ctrl-C)")
    p.add_argument("--log-every", type=int, default=10, help="log every N steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2, help="data loading workers")
    p.add_argument("--nproc", type=int, default=1,
                   help="torch: local processes (DDP via torch's elastic launcher)")
    p.add_argument("--deterministic", action="store_true",
                   help="torch: deterministic algorithms (bit-exact resume on CPU)")
    p.add_argument("--no-dropout", action="store_true", help="torch: train with Dropout "
                   "off (the forward as at test time; for nets without BatchNorm). "
                   "Automatic when the init net has no Dropout layers")
    p.add_argument("-o", "--output", required=True, metavar="RUN_DIR")
    p.add_argument("--resume", action="store_true", help="continue RUN_DIR from 'last'")


def run(args) -> int:
    """Train; 0 done, 130 interrupted (checkpoint written), 2 bad input."""
    return run_train(args)
