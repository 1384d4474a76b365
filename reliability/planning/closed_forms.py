"""How many units to code: closed-form sample sizes for reliability studies, each with its source.

Two goals, for a given number of coders ``k``:

* **precision**: the confidence interval's half-width is at most ``h`` (full width ``w = 2h``);
* **lower bound**: the CI's lower bound exceeds a minimum, with a chosen assurance (probability, e.g. 0.8).

Closed forms (``z = z_{1-(1-confidence)/2}``, ``z_b = z_{assurance}``):

* ICC, precision (Bonett 2002, Stat Med 21:1331, eq. 3): ``n = 1 + 8 z^2 (1-rho)^2 (1+(k-1)rho)^2 /
  (k (k-1) w^2)``, plus ``5 rho`` for ``k = 2`` and ``rho >= 0.7`` (Bonett's correction).
* ICC, precision with assurance (Zou 2012, Stat Med 31:3972): with ``f = (1-rho)(1+(k-1)rho)`` and
  ``f' = k - 2 - 2(k-1) rho``, ``n = 1 + 2 (z f + sqrt(z^2 f^2 + 2 w z z_b f |f'|))^2 / (k (k-1) w^2)``
  (the width's own sampling error by the delta method; ``z_b = 0`` gives Bonett's formula).
* ICC, lower bound above ``rho0`` with assurance (Walter, Eliasziw & Donner 1998, Stat Med 17:101; Zou 2012;
  as R ICC.Sample.Size): ``n = 1 + 2 k (z + z_b)^2 / ((k-1) ln(F(rho)/F(rho0))^2)``,
  ``F(r) = (1 + (k-1) r)/(1 - r)``.
* Krippendorff's alpha (Krippendorff 2004/2013, after Bloch & Kraemer 1989): the number of pairable values
  ``N = 2 z_p^2 ((1+a)(3-a) / (4 (1-a) P (1-P)) - a)`` for ``alpha_min = a`` at level ``p`` (one-sided
  ``z_p``), ``P`` the smallest category probability; units = ``ceil(N / k)``.
* Percent agreement and AC1 (Gwet 2014, Handbook, 4th ed., pp. 158-160), for two coders (more coders make
  the CI narrower, so the plan is conservative for them): ``var(pa) = pa (1-pa) / n``, so
  ``n = z^2 pa (1-pa) / h^2``; for AC1 ``var = pa (1-pa) / (n (1-pe)^2)`` with ``pe`` (of AC1) held fixed, and
  ``pa = AC1 (1-pe) + pe``. For a lower bound: ``n = (z + z_b)^2 var_1 / (value - minimum)^2``.
* Cohen's (2 coders) and Fleiss-type kappa (2-6 coders), as R kappaSize (Donner & Eliasziw 1992; Donner &
  Rotondi 2010): the goodness-of-fit chi-square between the outcome distributions at two kappas.
  Binary: the common correlation model, ``P(j of k positive) = (1-kappa) Binom(j; k, p) + kappa p [j=k] +
  kappa (1-p) [j=0]``. Three to five categories: the outcomes "all k coders chose category c" (Dirichlet-
  multinomial, ``P_c = p_c prod_{t=1}^{k-1} (p_c (1-kappa) + t kappa) / (1 + (t-1) kappa)``) and "not all
  agree". CI goal (CIBinary, CI3Cats...): the smallest ``n`` from 11 up with ``n D(kappa0, kappaL) >=
  chi2_1(1 - 2 alpha) + 0.001`` (one bound; both bounds: ``chi2_1(1 - alpha)`` each), ``D(a, b) =
  sum_j (P_j(a) - P_j(b))^2 / P_j(b)``. Power goal (PowerBinary...): ``N = lambda / D'`` with
  ``D' = sum_j (P_j(kappa1) - P_j(kappa0))^2 / P_j(kappa0)`` and ``lambda`` the non-centrality at which a
  chi2_1 test at level alpha has the power.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from irrkit.statistics.results import OK


class PlanError(ValueError):
    """An impossible or inconsistent planning request (the message says which input and why)."""


@dataclass(frozen=True)
class SampleSize:
    """A planned number of units (and codings) with how it was obtained."""

    coefficient: str
    goal: str  # "precision" or "lower_bound"
    n_units: int | None
    n_coders: int
    expected: float | None
    target: float | None  # the half-width (precision) or the minimum (lower_bound)
    confidence: float
    assurance: float | None
    method: str
    source: str
    n_raw: float | None = None  # before rounding up
    short: str = ""  # the method in a few words, for tables
    status: str = OK
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_codings(self) -> int | None:
        return None if self.n_units is None else self.n_units * self.n_coders

    def to_dict(self) -> dict[str, Any]:
        d = {"coefficient": self.coefficient, "goal": self.goal, "n_units": self.n_units,
             "n_coders": self.n_coders, "n_codings": self.n_codings, "expected": self.expected,
             "target": self.target, "confidence": self.confidence, "assurance": self.assurance,
             "n_raw": self.n_raw, "method": self.method, "short": self.short, "source": self.source,
             "status": self.status,
             "reason": self.reason}
        d.update(self.extra)
        return d


_NORMAL = NormalDist()


def _z(p: float) -> float:
    return _NORMAL.inv_cdf(p)


def _whole(k: Any) -> bool:
    """A whole number (a Python or NumPy integer), not a bool."""
    return not isinstance(k, bool) and hasattr(k, "__index__")


def _check_unit(name: str, x: float, low: float = 0.0, high: float = 1.0) -> None:
    if not (isinstance(x, (int, float)) and math.isfinite(x) and low < x < high):
        raise PlanError(f"{name} must lie strictly between {low:g} and {high:g} (got {x!r})")


def _check_common(k: int, confidence: float, assurance: float | None) -> None:
    if not _whole(k) or k < 2:
        raise PlanError(f"the number of coders must be a whole number >= 2 (got {k!r})")
    _check_unit("confidence", confidence)
    if assurance is not None:
        _check_unit("assurance", assurance)


def _ceil(x: float) -> int:
    # a value a rounding error above a whole number (e.g. 49.000000000001) stays that number
    return int(math.ceil(x - 1e-9))


# ---------------------------------------------------------------- ICC

def icc_precision(rho: float, k: int, half_width: float, confidence: float = 0.95, assurance: float | None = None,
                  bonett_correction: bool = True) -> SampleSize:
    """Units for an ICC CI of half-width ``half_width``: Bonett (2002) in expectation, Zou (2012) with
    ``assurance`` (probability that the width is at most the target)."""
    _check_common(k, confidence, assurance)
    _check_unit("the expected ICC", rho)
    _check_unit("the half-width", half_width, 0.0, 1.0)
    z = _z(1 - (1 - confidence) / 2)
    w = 2 * half_width
    f = (1 - rho) * (1 + (k - 1) * rho)
    if assurance is None:
        n = 1 + 8 * z**2 * f**2 / (k * (k - 1) * w**2)
        method = "Bonett (2002) eq. 3: expected CI width"
        if bonett_correction and k == 2 and rho >= 0.7:
            n += 5 * rho
            method += ", + 5 rho for k = 2 and rho >= 0.7"
        source = "Bonett DG (2002). Stat Med 21:1331-1335"
    else:
        zb = _z(assurance)
        fp = abs(k - 2 - 2 * (k - 1) * rho)
        n = 1 + 2 * (z * f + math.sqrt(z**2 * f**2 + 2 * w * z * zb * f * fp)) ** 2 / (k * (k - 1) * w**2)
        method = f"Zou (2012): CI width at most the target with probability {assurance:g}"
        source = "Zou GY (2012). Stat Med 31:3972-3981"
    return SampleSize("icc", "precision", max(_ceil(n), 2), k, rho, half_width, confidence, assurance, method,
                      source, n_raw=n, short="Bonett 2002" if assurance is None else "Zou 2012")


def icc_lower_bound(rho: float, minimum: float, k: int, confidence: float = 0.95,
                    assurance: float = 0.8) -> SampleSize:
    """Units so that the lower bound of the two-sided CI exceeds ``minimum`` with probability ``assurance``
    when the ICC is ``rho`` (Walter, Eliasziw & Donner 1998; Zou 2012; R ICC.Sample.Size with tails = 2)."""
    _check_common(k, confidence, assurance)
    _check_unit("the expected ICC", rho)
    _check_unit("the minimum ICC", minimum, -1 / (k - 1), 1.0)
    if minimum >= rho:
        raise PlanError(f"the expected ICC ({rho:g}) must exceed the minimum ({minimum:g}) for its lower bound "
                        "to clear it")
    z, zb = _z(1 - (1 - confidence) / 2), _z(assurance)

    def big_f(r: float) -> float:
        return (1 + (k - 1) * r) / (1 - r)

    n = 1 + 2 * k * (z + zb) ** 2 / ((k - 1) * math.log(big_f(rho) / big_f(minimum)) ** 2)
    return SampleSize("icc", "lower_bound", max(_ceil(n), 2), k, rho, minimum, confidence, assurance,
                      "Fisher's z of the ICC (Walter, Eliasziw & Donner 1998; Zou 2012)",
                      "Walter SD, Eliasziw M, Donner A (1998). Stat Med 17:101-110; Zou GY (2012). "
                      "Stat Med 31:3972-3981", n_raw=n, short="Walter et al. 1998; Zou 2012")


# ---------------------------------------------------------------- Krippendorff's alpha

def alpha_values(alpha_min: float, p: float = 0.05, smallest_probability: float | None = None,
                 n_categories: int | None = None, k: int = 2) -> SampleSize:
    """Pairable values (codings) needed for Krippendorff's alpha to be shown above ``alpha_min`` at level
    ``p`` (Krippendorff 2004, 2013, after Bloch & Kraemer 1989); ``smallest_probability``: of the rarest
    category (default: ``1 / n_categories``, equiprobable values)."""
    _check_common(k, 1 - p, None)
    _check_unit("alpha_min", alpha_min)
    if smallest_probability is None:
        if n_categories is None or n_categories < 2:
            raise PlanError("give the number of categories (>= 2) or the smallest category probability")
        smallest_probability = 1 / n_categories
    _check_unit("the smallest category probability", smallest_probability, 0.0, 0.5 + 1e-12)
    z = _z(1 - p)
    a, pc = alpha_min, smallest_probability
    values = 2 * z**2 * ((1 + a) * (3 - a) / (4 * (1 - a) * pc * (1 - pc)) - a)
    n_values = _ceil(values)
    extra: dict[str, Any] = {"n_values": n_values, "smallest_probability": pc, "p": p}
    if k > 2:
        # the values of 3+ coders of one unit are not independent: dividing the two-coder values among more
        # coders (n_values / k units) would promise the same evidence from fewer units
        extra["convention"] = (f"Krippendorff's table counts the pairable values of two coders ({n_values} values, "
                               f"{_ceil(n_values / 2)} units); with {k} coders irrkit keeps that number of units "
                               "rather than dividing the values among the coders (the convention of ATLAS.ti's "
                               "manual after Krippendorff 2004: the minimum number of units does not fall with more "
                               "coders; conservative)")
    return SampleSize("krippendorff_alpha", "lower_bound", max(_ceil(n_values / 2), 2), k, None, a,
                      1 - p, None, "Bloch & Kraemer (1989) as tabulated by Krippendorff: pairable values for "
                      "alpha_min at level p (one-sided); units = values / 2 for any number of coders",
                      "Krippendorff K (2004). Content Analysis, 2nd ed., pp. 239-241; Bloch DA, Kraemer HC "
                      "(1989). Biometrics 45:269-287", n_raw=values, short="Krippendorff after Bloch & Kraemer 1989",
                      extra=extra)


# ---------------------------------------------------------------- percent agreement and AC1

def ac1_chance(prevalences: Sequence[float]) -> float:
    """AC1's chance agreement ``sum_k pi_k (1 - pi_k) / (q - 1)`` (Gwet 2008)."""
    pi = [float(x) for x in prevalences]
    return sum(x * (1 - x) for x in pi) / (len(pi) - 1)


