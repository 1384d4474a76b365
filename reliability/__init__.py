"""irrkit: inter-rater reliability for coding systems, from the command line and from Python.

The public API, loaded on first use (``import irrkit`` itself imports nothing heavy)::

    import irrkit
    cb = irrkit.load_codebook("crying-forms")                 # a file, or a bundled codebook by name
    data = irrkit.read_coder_files(["coder_A.csv", "coder_B.csv"], cb)
    result = irrkit.analyse(data.items["form"])
    result.coefficients["fleiss_kappa"]                       # Coefficient(value, se, ci_low, ..., status, reason)

The library is arranged by subject:

- :mod:`irrkit.statistics`: the formulas (counts, the chance-corrected family, two-coder tables, weights, ICCs and
  REML, distributions, clusters, bootstrap, interpretation) and the registry of statistics every output reads;
- :mod:`irrkit.analysis`: one item analysed (the statistics its level calls for) and the coder diagnostics;
- :mod:`irrkit.episodes`: time-coded episodes (the model, time units, events, unitizing);
- :mod:`irrkit.planning`: sample sizes (closed forms and simulation);
- :mod:`irrkit.readers` and :mod:`irrkit.codebooks`: the input files and the codebooks;
- :mod:`irrkit.outputs`: tables, Markdown, CI formats, handouts, HTML, figures, manuscript, escaping, files;
- :mod:`irrkit.workflows`: check, compute, train, retest, video, gates, round history, sequential gating;
- :mod:`irrkit.cli`: the command line, a thin layer over the workflows.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it (imported when the name is first used)
_API = {
    "load_codebook": "irrkit.codebooks.codebook",
    "parse_codebook": "irrkit.codebooks.codebook",
    "Codebook": "irrkit.codebooks.codebook",
    "read_coder_files": "irrkit.readers.records",
    "RatingSet": "irrkit.readers.records",
    "ItemRatings": "irrkit.ratings",
    "analyse": "irrkit.analysis.item",
    "analyse_counts": "irrkit.analysis.item",
    "analyse_table": "irrkit.analysis.item",
    "Options": "irrkit.analysis.item",
    "ItemResult": "irrkit.analysis.item",
    "diagnose": "irrkit.analysis.diagnostics",
    "Coefficient": "irrkit.statistics.results",
    "InputError": "irrkit.errors",
    "Problem": "irrkit.errors",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'irrkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
