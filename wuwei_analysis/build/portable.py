"""A published notebook that runs anywhere: parameters without build-machine paths.

A build runs each notebook with absolute folders (its processed data, its staging folder as
``reports_dir``). The ``.ipynb`` it publishes is for an analyst on another machine, who opens it in
JupyterLab and runs it again. So before it is kept, its injected-parameters cell (and papermill's
record of the parameters) is rewritten:

- ``reports_dir`` becomes ``""``: a re-run writes its charts to the scratch folder
  (``config.SCRATCH_DIR``), never into the published site, which only ``wuwei build`` writes;
- a folder inside the project becomes a path relative to it (``data/processed``), which the
  notebook reads from wherever it was opened (see ``report.params.validate_dir``); the default
  folder, or one outside the project (a temporary folder), becomes ``""``, the defaults;
- papermill's ``input_path`` becomes relative to the project; its ``output_path`` is dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from papermill.translators import translate_parameters

from wuwei_analysis import config

FOLDER_PARAMETERS = ("processed_dir", "previous_dir")
INJECTED_TAG = "injected-parameters"


def portable_folder(value: Any, default: Path | None) -> Any:
    """``value`` relative to the project, ``""`` for the default or a folder outside it."""
    if not isinstance(value, str) or not value.strip():
        return value
    path = Path(value).expanduser().resolve()
    if default is not None and path == Path(default).resolve():
        return ""
    try:
        return path.relative_to(config.PROJ_ROOT.resolve()).as_posix()
    except ValueError:
        return ""


def portable_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """The notebook parameters with folders made portable (see the module docstring)."""
    portable = dict(parameters)
    if "reports_dir" in portable:
        portable["reports_dir"] = ""
    for name in FOLDER_PARAMETERS:
        if name in portable:
            default = config.PROCESSED_DATA_DIR if name == "processed_dir" else None
            portable[name] = portable_folder(portable[name], default)
    return portable


def make_portable(nb: Any) -> None:
    """Rewrite ``nb`` (an executed papermill notebook) in place so that it names no absolute folder."""
    meta = nb.metadata.get("papermill", {})
    parameters = meta.get("parameters")
    if isinstance(parameters, dict):
        meta["parameters"] = portable_parameters(parameters)
        kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
        language = nb.metadata.get("kernelspec", {}).get("language", "python")
        for cell in nb.cells:
            if INJECTED_TAG in cell.get("metadata", {}).get("tags", []):
                cell.source = translate_parameters(kernel, language, meta["parameters"], "Parameters")
    if isinstance(meta.get("input_path"), str):
        meta["input_path"] = portable_folder(meta["input_path"], None) or Path(meta["input_path"]).name
    meta.pop("output_path", None)
