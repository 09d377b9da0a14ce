"""Resume mmengine 0.10.7 checkpoints under torch ≥ 2.6 (weights_only=True).

mmengine calls ``torch.load(file, map_location)``, which since torch 2.6
refuses every global outside an allowlist. A runner checkpoint holds, besides
tensors, the ``MessageHub``: ``HistoryBuffer`` objects with numpy arrays, and
numpy scalars in ``runtime_info``. ``HistoryBuffer.__getstate__`` also
pickles its class-level statistics methods as ``getattr(HistoryBuffer,
'min')``; allowing ``getattr`` would open the unpickler to far more than
checkpoints need.

The fix keeps the check on and changes two narrow things:

* the types a checkpoint legitimately holds are added to torch's allowlist
  (``HistoryBuffer``, numpy's array/scalar reconstructors, ``ndarray``,
  ``dtype`` and the concrete dtype classes);
* ``HistoryBuffer`` pickles without its statistics methods. They are
  class-level and registered at import time (the four defaults in every
  ``HistoryBuffer()``, custom ones by ``register_statistics``), so nothing
  is lost on load.

Checkpoints written by plain mmengine before hmot_mm was imported still hold
``getattr`` and need ``torch.load(..., weights_only=False)`` from a source
you trust.
"""
import numpy as np
import torch
from mmengine.logging import HistoryBuffer


def _history_buffer_state(self: HistoryBuffer) -> dict:
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


def checkpoint_safe_globals() -> list:
    """The non-tensor globals an mmengine runner checkpoint contains."""
    dtype_classes = [
        cls for cls in vars(np.dtypes).values()
        if isinstance(cls, type) and issubclass(cls, np.dtype)
    ]
    return [
        HistoryBuffer, np._core.multiarray._reconstruct,
        np._core.multiarray.scalar, np.ndarray, np.dtype, *dtype_classes
    ]


def allow_mmengine_checkpoints() -> None:
    """Make mmengine runner checkpoints loadable with ``weights_only=True``.

    Idempotent; called when :mod:`hmot_mm` is imported.
    """
    HistoryBuffer.__getstate__ = _history_buffer_state
    torch.serialization.add_safe_globals(checkpoint_safe_globals())
