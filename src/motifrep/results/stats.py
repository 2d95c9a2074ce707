"""Verdicts with their noise: the tests behind every claim and published number (methods §8.2).

A *side* (:class:`Side`) is one mean with its spread: a model × activation over our trials, a
scan over sequences, or a published value (with the paper's spread over its trials, or none). A
*part* (:func:`greater_part`, :func:`close_part`, :func:`bound_part`) compares two sides by
Welch's t statistic; :func:`combine` turns the parts of one claim into a verdict:

* ``holds``: every part holds by a one-sided Welch t-test at :data:`ALPHA` (an
  intersection-union test: no correction for the number of parts);
* ``does not hold``: some part is decided the other way at ``ALPHA / k`` (Bonferroni over the
  claim's ``k`` parts);
* ``too few trials``: otherwise, when a side has fewer than :data:`MIN_TRIALS` trained trials;
* ``inconclusive``: otherwise, with the trials per side that would be needed
  (:func:`trials_needed`: normal approximation at :data:`POWER`).

Parts (``d`` = mean of a − mean of b, ``SE`` = sqrt(sum of sd²/n over the two sides), Welch
degrees of freedom):

* ``greater`` (a > b + margin): t = (d − margin) / SE; holds when P(T ≥ t) < α, does not hold
  when P(T ≤ t) < α.
* ``close`` (|d| ≤ tol): two one-sided tests (TOST): holds when both (d + tol)/SE and
  (tol − d)/SE exceed the one-sided critical value; does not hold when |d| − tol is itself
  significantly above 0.
* ``bound`` (a ≤ or ≥ a published bound, the bound exact): a one-sample ``greater``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scipy import stats

ALPHA = 0.05  # one-sided level of every part
POWER = 0.8  # power behind the trials-needed estimate
MIN_TRIALS = 3  # trained trials per side below which no verdict is given
HOLDS, FAILS, INCONCLUSIVE, TOO_FEW, NOT_RUN = "holds", "does not hold", "inconclusive", "too few trials", "not run"
STATUSES = (HOLDS, FAILS, INCONCLUSIVE, TOO_FEW, NOT_RUN)


@dataclass(frozen=True)
class Side:
    """One mean and the spread behind it.

    ``sd`` is the spread of one observation (sample sd over trials, or over sequences) and
    ``n`` the observations the mean is over; the mean's variance is ``sd² / n``. ``trials`` is
    the number of trained trials behind it (None: nothing trained, e.g. a true-PWM scan or a
    published value: no minimum). ``ours`` is False for a published value: more trials of ours
    do not shrink its variance. ``unit`` names what ``n`` counts. An exact value (a bound, or a
    published value without a spread over trials) has ``sd = 0``.
    """

    mean: float
    sd: float = 0.0
    n: float = 1
    trials: int | None = None
    ours: bool = True
    unit: str = "trials"
    label: str = ""

    @property
    def var(self) -> float:
        """Variance of the mean (NaN when the spread is unknown)."""
        if self.sd == 0:
            return 0.0
        if self.sd is None or math.isnan(self.sd) or not self.n:
            return math.nan
        return self.sd ** 2 / self.n

    @property
    def too_few(self) -> bool:
        """Fewer than :data:`MIN_TRIALS` trained trials."""
        return self.trials is not None and self.trials < MIN_TRIALS

    def describe(self) -> str:
        """``"3 trials"``, ``"2 trials, 480 sequences"``, ``"published, 5 trials"``, ``"published, no spread"``."""
        if not self.ours:
            return f"published, {_count(self.n, self.unit)}" if self.sd else "published, no spread over trials"
        if self.unit == "trials":
            return _count(self.trials, "trials") if self.trials is not None else "exact"
        n = _count(self.n, self.unit)
        return n if self.trials is None else f"{_count(self.trials, 'trials')}, {n}"


def _count(n, unit: str) -> str:
    """``"1 trial"``, ``"3 trials"``, ``"400 sequences"``."""
    return f"{int(n)} {unit[:-1] if int(n) == 1 else unit}"


@dataclass
class Part:
    """One comparison of a claim or number: its difference, uncertainty and one-sided p-values.

    ``diff``: mean of a − mean of b (a bound part: a − the bound); ``se``: standard error of
    ``diff``; ``df``: Welch degrees of freedom; ``p_holds`` / ``p_fails``: one-sided p-values for
    the part and against it; ``n``: what each side is over; ``too_few``: a side has fewer than
    :data:`MIN_TRIALS` trials; ``needed``: trials per side to decide it (:func:`trials_needed`,
    from the distance of the difference to the decision boundary: |d − margin| or |tol − |d||;
    None when decided, NaN when the spread is unknown); ``unit``: what ``needed`` counts.
    """

    label: str
    diff: float
    se: float
    df: float
    p_holds: float
    p_fails: float
    n: str
    too_few: bool
    needed: float | None = None
    sides: tuple = field(default=(), repr=False)
    unit: str = "trials"


def _welch(a: Side, b: Side) -> tuple[float, float]:
    """(SE of a − b, Welch–Satterthwaite degrees of freedom; inf when no side has a spread)."""
    va, vb = a.var, b.var
    se = math.sqrt(va + vb) if not (math.isnan(va) or math.isnan(vb)) else math.nan
    terms = [v ** 2 / (s.n - 1) for v, s in ((va, a), (vb, b)) if v and not math.isnan(v) and s.n > 1]
    df = (va + vb) ** 2 / sum(terms) if terms else math.inf
    return se, df


def _sf(t: float, df: float) -> float:
    """P(T ≥ t) for Student's t with ``df`` degrees of freedom (normal at df = inf)."""
    if math.isnan(t):
        return math.nan
    return float(stats.norm.sf(t) if math.isinf(df) else stats.t.sf(t, df))


