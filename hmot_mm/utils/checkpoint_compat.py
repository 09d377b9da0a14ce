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
import os

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


def load_weights(module: torch.nn.Module, path: str) -> None:
    """Load a checkpoint's ``state_dict`` into ``module`` strictly.

    Every key of the module must be in the file and every key of the file
    in the module: a checkpoint of another model, or one holding none of
    this model's keys, is refused instead of leaving random weights. The
    exception are buffers a submodule lists in ``variable_shape_buffers``
    (``iHOIMLoss.bg_bank``): they take the file's shape and may be absent.

    Args:
        module (nn.Module): the model (or its detector).
        path (str): a checkpoint file (mmengine's or a bare state dict).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a PyTorch checkpoint, or its keys or
            shapes do not fit ``module`` (the first few are named).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such checkpoint')
    try:
        checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # torch raises several unpickling errors
        first_line = str(err).strip().splitlines()[0] if str(err) else ''
        raise ValueError(f'{path}: not a PyTorch checkpoint that loads with '
                         f'weights_only=True ({type(err).__name__}: '
                         f'{first_line[:200]})') from None
    state = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else None
    if not isinstance(state, dict) or not all(
            isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f'{path}: holds no state_dict of tensors')
    state = {
        k[7:] if k.startswith('module.') else k: v
        for k, v in state.items()
    }
    own = module.state_dict()
    # buffers whose size is the checkpoint's (a module lists them in
    # ``variable_shape_buffers``; they may be absent from older files)
    variable = {
        f'{name}.{buffer}' if name else buffer
        for name, sub in module.named_modules()
        for buffer in getattr(sub, 'variable_shape_buffers', ())
    }
    missing = sorted(set(own) - set(state) - variable)
    unexpected = sorted(set(state) - set(own))
    wrong_shape = sorted(
        k for k in set(own) & set(state) - variable
        if own[k].shape != state[k].shape)
    problems = [
        f'{len(keys)} {what} (e.g. {", ".join(keys[:3])})'
        for what, keys in (('missing keys', missing), ('unexpected keys',
                                                       unexpected),
                           ('keys of another shape', wrong_shape)) if keys
    ]
    if problems:
        raise ValueError(f'{path} does not fit {type(module).__name__}: ' +
                         '; '.join(problems))
    module.load_state_dict(state, strict=True)
