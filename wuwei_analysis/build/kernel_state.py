"""Inside a warm kernel: what a fresh kernel would have, saved once and put back before each notebook.

A build worker (:mod:`wuwei_analysis.build.kernel`) reuses one started kernel for many notebooks.
When the kernel starts, :func:`prepare` imports the modules every report imports (the time saved)
and saves the state a fresh kernel has after those imports. Before each notebook, :func:`restore`
puts it back, so that nothing one notebook did can be seen by the next:

- the user namespace, ``Out`` and the execution counter (IPython's ``reset``, a new session);
- matplotlib: every figure closed, ``rcParams`` and the named colours (seaborn's colour codes)
  as saved; pandas options and numpy's print and error settings back to their defaults/saved;
- warning filters (and the "already shown" registries), the root logger, ``sys.path``;
- the IPython display formatters (``%config InlineBackend.figure_formats`` and the like);
- ``os.environ`` as saved, and the working folder the notebook would have started in.

Modules stay imported, with their own state: a module attribute a notebook assigns is not put
back, and the library's caches (``lru_cache`` of reference files) live as long as the kernel,
which never outlives its build. A worker starts a fresh kernel after any failure and every
:data:`~wuwei_analysis.build.kernel.KERNEL_RUNS` notebooks. This module runs in the kernel and
imports only the standard library at module level.
"""

from __future__ import annotations

import copy
import gc
import importlib
import logging
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any


@dataclass
class _Saved:
    environ: dict[str, str]
    path: list[str]
    filters: list[Any]
    root_handlers: list[logging.Handler]
    root_level: int
    logging_disabled: int
    formatters: dict[str, tuple[dict, dict]]
    rc: dict[str, Any] | None
    colors: dict[str, Any] | None
    numpy: tuple[dict, dict] | None


_saved: _Saved | None = None


def prepare(modules: tuple[str, ...]) -> None:
    """Import ``modules``, then save the state :func:`restore` puts back.

    A module that fails to import is left out: the notebook that imports it shows the error.
    """
    global _saved
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the notebook's own import reports it, in its output
            continue
    _saved = _snapshot()
    # What exists now lives as long as the kernel: kept out of every later collection, so the
    # collections of each reset (IPython's and ours) walk only what notebooks made since.
    gc.collect()
    gc.freeze()


def restore(cwd: str) -> None:
    """Put back the state :func:`prepare` saved and move to ``cwd``, the notebook's folder."""
    if _saved is None:
        raise RuntimeError("kernel_state.prepare() has not run in this kernel")
    _reset_shell()
    _restore_plotting(_saved)
    _restore_process(_saved)
    os.chdir(cwd)
    gc.collect()


def _snapshot() -> _Saved:
    root = logging.getLogger()
    mpl = sys.modules.get("matplotlib")
    np = sys.modules.get("numpy")
    return _Saved(
        environ=dict(os.environ),
        path=list(sys.path),
        filters=list(warnings.filters),
        root_handlers=list(root.handlers),
        root_level=root.level,
        logging_disabled=logging.root.manager.disable,
        formatters=_formatters_now(),
        rc=copy.deepcopy(dict(mpl.rcParams)) if mpl else None,
        colors=dict(mpl.colors.get_named_colors_mapping()) if mpl else None,
        numpy=(np.get_printoptions(), np.geterr()) if np else None,
    )


def _shell():
    from IPython import get_ipython

    return get_ipython()


def _formatters_now() -> dict[str, tuple[dict, dict]]:
    shell = _shell()
    if shell is None:
        return {}
    return {
        mime: (dict(formatter.type_printers), dict(formatter.deferred_printers))
        for mime, formatter in shell.display_formatter.formatters.items()
    }


def _reset_shell() -> None:
    """A clean namespace, ``Out`` emptied and the execution counter back at 1 (a new session)."""
    shell = _shell()
    if shell is not None:
        shell.reset(new_session=True)


def _restore_plotting(saved: _Saved) -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    mpl = sys.modules.get("matplotlib")
    if mpl is not None and saved.rc is not None:
        dict.update(mpl.rcParams, copy.deepcopy(saved.rc))  # as matplotlib's rc_context restores
        colors = mpl.colors.get_named_colors_mapping()
        for name in set(colors) - set(saved.colors):
            del colors[name]
        for name, value in saved.colors.items():
            if colors.get(name) != value:
                colors[name] = value  # through __setitem__, which empties the colour cache
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # resetting deprecated options warns about them
            sys.modules["pandas"].reset_option("all")
    np = sys.modules.get("numpy")
    if np is not None and saved.numpy is not None:
        print_options, errors = saved.numpy
        np.set_printoptions(**print_options)
        np.seterr(**errors)


def _restore_process(saved: _Saved) -> None:
    _restore_warnings(saved.filters)
    root = logging.getLogger()
    root.handlers[:] = saved.root_handlers
    root.setLevel(saved.root_level)
    logging.disable(saved.logging_disabled)
    sys.path[:] = saved.path
    shell = _shell()
    if shell is not None:
        for mime, formatter in shell.display_formatter.formatters.items():
            printers, deferred = saved.formatters.get(mime, ({}, {}))
            formatter.type_printers.clear()
            formatter.type_printers.update(printers)
            formatter.deferred_printers.clear()
            formatter.deferred_printers.update(deferred)
        _reapply_inline_backend(shell)
    for name in set(os.environ) - set(saved.environ):
        del os.environ[name]
    for name, value in saved.environ.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def _reapply_inline_backend(shell) -> None:
    """What the inline backend set up when an earlier notebook first drew with pyplot.

    It does so once per kernel, when pyplot loads it: its figure formatter (which the formatters'
    restore just removed) and interactive mode (which the rcParams' restore turned off) are put
    back, with its settings (``%config InlineBackend...``) at their defaults.
    """
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is None or getattr(inline.configure_inline_support, "current_backend", "") != "inline":
        return
    from IPython.core.pylabtools import select_figure_formats

    config = inline.InlineBackend.instance(parent=shell)
    for name in ("figure_formats", "print_figure_kwargs", "close_figures", "rc"):
        setattr(config, name, config.trait_defaults(name))
    select_figure_formats(shell, config.figure_formats, **config.print_figure_kwargs)
    sys.modules["matplotlib"].interactive(True)


def _restore_warnings(filters: list[Any]) -> None:
    """The saved filters, and every warning shown once shown again (as in a fresh kernel).

    Changing the filters through the public API empties the "already shown" registries.
    """
    warnings.simplefilter("default", append=True)
    warnings.filters[:] = filters
