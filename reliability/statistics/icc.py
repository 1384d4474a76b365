"""The six intraclass correlations of Shrout & Fleiss (1979), with McGraw & Wong (1996) names.

Closed-form two-way ANOVA mean squares on complete units (as R psych::ICC and irr::icc):
BMS between units, WMS within units, JMS between coders, EMS residual.

* ICC1  = ICC(1)   = (BMS - WMS) / (BMS + (k-1) WMS)
* ICC2  = ICC(A,1) = (BMS - EMS) / (BMS + (k-1) EMS + k (JMS - EMS) / n)
* ICC3  = ICC(C,1) = (BMS - EMS) / (BMS + (k-1) EMS)
* ICC1k, ICC2k, ICC3k: the same for the mean of k coders.

F tests and confidence intervals from the F distribution (Shrout & Fleiss 1979; McGraw & Wong 1996).
Convention ``psych`` (default): F = BMS/EMS with df (n-1, (n-1)(k-1)) for ICC2 and ICC3 alike, CI of ICC2 with
Satterthwaite df. Convention ``irr``: for the agreement forms, F and its df2 as irr::icc (McGraw & Wong 1996,
Table 7, with r0 = 0: the same F, df2 = Satterthwaite v).
"""

from __future__ import annotations

import numpy as np

from irrkit.statistics.anova import MeanSquares, mean_squares
from irrkit.statistics.results import OK, Coefficient, undefined

ICC_KEYS = ("icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k")
MCGRAW_WONG = {"icc1": "ICC(1)", "icc2": "ICC(A,1)", "icc3": "ICC(C,1)",
               "icc1k": "ICC(k)", "icc2k": "ICC(A,k)", "icc3k": "ICC(C,k)"}