def _prevalences(prevalences: Any, n_categories: int | None) -> list[float]:
    """The category shares as floats summing to 1 (one number p: the two shares 1 - p, p)."""
    if prevalences is None:
        if n_categories is None or n_categories < 2:
            raise PlanError("give the category prevalences or the number of categories (>= 2)")
        return [1 / n_categories] * n_categories
    if isinstance(prevalences, (int, float)):
        prevalences = [prevalences]
    pi = [float(x) for x in prevalences]
    if len(pi) == 1:
        pi = [1 - pi[0], pi[0]]
    if len(pi) < 2 or not all(math.isfinite(x) and x > 0 for x in pi) or abs(sum(pi) - 1) > 1e-3:
        raise PlanError(f"prevalences must be two or more positive proportions that sum to 1 (got "
                        f"{', '.join(f'{x:g}' for x in pi)})")
    total = sum(pi)
    return [x / total for x in pi]


def agreement_plan(coefficient: str, expected: float, k: int, *, half_width: float | None = None,
                   minimum: float | None = None, confidence: float = 0.95, assurance: float = 0.8,
                   prevalences: Any = None, n_categories: int | None = None) -> SampleSize:
    """Percent agreement or Gwet's AC1 (Gwet 2014, pp. 158-160): precision (``half_width``) or a lower bound
    above ``minimum`` with ``assurance``. For AC1, ``pe`` comes from the prevalences (default equiprobable)."""
    if coefficient not in ("percent_agreement", "gwet_ac1"):
        raise PlanError(f"no closed form for {coefficient} here (percent_agreement, gwet_ac1)")
    _check_common(k, confidence, assurance if minimum is not None else None)
    _check_unit(f"the expected {coefficient}", expected)
    pe = 0.0
    extra: dict[str, Any] = {}
    if coefficient == "gwet_ac1":
        pi = _prevalences(prevalences, n_categories)
        pe = ac1_chance(pi)
        extra = {"pe": pe, "prevalences": [float(x) for x in pi]}
    pa = expected * (1 - pe) + pe
    var1 = pa * (1 - pa) / (1 - pe) ** 2
    extra["pa"] = pa
    z = _z(1 - (1 - confidence) / 2)
    source = "Gwet KL (2014). Handbook of Inter-Rater Reliability, 4th ed., pp. 158-160"
    what = "var(pa) = pa(1-pa)/n of two coders" + (", divided by (1-pe)^2 (pe held fixed)" if pe else "")
    if k > 2:
        extra["note"] = (f"Gwet's variance is that of two coders; with {k} coders the CI is narrower, so this n is "
                         "conservative (the simulation planner gives the n for the design)")
    if (half_width is None) == (minimum is None):
        raise PlanError("give either a half-width or a minimum")
    if half_width is not None:
        _check_unit("the half-width", half_width)
        n = z**2 * var1 / half_width**2
        return SampleSize(coefficient, "precision", max(_ceil(n), 2), k, expected, half_width, confidence, None,
                          f"normal approximation, {what}", source, n_raw=n, short="Gwet 2014", extra=extra)
    assert minimum is not None
    if minimum >= expected:
        raise PlanError(f"the expected value ({expected:g}) must exceed the minimum ({minimum:g})")
    n = (z + _z(assurance)) ** 2 * var1 / (expected - minimum) ** 2
    return SampleSize(coefficient, "lower_bound", max(_ceil(n), 2), k, expected, minimum, confidence, assurance,
                      f"normal approximation, {what}", source, n_raw=n, short="Gwet 2014", extra=extra)


