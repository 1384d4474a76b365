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


@dataclass(frozen=True)
class Coefficient:
    """An agreement coefficient with its inference. Fields that cannot be computed are None and
    ``reason`` says why; ``status`` is "undefined" when the coefficient itself has no value."""

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

    def __post_init__(self) -> None:
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