def icc_from_mean_squares(ms: MeanSquares, confidence: float = 0.95, convention: str = "psych",
                          method: str = "two-way ANOVA on complete units",
                          keys: tuple[str, ...] = ICC_KEYS) -> dict[str, Coefficient]:
    """The six ICCs with F, df, p and CI from mean squares (``keys``: only these, by the same expressions)."""
    from irrkit.statistics import distributions as special

    n, k, bms, wms, jms, ems = ms.n, ms.k, ms.bms, ms.wms, ms.jms, ms.ems
    alpha = 1 - confidence
    qf = lambda d1, d2: float(special.fdtri(d1, d2, 1 - alpha / 2))  # noqa: E731
    out: dict[str, Coefficient] = {}

    def put(key: str, value: float, f: float, df1: float, df2: float, low: float, high: float) -> None:
        reason = "an ICC has no SE here; the CI comes from the F distribution"
        if np.isinf(f) and f > 0:  # no error variance: perfect agreement, the CI collapses to the value
            p, low, high = 0.0, value if np.isnan(low) else low, value if np.isnan(high) else high
            reason = "no error variance (perfect agreement): F is infinite, the CI collapses to the value"
        else:
            p = float(special.fdtrc(df1, df2, f)) if np.isfinite(f) else None
        out[key] = Coefficient(
            key, float(value), None, _finite(low), _finite(high), p, None, None, n, OK,
            reason=reason,
            method=f"{method}; F-based CI ({convention} convention)",
            extra={"f": float(f), "df1": float(df1), "df2": float(df2), "mcgraw_wong": MCGRAW_WONG[key]},
        )

    df_n, df_w, df_e = n - 1, n * (k - 1), (n - 1) * (k - 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # (Satterthwaite df ~ 0: F quantiles ~ 1e308)
        return _six(put, out, qf, n, k, bms, wms, jms, ems, df_n, df_w, df_e, convention, keys)


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


_FORMULAS = {  # Shrout & Fleiss (1979), McGraw & Wong (1996): the one place each ICC's expression is written
    "icc1": lambda n, k, bms, wms, jms, ems: (bms - wms) / (bms + (k - 1) * wms),
    "icc2": lambda n, k, bms, wms, jms, ems: (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n),
    "icc3": lambda n, k, bms, wms, jms, ems: (bms - ems) / (bms + (k - 1) * ems),
    "icc1k": lambda n, k, bms, wms, jms, ems: (bms - wms) / bms,
    "icc2k": lambda n, k, bms, wms, jms, ems: (bms - ems) / (bms + (jms - ems) / n),
    "icc3k": lambda n, k, bms, wms, jms, ems: (bms - ems) / bms,
}


def icc_value(key: str, n: int, k: int, bms, wms, jms, ems):
    """The ICC ``key`` from the mean squares (floats, or arrays of them: one per bootstrap replicate)."""
    return _FORMULAS[key](n, k, bms, wms, jms, ems)


def _six(put, out: dict, qf, n: int, k: int, bms: float, wms: float, jms: float, ems: float, df_n: int, df_w: int,
         df_e: int, convention: str, keys: tuple[str, ...] = ICC_KEYS) -> dict[str, Coefficient]:
    """ICC values and F-based bounds (Shrout & Fleiss 1979; McGraw & Wong 1996), handed to ``put``; only the
    quantiles that ``keys`` need are evaluated (each by the same expression as for all six)."""
    f1 = bms / wms
    f3 = bms / ems
    icc2 = icc_value("icc2", n, k, bms, wms, jms, ems)
    if "icc1" in keys or "icc1k" in keys:
        f1l, f1u = f1 / qf(df_n, df_w), f1 * qf(df_w, df_n)
    if "icc3" in keys or "icc3k" in keys:
        f3l, f3u = f3 / qf(df_n, df_e), f3 * qf(df_e, df_n)
    if "icc1" in keys:
        icc1 = icc_value("icc1", n, k, bms, wms, jms, ems)
        put("icc1", icc1, f1, df_n, df_w, (f1l - 1) / (f1l + k - 1), (f1u - 1) / (f1u + k - 1))
    if "icc3" in keys:
        icc3 = icc_value("icc3", n, k, bms, wms, jms, ems)
        put("icc3", icc3, f3, df_n, df_e, (f3l - 1) / (f3l + k - 1), (f3u - 1) / (f3u + k - 1))
    if "icc1k" in keys:
        icc1k = icc_value("icc1k", n, k, bms, wms, jms, ems)
        put("icc1k", icc1k, f1, df_n, df_w, 1 - 1 / f1l, 1 - 1 / f1u)
    icc2k = icc_value("icc2k", n, k, bms, wms, jms, ems)
    if convention == "irr":
        # irr::icc (McGraw & Wong 1996, r0 = 0): df2 = Satterthwaite v of each agreement form itself.
        for key, coeff, single in (("icc2", icc2, True), ("icc2k", icc2k, False)):
            if key not in keys:
                continue
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                a = k * coeff / (n * (1 - coeff))
                b = 1 + k * coeff * (n - 1) / (n * (1 - coeff))
                vv = (a * jms + b * ems) ** 2 / ((a * jms) ** 2 / (k - 1) + (b * ems) ** 2 / df_e)
                fl_, fu_ = qf(n - 1, vv), qf(vv, n - 1)
                jterm = k * jms + (k * n - k - n) * ems if single else jms - ems
                low = n * (bms - fl_ * ems) / (fl_ * jterm + n * bms)
                high = n * (fu_ * bms - ems) / (jterm + n * fu_ * bms)
            put(key, coeff, f3, df_n, vv, low, high)
    elif "icc2" in keys or "icc2k" in keys:
        # Satterthwaite df for the agreement ICC (McGraw & Wong 1996; psych::ICC, irr::icc)
        fj = jms / ems
        vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        vd = (n - 1) * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        v = vn / vd
        fu, fl = qf(n - 1, v), qf(v, n - 1)
        denom = k * jms + (k * n - k - n) * ems
        l2 = n * (bms - fu * ems) / (fu * denom + n * bms)
        u2 = n * (fl * bms - ems) / (denom + n * fl * bms)
        if "icc2" in keys:
            put("icc2", icc2, f3, df_n, df_e, l2, u2)
        if "icc2k" in keys:
            put("icc2k", icc2k, f3, df_n, df_e, l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1)))
    if "icc3k" in keys:
        icc3k = icc_value("icc3k", n, k, bms, wms, jms, ems)
        put("icc3k", icc3k, f3, df_n, df_e, 1 - 1 / f3l, 1 - 1 / f3u)
    return {key: out[key] for key in ICC_KEYS if key in keys}


