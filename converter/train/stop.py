"""Ctrl-C during training: the first SIGINT sets a flag, the loop checkpoints at the next
step boundary and exits with 130; a second SIGINT interrupts at once."""
from __future__ import annotations

import os
import signal

#: Test hook: the training loop sends itself SIGINT after this step (rank 0).
INTERRUPT_ENV = "CAFFE2SS_TRAIN_INTERRUPT_AT"


class StopFlag:
    """Installs the SIGINT handler; :meth:`restore` puts the previous one back."""

    def __init__(self):
        self.flag = False
        self.old = signal.signal(signal.SIGINT, self._handle)
        self.interrupt_at = int(os.environ.get(INTERRUPT_ENV, -1))

    def _handle(self, *_):
        self.flag = True
        signal.signal(signal.SIGINT, self.old)

    def after_step(self, step: int) -> None:
        """Apply the test hook: SIGINT to ourselves after step ``interrupt_at``."""
        if step == self.interrupt_at:
            os.kill(os.getpid(), signal.SIGINT)

    def restore(self) -> None:
        signal.signal(signal.SIGINT, self.old)