# ---------------------------------------------------------------- kappa (kappaSize)

def kappa_outcome_probabilities(kappa: float, prevalences: Any, k: int) -> list[float]:
    """Outcome distribution of one unit under the models kappaSize uses (see the module docstring)."""
    pi = _prevalences(prevalences, None)
    if len(pi) == 2:
        p = pi[1]
        probs = [(1 - kappa) * math.comb(k, j) * p**j * (1 - p) ** (k - j) for j in range(k + 1)]
        probs[0] += kappa * (1 - p)
        probs[k] += kappa * p
        return probs
    agree = [pc * math.prod((pc * (1 - kappa) + t * kappa) / (1 + (t - 1) * kappa) for t in range(1, k))
             for pc in pi]
    return [*agree, 1 - sum(agree)]


def _gof(a: float, b: float, pi: Any, k: int) -> float:
    pa, pb = kappa_outcome_probabilities(a, pi, k), kappa_outcome_probabilities(b, pi, k)
    return sum((x - y) ** 2 / y for x, y in zip(pa, pb, strict=True))


def _kappa_inputs(k: int, prevalences: Any, *kappas: float) -> list[float]:
    if not _whole(k) or not 2 <= k <= 6:
        raise PlanError(f"the kappa closed forms (kappaSize) are for 2 to 6 coders (got {k!r}); use the "
                        "simulation planner for more")
    pi = _prevalences(prevalences, None)
    if len(pi) > 5:
        raise PlanError(f"the kappa closed forms (kappaSize) are for 2 to 5 categories (got {len(pi)}); use the "
                        "simulation planner for more")
    for x in kappas:
        _check_unit("kappa", x)
    return pi