def icc_all(values: np.ndarray, confidence: float = 0.95, convention: str = "psych",
            missing: str = "mixed", keys: tuple[str, ...] = ICC_KEYS) -> dict[str, Coefficient]:
    """Six ICCs of a units x coders matrix (NaN = missing); ``keys``: only these (each the same Coefficient as
    among all six, e.g. for leave-one-coder-out of one ICC).

    Complete data: two-way ANOVA mean squares, F tests and CIs as psych::ICC. With missing ratings and
    ``missing="mixed"`` (default): REML variance components from every rating (:func:`icc_mixed`), with the
    complete-unit ANOVA figures that psych::ICC reports alongside (``extra["complete_units"]``);
    ``missing="complete"``: complete units only, as psych::ICC's default.
    Ratings of extreme magnitude (near 1e308) are divided by a power of two first, exactly: the ICCs do not
    change, their squares no longer overflow (variance components are then in that unit).
    """
    from irrkit.ratings import magnitude_exponent

    x = np.asarray(values, dtype=float)
    e = magnitude_exponent(x) if x.size else 0
    if not e:
        return _icc_all(x, confidence, convention, missing, keys)
    res = _icc_all(np.ldexp(x, -e), confidence, convention, missing, keys)
    return {key: c.with_(extra={**c.extra, "variance_components": {**c.extra["variance_components"],
                                                                    "unit": f"(rating / 2^{e})^2"}})
            if "variance_components" in c.extra else c for key, c in res.items()}


def _icc_all(x: np.ndarray, confidence: float, convention: str, missing: str,
             keys: tuple[str, ...] = ICC_KEYS) -> dict[str, Coefficient]:
    keys = tuple(key for key in ICC_KEYS if key in keys)
    if x.ndim != 2 or x.size == 0:
        return {key: undefined(key, "no ratings", 0, extra={"mcgraw_wong": MCGRAW_WONG[key]}) for key in keys}
    x = x[:, ~np.all(np.isnan(x), axis=0)]
    x = x[~np.all(np.isnan(x), axis=1)]
    complete = x[~np.isnan(x).any(axis=1)]
    dropped = x.shape[0] - complete.shape[0]
    anova = _icc_complete(complete, dropped, confidence, convention, keys)
    if not dropped or missing != "mixed" or x.shape[1] < 2:
        return anova
    from irrkit.statistics.reml import too_large

    why = too_large(x.shape)
    if why:  # beyond the REML work bound: the ANOVA-type estimator for unbalanced designs
        from irrkit.ratings import Cells

        return _with_complete(icc_unbalanced(Cells.from_matrix(x), confidence, convention, keys, why), anova)
    if np.nanmax(x) == np.nanmin(x):
        return {key: undefined(key, "no variance: every rating is the same value, so the ICC is 0/0", x.shape[0],
                               extra={"mcgraw_wong": MCGRAW_WONG[key]}) for key in keys}
    from irrkit.statistics.reml import NotFitted

    try:
        mixed = icc_mixed(x, confidence, convention, keys)
    except NotFitted as e:
        return _with_note(anova, str(e))
    return _with_complete(mixed, anova)


def _with_complete(mixed: dict[str, Coefficient], anova: dict[str, Coefficient]) -> dict[str, Coefficient]:
    """The complete-unit ANOVA figures beside the figures from every rating (``complete_units``)."""
    for key, c in mixed.items():
        a = anova[key]
        mixed[key] = c.with_(extra={**c.extra, "complete_units": {
            "value": a.value, "ci_low": a.ci_low, "ci_high": a.ci_high, "p_value": a.p_value,
            "n_units": a.n_units, "f": a.extra.get("f"), "df1": a.extra.get("df1"), "df2": a.extra.get("df2"),
            "method": a.method if a.ok else a.reason,
        }})
    return mixed


