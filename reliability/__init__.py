"""irrkit's library: inter-rater reliability coefficients with standard errors, CIs and interpretation.

Pure functions on arrays; the only file I/O is in :mod:`reliability.readers`. Heavy modules load lazily::

    from reliability.chance import agreement, fleiss_kappa, count_table, category_index
    from reliability.icc import icc_all
    from reliability.analysis import analyse
"""

__version__ = "0.1.0"
