"""The one result shape every coefficient returns, and the shared t-based inference.

Conventions (those of R irrCAC, Gwet 2014 ch. 5): the confidence interval is value +/- t(n_units - 1) x SE
with the upper bound capped at 1; the p-value is one-sided, H1: agreement above chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

OK = "ok"
UNDEFINED = "undefined"


class FrozenDict(dict):
    """A dict that cannot be changed after it is built (a Coefficient's ``extra``): reading, iterating,
    ``{**d}``, ``dict(d)``, JSON and pickling work as for a dict; every method that would change it raises
    TypeError. Build a changed copy instead: ``c.with_(extra={**c.extra, key: value})``."""

    __slots__ = ()

    def _frozen(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a Coefficient's extra cannot be changed: use c.with_(extra={**c.extra, ...})")

    __setitem__ = __delitem__ = __ior__ = _frozen  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _frozen  # type: ignore[assignment]

    def __reduce__(self) -> tuple:
        return FrozenDict, (dict(self),)

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict) -> FrozenDict:
        import copy

        return FrozenDict(copy.deepcopy(dict(self), memo))


@dataclass(frozen=True)
class Coefficient:
    """An agreement coefficient with its inference. Fields that cannot be computed are None and
    ``reason`` says why; ``status`` is "undefined" when the coefficient itself has no value. Immutable: fields
    cannot be assigned and ``extra`` is a :class:`FrozenDict`; :meth:`with_` gives a changed copy."""

    key: str
    value: float | None = None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    pa: float | None = None
    pe: float | None = None
    n_units: int = 0
    status: str = OK
    reason: str | None = None
    method: str = ""  # how SE / CI were obtained, e.g. "Gwet (2008) linearisation, t(n-1)"
    extra: dict[str, Any] = field(default_factory=dict)
    # the unit-level linearisation terms (UnitTerms), kept only on request (chance_corrected.keeping_terms) for
    # comparing coefficients; never in to_dict, equality or repr
    terms: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # (construction, the one place fields are set: a frozen dataclass's __post_init__ can only normalise them
        # by object.__setattr__; afterwards assignment raises FrozenInstanceError and extra is a FrozenDict)
        if not isinstance(self.extra, FrozenDict):
            object.__setattr__(self, "extra", FrozenDict(self.extra))
        # a value that is not a finite number (an overflow) is never reported as computed: undefined, and why
        if self.status == OK and self.value is not None and not math.isfinite(self.value):
            object.__setattr__(self, "status", UNDEFINED)
            object.__setattr__(self, "reason", f"the value is not a finite number ({self.value}): numeric overflow")
            object.__setattr__(self, "value", None)

    @property
    def ok(self) -> bool:
        return self.status == OK and self.value is not None

    def with_(self, **changes: Any) -> Coefficient:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "value": finite_or_none(self.value),
            "se": finite_or_none(self.se),
            "ci_low": finite_or_none(self.ci_low),
            "ci_high": finite_or_none(self.ci_high),
            "p_value": finite_or_none(self.p_value),
            "pa": finite_or_none(self.pa),
            "pe": finite_or_none(self.pe),
            "n_units": self.n_units,
            "status": self.status,
            "reason": self.reason,
            "method": self.method,
        }
        for k, v in self.extra.items():
            d[k] = finite_or_none(v) if isinstance(v, float) else v
        return d


@dataclass(frozen=True)
class UnitTerms:
    """A coefficient's unit-level linearisation terms (Gwet 2008), centred: ``deviations[j] = t_j - c`` for the
    unit in row ``rows[j]`` of the item's units (``rows`` None: every row in order). Its linearised variance
    is ``sum deviations^2 / (m (m - 1))`` with ``m = len(deviations)`` (cluster-robust: the deviations summed
    within clusters, :func:`irrkit.statistics.clusters.robust_se`)."""

    deviations: Any  # np.ndarray
    rows: Any = None  # np.ndarray of row indices, or None


def undefined(key: str, reason: str, n_units: int = 0, **fields: Any) -> Coefficient:
    """A coefficient that has no value, with the reason in words."""
    return Coefficient(key=key, status=UNDEFINED, reason=reason, n_units=n_units, **fields)


def finite_or_none(x: float | None) -> float | None:
    """A plain float (numpy scalars print as np.float64(...)), None for missing or non-finite values."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def t_inference(
    value: float, se: float | None, n_units: int, confidence: float = 0.95, df: int | None = None
) -> tuple[float | None, float | None, float | None, str | None]:
    """CI (t with n_units - 1 df, upper bound capped at 1) and one-sided p for H1: coefficient > 0.

    Returns (ci_low, ci_high, p_value, reason) where reason explains missing parts.
    """
    from irrkit.statistics import distributions as special

    df = n_units - 1 if df is None else df
    if df < 1 or se is None:
        return None, None, None, "fewer than two units: no standard error"
    if not math.isfinite(se) or not math.isfinite(value):
        return None, None, None, "the standard error is not a finite number (numeric overflow): no CI or p-value"
    t = float(special.stdtrit(df, 1 - (1 - confidence) / 2))
    low, high = value - t * se, min(1.0, value + t * se)
    if se > 0:
        p = float(special.stdtr(df, -value / se))
    elif value > 0:
        p = 0.0
    elif value < 0:
        p = 1.0
    else:
        return low, high, None, "SE is 0 and the value is 0: no test"
    return low, high, p, None