def _with_note(res: dict[str, Coefficient], note: str) -> dict[str, Coefficient]:
    return {k: c.with_(method="; ".join(filter(None, (c.method, note)))) for k, c in res.items()}


def _icc_complete(complete: np.ndarray, dropped: int, confidence: float, convention: str,
                  keys: tuple[str, ...] = ICC_KEYS) -> dict[str, Coefficient]:
    n, k = complete.shape
    reason = None
    if k < 2:
        reason = "fewer than two coders: an ICC needs at least two"
    elif n < 2:
        reason = f"fewer than two units rated by every coder ({n}); an ICC needs at least two complete units"
    elif np.ptp(complete) == 0:
        reason = "no variance: every rating is the same value, so the ICC is 0/0"
    if reason:
        return {key: undefined(key, reason, n, extra={"mcgraw_wong": MCGRAW_WONG[key]}) for key in keys}
    method = "two-way ANOVA on complete units"
    if dropped:
        method += f" ({dropped} incomplete unit{'s' if dropped > 1 else ''} left out)"
    res = icc_from_mean_squares(mean_squares(complete), confidence, convention, method, keys)
    for key, c in res.items():
        if c.value is None or not np.isfinite(c.value):
            res[key] = undefined(key, "zero variance in the mean squares: the ICC is 0/0", n,
                                 extra={"mcgraw_wong": MCGRAW_WONG[key]})
    return res


def variance_components(values: np.ndarray) -> dict[str, float]:
    """REML variance components of rating = mu + unit + coder + error (crossed random effects) from all
    available ratings: the model psych::ICC fits with lme4 when lmer = TRUE (Bates et al. 2015). Newton's
    method on the profiled REML criterion with its analytic gradient and Hessian (:mod:`irrkit.statistics.reml`)."""
    from irrkit.statistics.reml import variance_components as reml_components

    return reml_components(values)


def icc_mixed(values: np.ndarray, confidence: float = 0.95, convention: str = "psych",
              keys: tuple[str, ...] = ICC_KEYS) -> dict[str, Coefficient]:
    """The six ICCs from REML variance components, using every rating (units with missing ratings too).

    As psych::ICC(x, missing = FALSE, lmer = TRUE): mean squares are rebuilt from the components
    (BMS = k s2_unit + s2_e, JMS = n s2_coder + s2_e, EMS = s2_e, WMS = s2_e + s2_coder) and the ICCs, F tests
    and CIs follow from them with the complete-data df (n units, k coders).
    """
    x = np.asarray(values, dtype=float)
    n, k = x.shape
    v = variance_components(x)
    u, c, e = (max(v[key], 0.0) for key in ("unit", "coder", "error"))
    ms = MeanSquares(n, k, bms=k * u + e, wms=e + c, jms=n * c + e, ems=e)
    res = icc_from_mean_squares(ms, confidence, convention,
                                method=f"REML linear mixed model on all {int((~np.isnan(x)).sum())} ratings "
                                       f"(psych::ICC missing=FALSE, lmer=TRUE convention)", keys=keys)
    return {key: c_.with_(extra={**c_.extra, "variance_components": v}) for key, c_ in res.items()}


DENSE_CELLS = 1 << 25  # a crowd design within the REML work bound is fitted on its units x coders matrix up to this