def _ratio(effect: float, se: float) -> float:
    """effect / se, with ±inf for a zero SE and a non-zero effect (NaN for 0 / 0)."""
    if se == 0:
        return math.nan if effect == 0 else math.copysign(math.inf, effect)
    return effect / se


def trials_needed(gap: float, sides, alpha: float = ALPHA, power: float = POWER) -> float:
    """Trials per side (of ours) for a one-sided test at ``alpha`` to detect ``gap`` with ``power``.

    Normal approximation: with every side of ours at ``n`` trials, SE² = Σ_ours sd²/n + Σ_published
    sd²/n_pub, and ``n`` is the smallest with (z_α + z_β)·SE ≤ ``gap``::

        n = (z_α + z_β)² · Σ_ours sd² / (gap² − (z_α + z_β)² · Σ_published sd²/n_pub)

    For two sides of ours this is ``2·((z_α + z_β)·s/gap)²`` with ``s² = (sd_a² + sd_b²)/2``.
    At least :data:`MIN_TRIALS`; inf when ``gap`` is 0 or the published spread alone is too
    wide; NaN when a spread of ours is unknown (one trial).

    Parameters
    ----------
    gap : float
        Distance of the observed difference from the decision boundary (absolute).
    sides : iterable of Side
        The sides of the comparison.
    alpha : float, default ALPHA
        One-sided level.
    power : float, default POWER
        Power.

    Returns
    -------
    float
        Trials (or sequences, for a side counted in sequences) per side, rounded up.
    """
    z = stats.norm.ppf(1 - alpha) + stats.norm.ppf(power)
    ours = [s for s in sides if s.ours]
    if any(s.sd is None or math.isnan(s.sd) for s in ours):
        return math.nan
    fixed = sum(s.var for s in sides if not s.ours)
    denominator = gap ** 2 - z ** 2 * fixed
    if gap == 0 or denominator <= 0:
        return math.inf
    return float(max(MIN_TRIALS, math.ceil(z ** 2 * sum(s.sd ** 2 for s in ours) / denominator)))


def _part(label, a: Side, b: Side, diff: float, se: float, df: float, p_holds: float, p_fails: float,
          gap: float) -> Part:
    """A part; what would decide it is counted in trials, or in sequences for a spread over sequences
    (unknown, NaN, when a trained side over sequences lacks trials: its spread over trials is not known)."""
    too_few = a.too_few or b.too_few
    unit = "sequences" if "sequences" in (a.unit, b.unit) else "trials"
    if not too_few and ((p_holds < ALPHA) or (p_fails < ALPHA)):
        needed = None
    elif unit == "sequences" and too_few:
        needed = math.nan
    else:
        needed = trials_needed(gap, (a, b))
    return Part(label, diff, se, df, p_holds, p_fails, f"{a.describe()} vs {b.describe()}", too_few, needed, (a, b),
                unit)