KAPPA_SOURCE = ("Donner A, Eliasziw M (1992). Stat Med 11:1511-1519; Donner A, Rotondi MA (2010). Int J Biostat "
                "6(1):31; as R kappaSize 1.2")


def kappa_ci(kappa0: float, kappa_low: float, kappa_high: float | None, prevalences: Any, k: int = 2,
             alpha: float = 0.05) -> SampleSize:
    """kappaSize's CIBinary/CI3Cats/CI4Cats/CI5Cats: units so that with kappa ``kappa0`` the CI's lower limit
    is at least ``kappa_low`` (and the upper at most ``kappa_high``, if given)."""
    pi = _kappa_inputs(k, prevalences, kappa0, kappa_low, *(() if kappa_high is None else (kappa_high,)))
    _check_unit("alpha", alpha)
    if kappa_low >= kappa0 or (kappa_high is not None and kappa_high <= kappa0):
        raise PlanError(f"need kappa_low < kappa0 < kappa_high (got {kappa_low:g}, {kappa0:g}, {kappa_high})")
    crit = _z(1 - alpha if kappa_high is None else 1 - alpha / 2) ** 2  # chi2_1(1 - 2 alpha) or chi2_1(1 - alpha)
    ds = [_gof(kappa0, kappa_low, pi, k)] + ([] if kappa_high is None else [_gof(kappa0, kappa_high, pi, k)])
    n = max(11, *(_ceil((crit + 0.001) / d) for d in ds))
    name = "cohen_kappa" if k == 2 else "fleiss_kappa"
    goal, target = ("lower_bound", kappa_low) if kappa_high is None else ("precision", (kappa_high - kappa_low) / 2)
    return SampleSize(name, goal, n, k, kappa0, target, 1 - (2 * alpha if kappa_high is None else alpha), None,
                      "goodness-of-fit CI bound (Donner & Eliasziw 1992), as kappaSize "
                      f"CI{'Binary' if len(pi) == 2 else f'{len(pi)}Cats'}", KAPPA_SOURCE,
                      n_raw=max((crit + 0.001) / d for d in ds), short="kappaSize (Donner & Eliasziw 1992)",
                      extra={"kappa_low": kappa_low, "kappa_high": kappa_high,
                             "prevalences": [float(x) for x in pi], "alpha": alpha})