def icc_cells(cells, confidence: float = 0.95, convention: str = "psych", missing: str = "mixed",
              keys: tuple[str, ...] = ICC_KEYS) -> dict[str, Coefficient]:
    """The ICCs of crowd data from the rated cells (:class:`irrkit.ratings.Cells`): as :func:`icc_all` of the
    units x coders matrix (REML from every rating) while the design is within the mixed model's work bound and
    its matrix small; beyond, Henderson's Method I (:func:`icc_unbalanced`), with the complete-unit figures
    beside, all from the cells."""
    from irrkit.ratings import Cells, magnitude_exponent
    from irrkit.statistics.reml import too_large

    keys = tuple(key for key in ICC_KEYS if key in keys)
    per_u, per_c = cells.per_unit(), cells.per_coder()
    if not (per_u.all() and per_c.all()):  # units and coders without a rating are left out
        nu, nc = np.flatnonzero(per_u), np.flatnonzero(per_c)
        ru, rc = np.full(len(per_u), -1), np.full(len(per_c), -1)
        ru[nu], rc[nc] = np.arange(len(nu)), np.arange(len(nc))
        cells = Cells(ru[cells.unit], rc[cells.coder], cells.value, (len(nu), len(nc)))
        per_u, per_c = per_u[nu], per_c[nc]
    n, k = cells.shape
    if not n or k < 2 or too_large((n, k)) is None and n * k <= DENSE_CELLS:
        return icc_all(cells.dense(), confidence, convention, missing, keys)
    e = magnitude_exponent(cells.value)
    if e:
        cells = cells.with_values(np.ldexp(cells.value, -e))
    full = per_u == k
    complete = cells.value[full[cells.unit]].reshape(-1, k)  # (cells sorted by unit, then coder)
    anova = _icc_complete(complete, n - len(complete), confidence, convention, keys)
    if missing != "mixed" or len(complete) == n:
        return anova
    if np.ptp(cells.value) == 0:
        return {key: undefined(key, "no variance: every rating is the same value, so the ICC is 0/0", n,
                               extra={"mcgraw_wong": MCGRAW_WONG[key]}) for key in keys}
    res = _with_complete(icc_unbalanced(cells, confidence, convention, keys, too_large((n, k)) or ""), anova)
    if e:
        res = {key: c.with_(extra={**c.extra, "variance_components": {**c.extra["variance_components"],
                                                                       "unit": f"(rating / 2^{e})^2"}})
               if "variance_components" in c.extra else c for key, c in res.items()}
    return res


def icc_unbalanced(cells, confidence: float = 0.95, convention: str = "psych", keys: tuple[str, ...] = ICC_KEYS,
                   why: str = "") -> dict[str, Coefficient]:
    """The six ICCs from Henderson's Method I variance components (:func:`irrkit.statistics.anova.henderson1`),
    every rating used, for designs beyond the REML fit's work bound (crowd data: many units and many coders):
    the mean squares rebuilt from the components as for REML (:func:`icc_mixed`; negative components count
    as 0), F tests and CIs with the complete-data df. ``why``: the reason REML was not fitted, said in the
    method."""
    from irrkit.statistics.anova import henderson1

    n, k = cells.shape
    try:
        v = henderson1(cells.unit, cells.coder, cells.value)
    except (ValueError, np.linalg.LinAlgError):
        return {key: undefined(key, "the ANOVA-type equations of this design are singular: no ICC", n,
                               extra={"mcgraw_wong": MCGRAW_WONG[key]}) for key in keys}
    comp = {"unit": v.unit, "coder": v.coder, "error": v.error}
    if not v.error > 0:
        return {key: undefined(key, "no error variance left (ANOVA-type estimate <= 0): the ICC is not estimable",
                               n, extra={"mcgraw_wong": MCGRAW_WONG[key], "variance_components": comp})
                for key in keys}
    u, c, e = max(v.unit, 0.0), max(v.coder, 0.0), v.error
    ms = MeanSquares(n, k, bms=k * u + e, wms=e + c, jms=n * c + e, ems=e)
    method = (f"Henderson's Method I (ANOVA-type variance components for unbalanced designs) on all {v.n_ratings} "
              f"ratings" + (f"; REML not fitted: {why}" if why else ""))
    res = icc_from_mean_squares(ms, confidence, convention, method=method, keys=keys)
    return {key: c_.with_(extra={**c_.extra, "variance_components": comp}) for key, c_ in res.items()}