def greater_part(a: Side, b: Side, margin: float = 0.0, label: str = "") -> Part:
    """Part "a > b + margin": one-sided Welch t-test, both directions."""
    se, df = _welch(a, b)
    diff = a.mean - b.mean
    t = _ratio(diff - margin, se)
    p_holds, p_fails = (1.0, 1.0) if math.isnan(t) and se == 0 else (_sf(t, df), _sf(-t, df))
    return _part(label, a, b, diff, se, df, p_holds, p_fails, abs(diff - margin))


def close_part(a: Side, b: Side, tol: float, label: str = "") -> Part:
    """Part "|a − b| ≤ tol": two one-sided tests (holds), |d| − tol > 0 (does not hold)."""
    se, df = _welch(a, b)
    diff = a.mean - b.mean
    if se == 0:
        inside = abs(diff) < tol
        p_holds, p_fails = (0.0, 1.0) if inside else (1.0, 0.0) if abs(diff) > tol else (1.0, 1.0)
    else:
        p_holds = max(_sf(_ratio(diff + tol, se), df), _sf(_ratio(tol - diff, se), df))
        p_fails = min(_sf(_ratio(diff - tol, se), df), _sf(_ratio(-tol - diff, se), df))
    return _part(label, a, b, diff, se, df, p_holds, p_fails, abs(tol - abs(diff)))


def bound_part(a: Side, bound: float, relation: str, label: str = "") -> Part:
    """Part "a ≤ bound" or "a ≥ bound" (``relation`` "<=" / ">="), the bound exact."""
    exact = Side(bound, 0.0, 1, None, ours=False)
    if relation == "<=":
        part = greater_part(exact, a, label=label)
        part.diff = -part.diff  # report a − bound
    else:
        part = greater_part(a, exact, label=label)
    part.n = f"{a.describe()} vs a bound"
    return part


def combine(parts: list[Part]) -> tuple[str, Part | None, float | None]:
    """The verdict of a claim's parts: (status, deciding part, trials needed per side).

    ``does not hold`` when a part with enough trials is decided against at ``ALPHA / k``;
    else ``too few trials`` when a side has fewer than :data:`MIN_TRIALS`; else ``holds`` when
    every part holds at ``ALPHA``; else ``inconclusive``. The deciding part is the failing part
    with the smallest p-value, or the weakest part (largest ``p_holds``). Trials needed: the
    largest over the parts that do not hold yet (None when the claim holds or does not hold).
    """
    if not parts:
        return NOT_RUN, None, None
    k = len(parts)
    failing = [p for p in parts if not p.too_few and p.p_fails < ALPHA / k]
    if failing:
        return FAILS, min(failing, key=lambda p: p.p_fails), None
    weakest = max(parts, key=lambda p: (math.isnan(p.p_holds), p.p_holds if not math.isnan(p.p_holds) else 0))
    open_parts = [p for p in parts if p.too_few or not p.p_holds < ALPHA]
    if not open_parts:
        return HOLDS, weakest, None
    needed = [p.needed for p in open_parts if p.needed is not None]
    need = math.nan if not needed or any(math.isnan(v) for v in needed) else max(needed)
    status = TOO_FEW if any(p.too_few for p in parts) else INCONCLUSIVE
    if status == TOO_FEW:
        weakest = next(p for p in parts if p.too_few) if weakest not in open_parts else weakest
    return status, weakest, need


def format_needed(value, unit: str = "trials") -> str:
    """Trials needed as text: "" (decided), "?" (spread unknown), "∞", or the number ("… sequences"
    when ``unit`` is sequences)."""
    if value is None:
        return ""
    if math.isnan(value):
        return "?"
    text = "∞" if math.isinf(value) else str(int(value))
    return text if unit == "trials" else f"{text} {unit}"


def p_value(status: str, part: Part) -> float:
    """The one-sided p-value behind a verdict: against the part when it does not hold, for it
    otherwise; NaN for "too few trials" (no verdict rests on it)."""
    if status == TOO_FEW:
        return math.nan
    return part.p_fails if status == FAILS else part.p_holds