def noncentrality(alpha: float, power: float) -> float:
    """The non-centrality at which a one-df chi-square test at level ``alpha`` has ``power``: with
    ``X = (Z + sqrt(lambda))^2``, ``P(X > c) = Phi(sqrt(lambda) - sqrt(c)) + Phi(-sqrt(lambda) - sqrt(c))``,
    ``c = z_{1-alpha/2}^2``; bisection (the power increases with lambda)."""
    rc = _z(1 - alpha / 2)

    def pw(lam: float) -> float:
        r = math.sqrt(lam)
        return _NORMAL.cdf(r - rc) + _NORMAL.cdf(-r - rc)

    lo, hi = 0.0, 1.0
    while pw(hi) < power:
        lo, hi = hi, 2 * hi
    while hi - lo > 1e-13 * hi:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if pw(mid) < power else (lo, mid)
    return (lo + hi) / 2


def kappa_power(kappa0: float, kappa1: float, prevalences: Any, k: int = 2, alpha: float = 0.05,
                power: float = 0.8) -> SampleSize:
    """kappaSize's PowerBinary/Power3Cats/...: units for a chi-square test of kappa0 (the minimum) against
    kappa1 (the expected kappa) with ``power``: the lower bound of a (1 - alpha) CI exceeds kappa0."""
    pi = _kappa_inputs(k, prevalences, kappa0, kappa1)
    _check_unit("alpha", alpha)
    _check_unit("power", power)
    if kappa1 <= kappa0:
        raise PlanError(f"the expected kappa ({kappa1:g}) must exceed the minimum ({kappa0:g})")
    d = _gof(kappa1, kappa0, pi, k)
    n = noncentrality(alpha, power) / d
    name = "cohen_kappa" if k == 2 else "fleiss_kappa"
    return SampleSize(name, "lower_bound", _ceil(n), k, kappa1, kappa0, 1 - alpha, power,
                      "goodness-of-fit power (Donner & Eliasziw 1992), as kappaSize "
                      f"Power{'Binary' if len(pi) == 2 else f'{len(pi)}Cats'}", KAPPA_SOURCE, n_raw=n,
                      short="kappaSize (Donner & Eliasziw 1992)",
                      extra={"prevalences": [float(x) for x in pi], "alpha": alpha})


