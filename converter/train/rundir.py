"""The run directory: checkpoint names, the ``last`` pointer, refusing to clobber a run.

``checkpoint-<step>.<ext>`` files are written atomically (temporary file + rename); then
``last`` (a one-line text file naming the newest checkpoint) is replaced atomically, so
an interruption at any moment leaves ``last`` naming a complete checkpoint.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import CaffeError
from ..fileio import write_bytes_atomic


def checkpoint_path(run_dir, step: int, ext: str) -> Path:
    """``RUN_DIR/checkpoint-<step, 8 digits>.<ext>`` (sorts by step)."""
    return Path(run_dir) / f"checkpoint-{int(step):08d}.{ext}"


def mark_last(run_dir, checkpoint: Path) -> None:
    """Point ``last`` at ``checkpoint`` (atomically)."""
    write_bytes_atomic(Path(run_dir) / "last", (Path(checkpoint).name + "\n").encode())


def last_checkpoint(run_dir) -> Path:
    """The checkpoint ``last`` names; a clear error if there is none."""
    f = Path(run_dir) / "last"
    if not f.is_file():
        raise CaffeError("--resume: no 'last' checkpoint pointer in the run directory; "
                         "start without --resume", file=run_dir)
    ckpt = f.parent / f.read_text().strip()
    if not ckpt.is_file():
        raise CaffeError(f"--resume: 'last' names {ckpt.name}, which is missing", file=f)
    return ckpt


def prepare(run_dir, resume: bool) -> Path:
    """Create the run directory; refuse an existing run unless resuming."""
    run_dir = Path(run_dir)
    if resume:
        last_checkpoint(run_dir)
        return run_dir
    if run_dir.exists() and any(run_dir.iterdir()):
        if (run_dir / "last").exists() or (run_dir / "metrics.jsonl").exists():
            raise CaffeError("the run directory holds a run already; pass --resume to "
                             "continue it, or choose another -o", file=run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir
