"""The wait until a person answers in a live channel (chat, callback). Pure: no ORM, no clock.

A customer with ``n`` people ahead is answered after ``n + 1`` exponential phases: while ``k``
people are still ahead the queue shortens at rate ``s·μ + k·θ`` (``s`` agents answering, each at
service rate ``μ``; each waiting person gives up at rate ``θ``). The sum of these phases has an
exact, stable form: with ``a = s·μ`` and ``c = a/θ``, the number of phases completed by time ``t``
behaves like a negative binomial count with ``c`` and ``u = e^{-θt}`` (a birth process with
immigration), so

    P(wait > t) = Σ_{j=0..n} Γ(c+j)/(Γ(c)·j!) · u^c · (1-u)^j,

a finite sum of positive terms (no cancellation), evaluated in logarithms. With ``θ = 0`` it is
the Erlang (Poisson) sum. When the number of agents changes during the wait (the shift plan),
the distribution of the people still ahead at each change is carried over exactly.

The announced wait is for a customer who stays until answered: conditioning on not giving up
oneself adds one more ``θ`` to every phase (the exponential tilt of the same distribution), so
the prediction is compared fairly with the waits of the people who were answered. This is exact
for constant staffing; through a changing plan the same ``+θ`` is an approximation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from nabar.waits.predict import WaitEstimate

FloatArray = npt.NDArray[np.float64]

# Rates and plans are rounded to this many significant digits before the exact computation, so
# that repeated predictions in a busy queue are answered from a small cache.
_CACHE_DIGITS = 9
# A plan step beyond the point where fewer than this share of customers would still wait is not
# walked through.
_NEGLIGIBLE = 1e-5
_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(48)


@dataclass(frozen=True)
class Rates:
    """Service and abandonment rates estimated from recent history (per second)."""

    service_rate: float
    abandon_rate: float
    handled: int
    abandoned: int
    enough_data: bool
    basis: str

    @property
    def handle_seconds(self) -> float:
        return 1 / self.service_rate

    @property
    def patience_seconds(self) -> float:
        return math.inf if self.abandon_rate == 0 else 1 / self.abandon_rate


def estimate_rates(
    *,
    handle_seconds: Sequence[float],
    waited_seconds: Sequence[float],
    abandoned: int,
    prior_handle_seconds: float = 300.0,
    prior_patience_seconds: float = 600.0,
    prior_weight: float = 5.0,
    min_handled: int = 20,
) -> Rates:
    """Estimate μ (per agent) and θ (per waiting customer) from recent contacts.

    ``handle_seconds``: how long recently answered contacts were handled. ``waited_seconds``:
    how long every recent contact that had to wait waited (until answered or until giving up),
    and ``abandoned`` how many of them gave up. The abandonment rate is the censored-exponential
    estimate: people who gave up over the total time people spent waiting. Both are shrunk
    towards the priors by ``prior_weight`` pseudo-contacts, so scarce data gives sensible rates;
    with fewer than ``min_handled`` handled contacts the result says it had too little data.
    """
    handled = len(handle_seconds)
    total_handle = math.fsum(h for h in handle_seconds if h > 0)
    service_rate = (handled + prior_weight) / (total_handle + prior_weight * prior_handle_seconds)
    total_wait = math.fsum(w for w in waited_seconds if w > 0)
    abandon_weight = prior_weight / 5
    abandon_rate = (abandoned + abandon_weight) / (
        total_wait + abandon_weight * prior_patience_seconds
    )
    enough = handled >= min_handled
    basis = (
        f"{handled} handled, {abandoned} gave up"
        if enough
        else f"too little data: {handled} handled contacts"
    )
    return Rates(
        service_rate=service_rate,
        abandon_rate=abandon_rate,
        handled=handled,
        abandoned=abandoned,
        enough_data=enough,
        basis=basis,
    )


# --- The exact distribution -------------------------------------------------------------------


def _log_coefficients(c: float, n: int) -> FloatArray:
    """log Γ(c+j)/(Γ(c)·j!) for j = 0..n, as a running sum (no gamma function needed)."""
    j = np.arange(1, n + 1, dtype=np.float64)
    out = np.zeros(n + 1)
    with np.errstate(divide="ignore"):
        # c = 0 (nobody answering, the first phase never ends) gives log 0 = -inf: no phase done.
        out[1:] = np.cumsum(np.log(c + j - 1) - np.log(j))
    return out


def _phase_pmf(
    t: float, *, a: float, theta: float, coefficients: FloatArray, j: FloatArray | None = None
) -> FloatArray:
    """P(exactly j phases done by time t), j = 0..n, for phases at rates a, a+θ, a+2θ, …"""
    n = len(coefficients) - 1
    if t <= 0:
        out = np.zeros(n + 1)
        out[0] = 1.0
        return out
    if j is None:
        j = np.arange(n + 1, dtype=np.float64)
    if theta > 0:
        log_step = math.log(-math.expm1(-theta * t))
    elif a > 0:
        log_step = math.log(a * t)
    else:
        log_step = -math.inf
    if math.isinf(log_step):
        out = np.zeros(n + 1)
        out[0] = math.exp(-a * t)
        return out
    return np.exp(-a * t + coefficients + j * log_step)


def _coefficients(a: float, theta: float, n: int) -> FloatArray:
    if theta > 0:
        return _log_coefficients(a / theta, n)
    j = np.arange(1, n + 1, dtype=np.float64)
    out = np.zeros(n + 1)
    out[1:] = -np.cumsum(np.log(j))
    return out


@dataclass(frozen=True)
class _Piece:
    start: float
    end: float
    a: float
    # People still ahead at the start of the piece (index m: m ahead), not yet answered.
    ahead: FloatArray
    coefficients: FloatArray
    # 0..n, and the phase rates a + jθ.
    j: FloatArray
    rates: FloatArray
    # The number ahead when it is certain (the first piece), else None.
    only: int | None = None


def _survival_in(piece: _Piece, t: float, theta: float) -> tuple[float, float]:
    """P(not answered by t) and its density, for t inside the piece."""
    pmf = _phase_pmf(
        t - piece.start, a=piece.a, theta=theta, coefficients=piece.coefficients, j=piece.j
    )
    if piece.only is not None:
        # Everyone starts with the same number ahead (the first piece): a plain sum.
        return float(pmf.sum()), (piece.a + theta * piece.only) * float(pmf[-1])
    # From m ahead, not answered iff at most m phases are done.
    survival = float(piece.ahead @ np.cumsum(pmf))
    density = float(piece.ahead @ (piece.rates * pmf))
    return survival, density


def _carry(piece: _Piece, theta: float) -> FloatArray:
    """Who is still ahead at the end of the piece: P(m' ahead) for m' = 0..n."""
    n = len(piece.ahead) - 1
    length = piece.end - piece.start
    # P(at least m' ahead at the end | m ahead at the start) = P(at most m - m' of the phases
    # m, m-1, …, m' are done): the same form with a + m'·θ in place of a, for every m' at once.
    low = np.arange(n + 1, dtype=np.float64)[:, None]
    j = np.arange(n + 1, dtype=np.float64)[None, :]
    log_factorial = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1)))))
    if theta > 0:
        c = piece.a / theta
        # tail[k] = Σ_{i=1..k-1} log(c + i); the i = 0 term, log c, is -inf when nobody answers
        # and is added only to the first row (starting at m' = 0).
        tail = np.concatenate(([0.0, 0.0], np.cumsum(np.log(c + np.arange(1, 2 * n + 1)))))
        index = np.arange(n + 1)
        coefficients = tail[index[:, None] + index[None, :]] - tail[index][:, None]
        with np.errstate(divide="ignore"):
            coefficients[0, 1:] += math.log(c) if c > 0 else -math.inf
        coefficients = coefficients - log_factorial
        log_step = math.log(-math.expm1(-theta * length))
    else:
        coefficients = np.broadcast_to(-log_factorial, (n + 1, n + 1))
        log_step = math.log(piece.a * length) if piece.a > 0 else -math.inf
    rate = piece.a + theta * low
    with np.errstate(invalid="ignore"):
        logs = -rate * length + coefficients + np.where(j > 0, j * log_step, 0.0)
    pmf = np.where(low + j <= n, np.exp(np.nan_to_num(logs, nan=-np.inf)), 0.0)
    cdf = np.cumsum(pmf, axis=1)
    # at_least[m', m] = cdf[m', m - m'] for m >= m', zero below the diagonal; one more row of
    # zeros for m' = n + 1.
    at_least = np.zeros((n + 2, n + 1))
    rows, cols = np.triu_indices(n + 1)
    at_least[rows, cols] = cdf[rows, cols - rows]
    exactly = at_least[:-1] - at_least[1:]
    carried: FloatArray = exactly @ piece.ahead
    return np.clip(carried, 0.0, 1.0)


def _pieces(ahead: int, steps: tuple[tuple[float, float], ...], theta: float) -> list[_Piece]:
    """Walk through the plan: one piece per stretch of constant answering capacity."""
    start_vector = np.zeros(ahead + 1)
    start_vector[ahead] = 1.0
    j = np.arange(ahead + 1, dtype=np.float64)
    pieces: list[_Piece] = []
    for index, (start, a) in enumerate(steps):
        end = steps[index + 1][0] if index + 1 < len(steps) else math.inf
        vector = start_vector if not pieces else _carry(pieces[-1], theta)
        piece = _Piece(
            start=start,
            end=end,
            a=a,
            ahead=vector,
            coefficients=_coefficients(a, theta, ahead),
            j=j,
            rates=a + theta * j,
            only=ahead if not pieces else None,
        )
        pieces.append(piece)
        if vector.sum() < _NEGLIGIBLE:
            break
    return pieces


def _guess(piece: _Piece, theta: float, level: float) -> float:
    """A first guess of the quantile after the piece start: a gamma with the same moments."""
    inverse = 1.0 / piece.rates
    if piece.only is not None:
        mean = float(inverse.sum())
        variance = float((inverse**2).sum())
    else:
        means = np.cumsum(inverse)
        variances = np.cumsum(inverse**2)
        weight = float(piece.ahead.sum())
        mean = float(piece.ahead @ means) / weight
        variance = float(piece.ahead @ (variances + means**2)) / weight - mean**2
    shape = mean**2 / max(variance, 1e-12)
    z = NormalDist().inv_cdf(min(max(level, 1e-9), 1 - 1e-9))
    wilson_hilferty = (1 - 1 / (9 * shape) + z * math.sqrt(1 / (9 * shape))) ** 3
    return mean * max(wilson_hilferty, 0.05)


def _solve(piece: _Piece, theta: float, target: float, level: float) -> float:
    """The time in the piece where the survival falls to ``target``: Newton inside a bracket."""
    low, high = piece.start, piece.end
    t = piece.start + _guess(piece, theta, level) if math.isinf(high) else (low + high) / 2
    for _ in range(100):
        survival, density = _survival_in(piece, t, theta)
        if abs(survival - target) < 1e-12:
            return t
        if survival > target:
            low = t
        else:
            high = t
        candidate = t + (survival - target) / density if density > 0 else math.nan
        if not low < candidate < high:
            candidate = low + 2 * (t - piece.start) + 1 if math.isinf(high) else (low + high) / 2
        if abs(candidate - t) < 1e-7 * max(1.0, t):
            return candidate
        t = candidate
    return t


@lru_cache(maxsize=4096)
def _quantiles(
    ahead: int,
    steps: tuple[tuple[float, float], ...],
    theta: float,
    levels: tuple[float, ...],
) -> tuple[tuple[float, ...], float]:
    pieces = _pieces(ahead, steps, theta)
    end_survival = [
        0.0 if math.isinf(piece.end) else _survival_in(piece, piece.end, theta)[0]
        for piece in pieces
    ]
    results = []
    for level in levels:
        target = 1 - level
        answer = math.inf
        for piece, survival in zip(pieces, end_survival, strict=True):
            if survival <= target:
                answer = _solve(piece, theta, target, level)
                break
        results.append(answer)
    return tuple(results), _mean(ahead, pieces, theta)


def _mean(ahead: int, pieces: list[_Piece], theta: float) -> float:
    """E[wait]: each piece adds its expected time still waiting; the last one is closed-form."""
    total = 0.0
    for index, piece in enumerate(pieces):
        rates = piece.rates
        if np.any(rates <= 0):
            if math.isinf(piece.end):
                return math.inf
            # Nobody answers for a while: the time waited in this stretch, ∫ survival, by
            # Gauss-Legendre quadrature (the survival is smooth within a piece).
            half = (piece.end - piece.start) / 2
            total += half * sum(
                weight * _survival_in(piece, piece.start + half * (1 + node), theta)[0]
                for node, weight in zip(*_GAUSS_LEGENDRE, strict=True)
            )
            continue
        # From m ahead, the remaining phases take Σ_{k<=m} 1/(a + kθ) on average.
        remaining = np.cumsum(1.0 / rates)
        if math.isinf(piece.end):
            total += float(piece.ahead @ remaining)
            break
        # Waiting time spent inside the piece = ∫ survival, by the same phase distribution:
        # E[min(T_m, L)] = E[T_m] - E[(T_m - L)+]; the tail part is what the next pieces add,
        # computed from the carried vector at the start rate, so subtract it here.
        carried = pieces[index + 1].ahead if index + 1 < len(pieces) else _carry(piece, theta)
        total += float(piece.ahead @ remaining) - float(carried @ remaining)
    return total


def _round_time(x: float) -> float:
    """Plan times to 5 seconds: a change of staff is not known more precisely than that."""
    return round(x / 5) * 5 if x > 5 else x


def _round(x: float) -> float:
    if x == 0 or math.isinf(x):
        return x
    return round(x, _CACHE_DIGITS - 1 - math.floor(math.log10(abs(x))))


def wait_distribution(
    *,
    ahead: int,
    service_rate: float,
    abandon_rate: float,
    agents: float,
    plan: Sequence[tuple[float, float]] = (),
    levels: Sequence[float] = (0.5, 0.9),
    stays: bool = True,
) -> tuple[tuple[float, ...], float]:
    """Quantiles (seconds) at ``levels`` and the mean of the wait with ``ahead`` people ahead.

    ``agents`` answer now; ``plan`` lists later changes as (seconds from now, agents). With
    ``stays`` the wait is that of a customer who does not give up (see the module text).
    """
    theta = _round(max(0.0, abandon_rate))
    mu = max(0.0, service_rate)
    extra = theta if stays else 0.0
    capacity = max(0.0, agents) * mu
    changes: list[tuple[float, float]] = []
    for at, count in sorted(plan):
        if at <= 0:
            capacity = max(0.0, count) * mu
        elif not changes or changes[-1][1] != max(0.0, count) * mu:
            changes.append((at, max(0.0, count) * mu))
    levels = tuple(levels)
    ahead = max(0, ahead)
    # Walk through only the plan steps that can still matter: those before the time by which
    # all but a negligible share would be answered with the steps already taken into account
    # (found with the quantiles asked for, from the same computation).
    asked = (*levels, 1 - _NEGLIGIBLE)
    steps: list[tuple[float, float]] = [(0.0, _round(capacity + extra))]
    last_capacity = capacity
    for at, later_capacity in changes:
        if last_capacity > 0:
            quantiles, mean = _quantiles(ahead, tuple(steps), theta, asked)
            if at > quantiles[-1]:
                return quantiles[:-1], mean
        steps.append((_round_time(at), _round(later_capacity + extra)))
        last_capacity = later_capacity
    if last_capacity <= 0:
        return tuple(math.inf for _ in levels), math.inf
    quantiles, mean = _quantiles(ahead, tuple(steps), theta, asked)
    return quantiles[:-1], mean


# --- The announced estimate ------------------------------------------------------------------


def scaled_plan(
    plan: Sequence[tuple[float, int]], *, agents_now: int
) -> tuple[float, list[tuple[float, float]]]:
    """Agents answering now and later, the plan scaled by who actually logged in.

    ``plan`` lists (seconds from now, planned agents); the step in effect now has a time at or
    before 0. If 12 were planned now and 10 are logged in, every later step is scaled by 10/12:
    an absence nobody announced lowers the whole prediction, not only the first minutes.
    """
    ordered = sorted(plan)
    planned_now = next((count for at, count in reversed(ordered) if at <= 0), None)
    ratio = 1.0 if planned_now is None or planned_now <= 0 else agents_now / planned_now
    later = [(at, count * ratio) for at, count in ordered if at > 0]
    return float(agents_now), later


def predict_live_wait(
    *,
    ahead: int,
    agents_now: int,
    agents_free: int = 0,
    rates: Rates,
    plan: Sequence[tuple[float, int]] = (),
    target_seconds: float = 180.0,
    calibration: Calibration | None = None,
) -> WaitEstimate:
    """The expected wait in a live channel, as a median and a 90th percentile, in seconds.

    ``ahead``: people waiting before this customer; ``agents_now``: agents logged in and
    answering now, ``agents_free`` of them idle; ``plan``: the shift plan as (seconds from now,
    agents) steps. With too little history the estimate says so and announces the target.
    ``calibration`` corrects the estimate by how recent ones turned out (see ``calibrate``).
    When nobody is logged in and the plan brings nobody either, the wait is ``math.inf``: the
    caller says that no one can answer now rather than a number.
    """
    if agents_free > ahead:
        return WaitEstimate(
            median_seconds=0.0,
            p90_seconds=0.0,
            mean_seconds=0.0,
            basis="an agent is free now",
            enough_data=rates.enough_data,
        )
    if not rates.enough_data:
        return WaitEstimate(
            median_seconds=target_seconds / 2,
            p90_seconds=target_seconds,
            mean_seconds=target_seconds / 2,
            basis=f"{rates.basis}: the target",
            enough_data=False,
        )
    agents, later = scaled_plan(plan, agents_now=agents_now)
    (median, p90), mean = wait_distribution(
        ahead=ahead,
        service_rate=rates.service_rate,
        abandon_rate=rates.abandon_rate,
        agents=agents,
        plan=later,
    )
    estimate = WaitEstimate(
        median_seconds=median,
        p90_seconds=p90,
        mean_seconds=mean,
        basis=f"{ahead} ahead, {agents_now} agents answering; {rates.basis}",
        enough_data=True,
    )
    return calibrated(estimate, calibration) if calibration else estimate


# --- Learning from what happened -------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """How far recent predictions were from what happened, to correct the next ones.

    The queue model is exact for exponential handling times; real handling times are not, and
    the waits they give are usually a little shorter and less spread. ``scale`` multiplies the
    median and the mean (the ratio of the real to the predicted mean wait), ``upper`` multiplies
    the 90th percentile (a conformal quantile of real over predicted: under steady conditions at
    least 90 % of the next customers are answered within the corrected bound).
    """

    scale: float = 1.0
    upper: float = 1.0
    samples: int = 0


NO_CALIBRATION = Calibration()


def calibrate(
    *,
    outcomes: Sequence[tuple[float, float, float]],
    level: float = 0.9,
    min_samples: int = 50,
    prior_weight: float = 20.0,
) -> Calibration:
    """The correction learned from recently answered customers.

    ``outcomes``: (predicted mean, predicted 90th percentile, real wait) in seconds, each as
    predicted before any correction, for customers who had to wait and were answered. Fewer than
    ``min_samples`` give no correction; otherwise the scale is shrunk towards 1 by
    ``prior_weight`` pseudo-customers.
    """
    usable = [
        (mean, upper, real)
        for mean, upper, real in outcomes
        if mean > 0 and upper > 0 and math.isfinite(mean) and math.isfinite(upper)
    ]
    n = len(usable)
    if n < min_samples:
        return Calibration(samples=n)
    predicted = sum(mean for mean, _, _ in usable)
    real = sum(real for _, _, real in usable)
    weight = n / (n + prior_weight)
    scale = 1 + weight * (real / predicted - 1)
    ratios = sorted(real / upper for _, upper, real in usable)
    # The ⌈(n+1)·level⌉-th smallest ratio: a split-conformal bound.
    rank = min(n, math.ceil((n + 1) * level))
    upper = ratios[rank - 1]
    return Calibration(scale=scale, upper=upper, samples=n)


def calibrated(estimate: WaitEstimate, calibration: Calibration) -> WaitEstimate:
    """The estimate corrected by what recent predictions got wrong."""
    if calibration.samples == 0 or calibration is NO_CALIBRATION or not estimate.enough_data:
        return estimate
    median = estimate.median_seconds * calibration.scale
    return WaitEstimate(
        median_seconds=median,
        p90_seconds=max(median, estimate.p90_seconds * calibration.upper),
        mean_seconds=estimate.mean_seconds * calibration.scale,
        basis=estimate.basis,
        enough_data=estimate.enough_data,
    )