# ---------------------------------------------------------------- one entry point

CLOSED_FORM = ("icc", "krippendorff_alpha", "percent_agreement", "gwet_ac1", "cohen_kappa", "fleiss_kappa")


def closed_form(coefficient: str, expected: float, k: int, *, half_width: float | None = None,
                minimum: float | None = None, confidence: float = 0.95, assurance: float | None = 0.8,
                prevalences: Any = None, n_categories: int | None = None) -> SampleSize:
    """The closed form for ``coefficient`` and the goal given (``half_width`` or ``minimum``)."""
    if (half_width is None) == (minimum is None):
        raise PlanError("give either a target half-width or a minimum")
    key = "icc" if coefficient.startswith("icc") else coefficient
    if key == "icc":
        if half_width is not None:
            return icc_precision(expected, k, half_width, confidence, assurance)
        assert minimum is not None
        return icc_lower_bound(expected, minimum, k, confidence, 0.8 if assurance is None else assurance)
    if key in ("percent_agreement", "gwet_ac1"):
        return agreement_plan(key, expected, k, half_width=half_width, minimum=minimum, confidence=confidence,
                              assurance=0.8 if assurance is None else assurance, prevalences=prevalences,
                              n_categories=n_categories)
    if key in ("cohen_kappa", "fleiss_kappa", "conger_kappa"):
        pi = _prevalences(prevalences, n_categories)
        if half_width is not None:
            return kappa_ci(expected, expected - half_width, expected + half_width, pi, k, 1 - confidence)
        assert minimum is not None
        return kappa_power(minimum, expected, pi, k, 1 - confidence, 0.8 if assurance is None else assurance)
    if key == "krippendorff_alpha":
        if minimum is None:
            raise PlanError("Krippendorff's table plans for a minimum alpha (--min), not a half-width; use the "
                            "simulation planner for precision")
        pi = _prevalences(prevalences, n_categories)
        return alpha_values(minimum, 1 - confidence, min(pi), k=k)
    raise PlanError(f"no closed form for '{coefficient}' (closed forms: {', '.join(CLOSED_FORM)}); use the "
                    "simulation planner")
