"""boardplans: the business plans that safeguarding boards publish as PDFs, as one dataset.

    >>> import boardplans
    >>> data = boardplans.extract("samples/")
    >>> data["actions"][["board", "priority_ref", "action", "lead", "timescale"]]
    >>> data.write("output/", formats=("csv", "xlsx"))  # as `boardplans extract -o output/ --format csv,xlsx`

The stages live in three subpackages, kept as the repository's top-level folders:
`boardplans.extractors` (PDF → tables), `boardplans.pipeline` (tables → plan rows →
records → dataset, and the CLI) and `boardplans.normalizers` (cell text → dates, owners,
themes). The names below are imported when first used, so `import boardplans` stays cheap.
"""
from __future__ import annotations

from importlib import import_module, metadata

try:
    __version__ = metadata.version("boardplans")
except metadata.PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"

# public name → the module that defines it
_API = {
    "extract": "boardplans.pipeline.api",
    "Dataset": "boardplans.pipeline.api",
    "BatchOptions": "boardplans.pipeline.batch",
    "Progress": "boardplans.pipeline.batch",
    "UsageError": "boardplans.pipeline.batch",
    "FORMATS": "boardplans.pipeline.dataset",
    "ExtractSettings": "boardplans.extractors.settings",
    "process_document": "boardplans.pipeline.extract",
    "DocumentResult": "boardplans.pipeline.extract",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'boardplans' has no attribute {name!r}")
