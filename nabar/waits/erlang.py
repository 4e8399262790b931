"""Erlang C and Erlang A staffing maths. Pure functions: plain values in, plain values out.

Both models have contacts arriving at random (Poisson) at ``contacts_per_hour`` and handling
times that are exponential with mean ``handle_seconds``; ``agents`` people answer in order of
arrival.

* Erlang C (M/M/s): nobody gives up. With as many agents as the offered load or fewer the queue
  grows without bound: everyone waits, the service level is 0 and the average wait is infinite.
* Erlang A (M/M/s+M): each waiting contact gives up after an exponential patience with mean
  ``patience_seconds``. The queue is always stable, so fewer agents than the load is possible.

Definitions (all "per arriving contact"):

* probability of waiting: the share of contacts that find every agent busy.
* service level: the share of ALL arriving contacts answered by a person within
  ``target_seconds``. Contacts that give up count as not answered in time, however early they
  gave up. (Erlang C: ``P(wait <= t)``, since nobody gives up.)
* average speed of answer (ASA): the mean wait in the queue. Erlang C: over all contacts,
  including those answered at once. Erlang A: over the contacts that are answered (those that
  give up are left out; their mean time before giving up is ``abandonment / theta``).
* abandonment: the share of arriving contacts that give up before being answered.
* occupancy: the share of paid agent time spent handling contacts.

Numerics: the Erlang B recurrence is run on ``log(1/B)``, and the Erlang A queue tail is summed in
log space with numpy, so hundreds of agents and thousands of contacts per hour neither overflow nor
lose the probabilities outside [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# Stop summing the Erlang A queue tail once its terms fall below e**-TAIL_CUTOFF of the largest.
TAIL_CUTOFF = 45.0
# The most queue states summed for one Erlang A figure (memory and time stay bounded).
MAX_TAIL_TERMS = 1 << 22


class TargetUnreachable(ValueError):
    """No number of agents up to the limit meets the service-level target."""


@dataclass(frozen=True)
class Performance:
    """How an interval runs with a given number of agents."""

    agents: int
    offered_load: float
    probability_of_waiting: float
    service_level: float
    average_speed_of_answer: float
    abandonment: float
    occupancy: float


@dataclass(frozen=True)
class Interval:
    """One row of a forecast: a label, the contacts expected and their handling time."""

    label: str
    contacts: float
    handle_seconds: float
    patience_seconds: float | None = None


@dataclass(frozen=True)
class StaffingRow:
    """One row of a staffing table: the interval and how it runs with the agents needed."""

    label: str
    contacts: float
    handle_seconds: float
    patience_seconds: float | None
    agents: int
    service_level: float
    average_speed_of_answer: float
    abandonment: float
    occupancy: float
    probability_of_waiting: float


# --- checks ---------------------------------------------------------------------------------


def _finite(name: str, value: float) -> float:
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{name} must be a finite number, not {value}.")
    return value


def _check_load(*, contacts_per_hour: float, handle_seconds: float) -> None:
    if _finite("contacts_per_hour", contacts_per_hour) < 0:
        raise ValueError(f"contacts_per_hour cannot be negative (got {contacts_per_hour}).")
    if _finite("handle_seconds", handle_seconds) <= 0:
        raise ValueError(f"handle_seconds must be more than 0 (got {handle_seconds}).")


def _check_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int):
        raise ValueError(f"agents must be a whole number (got {agents!r}).")
    if agents < 1:
        raise ValueError(f"agents must be at least 1 (got {agents}).")


def _check_target(*, target_seconds: float, target_level: float) -> None:
    if _finite("target_seconds", target_seconds) < 0:
        raise ValueError(f"target_seconds cannot be negative (got {target_seconds}).")
    level = _finite("target_level", target_level)
    if not 0 < level < 1:
        raise ValueError(
            f"target_level must be between 0 and 1, e.g. 0.95 for 95 % (got {target_level})."
        )


def _check_patience(patience_seconds: float | None) -> None:
    if patience_seconds is not None and _finite("patience_seconds", patience_seconds) <= 0:
        raise ValueError(f"patience_seconds must be more than 0 (got {patience_seconds}).")


def _clamp(p: float) -> float:
    if math.isnan(p):
        return 0.0
    return min(1.0, max(0.0, p))


def offered_load(*, contacts_per_hour: float, handle_seconds: float) -> float:
    """The load in erlangs: how many agents would be busy all the time on average."""
    _check_load(contacts_per_hour=contacts_per_hour, handle_seconds=handle_seconds)
    return contacts_per_hour * handle_seconds / 3600.0


# --- Erlang B, in log space -------------------------------------------------------------------


def _next_log_inv_b(log_inv_b: float, *, agents: int, load: float) -> float:
    """log(1/B(agents)) from log(1/B(agents - 1)): 1/B(k) = 1 + (k / a) / B(k - 1)."""
    z = math.log(agents / load) + log_inv_b
    return z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))


def _log_inv_erlang_b_table(*, agents: int, load: float) -> list[float]:
    """log(1/B(k)) for k = 0 .. agents."""
    values = [0.0]  # B(0) = 1
    for k in range(1, agents + 1):
        values.append(_next_log_inv_b(values[-1], agents=k, load=load))
    return values


def _log_inv_erlang_b(*, agents: int, load: float) -> float:
    return _log_inv_erlang_b_table(agents=agents, load=load)[agents]


def erlang_b(*, agents: int, load: float) -> float:
    """Erlang B blocking probability for ``load`` erlangs offered to ``agents`` lines."""
    _check_agents(agents)
    if load <= 0:
        return 0.0
    return _clamp(math.exp(-_log_inv_erlang_b(agents=agents, load=load)))


def _log_expm1(x: float) -> float:
    """log(e**x - 1) for x > 0, without overflow."""
    return x + math.log(-math.expm1(-x))


def _expit(x: float) -> float:
    """1 / (1 + e**-x), without overflow."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# --- Erlang C ---------------------------------------------------------------------------------


def _erlang_c_from(*, log_inv_b: float, agents: int, load: float) -> float:
    if agents <= load:
        return 1.0
    # C = 1 / (1 + (1 - rho) (1/B - 1))
    w = math.log1p(-load / agents) + _log_expm1(log_inv_b)
    return _clamp(_expit(-w))


def _erlang_c_performance(
    *, agents: int, load: float, handle_seconds: float, target_seconds: float, log_inv_b: float
) -> Performance:
    if load == 0:
        return Performance(agents, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    c = _erlang_c_from(log_inv_b=log_inv_b, agents=agents, load=load)
    if agents <= load:
        return Performance(agents, load, 1.0, 0.0, math.inf, 0.0, 1.0)
    excess = agents - load
    level = 1.0 - c * math.exp(-excess * target_seconds / handle_seconds)
    asa = c * handle_seconds / excess
    return Performance(agents, load, c, _clamp(level), asa, 0.0, _clamp(load / agents))


def erlang_c(
    *, agents: int, contacts_per_hour: float, handle_seconds: float, target_seconds: float = 0.0
) -> Performance:
    """Erlang C (M/M/s) figures for ``agents`` agents."""
    _check_agents(agents)
    _check_load(contacts_per_hour=contacts_per_hour, handle_seconds=handle_seconds)
    if _finite("target_seconds", target_seconds) < 0:
        raise ValueError(f"target_seconds cannot be negative (got {target_seconds}).")
    load = contacts_per_hour * handle_seconds / 3600.0
    log_inv_b = _log_inv_erlang_b(agents=agents, load=load) if load > 0 else math.inf
    return _erlang_c_performance(
        agents=agents,
        load=load,
        handle_seconds=handle_seconds,
        target_seconds=target_seconds,
        log_inv_b=log_inv_b,
    )


def probability_of_waiting_c(
    *, agents: int, contacts_per_hour: float, handle_seconds: float
) -> float:
    """Erlang C: the share of contacts that find all agents busy."""
    return erlang_c(
        agents=agents, contacts_per_hour=contacts_per_hour, handle_seconds=handle_seconds
    ).probability_of_waiting


# --- Erlang A ---------------------------------------------------------------------------------


def _logsumexp(values: np.ndarray) -> float:
    if values.size == 0:
        return -math.inf
    top = float(np.max(values))
    if top == -math.inf:
        return -math.inf
    return top + math.log(float(np.sum(np.exp(values - top))))


def _erlang_a_performance(
    *,
    agents: int,
    load: float,
    handle_seconds: float,
    patience_seconds: float,
    target_seconds: float,
    log_inv_b: float,
) -> Performance:
    """M/M/s+M by the birth-death chain, with the queue tail in closed-form recurrences.

    With x = lambda / theta and y = s mu / theta, the stationary probability of j contacts queued
    is proportional (relative to "all agents busy, none queued") to
    t_j = x**j / ((y + 1) ... (y + j)), and the states with a free agent add 1/B - 1.
    A contact that arrives with j ahead of it is answered with probability y / (y + j + 1), and
    answered within t with probability y / (y + j + 1) * I_p(j + 1, y + 1), p = 1 - exp(-theta t),
    the regularised incomplete beta function (its answer time is an order statistic of
    exponentials). Its mean wait, if answered, is H_j = sum_{k=1}^{j+1} 1 / (theta (y + k)).
    """
    if load == 0:
        return Performance(agents, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    theta = 1.0 / patience_seconds
    mu = 1.0 / handle_seconds
    lam = load * mu
    x = lam / theta
    y = agents * mu / theta
    log_x = math.log(x)

    # How many queue states to sum: past the peak of t_j and far enough into its decay.
    n = int(max(0.0, x - y) + 64 + 16 * math.sqrt(x + 1))
    while True:
        j = np.arange(0, n, dtype=np.float64)
        steps = log_x - np.log(y + j[1:])
        log_t = np.concatenate(([0.0], np.cumsum(steps)))
        top = float(np.max(log_t))
        decaying = j[-1] + 1 > x - y  # the last ratio x / (y + j) is below 1
        if decaying and log_t[-1] < top - TAIL_CUTOFF:
            break
        if n >= MAX_TAIL_TERMS:
            raise ValueError(
                "The patience is too long for the Erlang A sums at this load; "
                "leave the patience out to use Erlang C."
            )
        n = min(MAX_TAIL_TERMS, n * 4)

    log_free = _log_expm1(log_inv_b)  # log(1/B - 1): states with a free agent
    log_tail = _logsumexp(log_t)
    log_z = float(np.logaddexp(log_free, log_tail))
    waiting = _clamp(math.exp(log_tail - log_z))

    log_answered_share = np.log(y) - np.log(y + j + 1)  # answered at all, given j ahead
    log_abandon_share = np.log(j + 1) - np.log(y + j + 1)
    abandonment = _clamp(math.exp(_logsumexp(log_t + log_abandon_share) - log_z))

    # Mean wait of answered contacts.
    harmonic = np.cumsum(1.0 / (y + j + 1)) / theta
    log_answered_wait = _logsumexp(log_t + log_answered_share + np.log(harmonic))
    answered = 1.0 - abandonment
    asa = math.exp(log_answered_wait - log_z) / answered if answered > 0 else math.inf

    # Answered within the target. A target so short that θ·t underflows is a target of zero.
    if target_seconds <= 0 or -math.expm1(-theta * target_seconds) <= 0.0:
        level = math.exp(log_free - log_z)
    else:
        theta_t = theta * target_seconds
        log_p = math.log(-math.expm1(-theta_t))
        # d_j = p**(j+1) (1-p)**(y+1) / ((j+1) B(j+1, y+1)); I_p(j+1, y+1) = 1 - (1-p)**(y+1) - sum_{k<j} d_k
        log_d0 = log_p - (y + 1) * theta_t + math.log(y + 1)
        log_d = log_d0 + np.concatenate(
            ([0.0], np.cumsum(log_p + np.log(j[:-1] + y + 2) - np.log(j[:-1] + 2)))
        )
        first = -math.expm1(-(y + 1) * theta_t)
        incomplete = first - np.concatenate(([0.0], np.cumsum(np.exp(log_d[:-1]))))
        incomplete = np.clip(incomplete, 0.0, 1.0)
        with np.errstate(divide="ignore"):
            log_in_time = log_t + log_answered_share + np.log(incomplete)
        log_level = float(np.logaddexp(log_free, _logsumexp(log_in_time)))
        level = math.exp(log_level - log_z)

    occupancy = load * answered / agents
    return Performance(agents, load, waiting, _clamp(level), asa, abandonment, _clamp(occupancy))


def erlang_a(
    *,
    agents: int,
    contacts_per_hour: float,
    handle_seconds: float,
    patience_seconds: float,
    target_seconds: float = 0.0,
) -> Performance:
    """Erlang A (M/M/s+M) figures for ``agents`` agents; patience is exponential with this mean."""
    _check_agents(agents)
    _check_load(contacts_per_hour=contacts_per_hour, handle_seconds=handle_seconds)
    _check_patience(patience_seconds)
    if _finite("target_seconds", target_seconds) < 0:
        raise ValueError(f"target_seconds cannot be negative (got {target_seconds}).")
    load = contacts_per_hour * handle_seconds / 3600.0
    log_inv_b = _log_inv_erlang_b(agents=agents, load=load) if load > 0 else math.inf
    return _erlang_a_performance(
        agents=agents,
        load=load,
        handle_seconds=handle_seconds,
        patience_seconds=patience_seconds,
        target_seconds=target_seconds,
        log_inv_b=log_inv_b,
    )


def performance(
    *,
    agents: int,
    contacts_per_hour: float,
    handle_seconds: float,
    target_seconds: float,
    patience_seconds: float | None = None,
) -> Performance:
    """Erlang A when a patience is given, else Erlang C."""
    if patience_seconds is None:
        return erlang_c(
            agents=agents,
            contacts_per_hour=contacts_per_hour,
            handle_seconds=handle_seconds,
            target_seconds=target_seconds,
        )
    return erlang_a(
        agents=agents,
        contacts_per_hour=contacts_per_hour,
        handle_seconds=handle_seconds,
        patience_seconds=patience_seconds,
        target_seconds=target_seconds,
    )


# --- agents needed ----------------------------------------------------------------------------


def staff_for(
    *,
    contacts_per_hour: float,
    handle_seconds: float,
    target_seconds: float,
    target_level: float,
    patience_seconds: float | None = None,
    max_agents: int = 5000,
) -> Performance:
    """The fewest agents whose service level reaches ``target_level``, with their figures.

    Zero contacts need zero agents (service level 1). Raises ``TargetUnreachable`` when even
    ``max_agents`` agents fall short, and ``ValueError`` for impossible input.
    """
    _check_load(contacts_per_hour=contacts_per_hour, handle_seconds=handle_seconds)
    _check_target(target_seconds=target_seconds, target_level=target_level)
    _check_patience(patience_seconds)
    if isinstance(max_agents, bool) or not isinstance(max_agents, int) or max_agents < 1:
        raise ValueError(f"max_agents must be a whole number of at least 1 (got {max_agents!r}).")
    load = contacts_per_hour * handle_seconds / 3600.0
    if load == 0:
        return Performance(0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)

    def evaluate(agents: int, log_inv_b: float) -> Performance:
        if patience_seconds is None:
            return _erlang_c_performance(
                agents=agents,
                load=load,
                handle_seconds=handle_seconds,
                target_seconds=target_seconds,
                log_inv_b=log_inv_b,
            )
        return _erlang_a_performance(
            agents=agents,
            load=load,
            handle_seconds=handle_seconds,
            patience_seconds=patience_seconds,
            target_seconds=target_seconds,
            log_inv_b=log_inv_b,
        )

    # Erlang C needs more agents than the load; Erlang A usually about as many, so start there
    # and walk down (Erlang A) while the target still holds, else walk up one agent at a time,
    # carrying the Erlang B recurrence along so each step costs O(1) plus the tail sum.
    start = min(max_agents, max(1, math.floor(load) + 1))
    log_inv_bs = _log_inv_erlang_b_table(agents=start, load=load)
    log_inv_b = log_inv_bs[start]
    best = evaluate(start, log_inv_b)
    if best.service_level >= target_level:
        if patience_seconds is None:
            return best
        # The level only grows with agents: bisect below the load for the fewest that suffice.
        low, high = 0, start  # low fails (or is no one), high meets the target
        while high - low > 1:
            middle = (low + high) // 2
            candidate = evaluate(middle, log_inv_bs[middle])
            if candidate.service_level >= target_level:
                high, best = middle, candidate
            else:
                low = middle
        return best
    agents = start
    while agents < max_agents:
        agents += 1
        log_inv_b = _next_log_inv_b(log_inv_b, agents=agents, load=load)
        candidate = evaluate(agents, log_inv_b)
        if candidate.service_level >= target_level:
            return candidate
    raise TargetUnreachable(
        f"Even {max_agents} agents cannot answer {target_level:.0%} of contacts within "
        f"{target_seconds:g} s at {contacts_per_hour:g} contacts per hour of "
        f"{handle_seconds:g} s each"
        + (
            f" with a mean patience of {patience_seconds:g} s"
            if patience_seconds is not None
            else ""
        )
        + "."
    )


def agents_needed(
    *,
    contacts_per_hour: float,
    handle_seconds: float,
    target_seconds: float,
    target_level: float,
    patience_seconds: float | None = None,
    max_agents: int = 5000,
) -> int:
    """The fewest agents that answer ``target_level`` of contacts within ``target_seconds``.

    Erlang A when ``patience_seconds`` is given (the level then counts contacts that give up as
    not answered in time), else Erlang C. Zero contacts need zero agents. Raises
    ``TargetUnreachable`` when ``max_agents`` is not enough, ``ValueError`` for impossible input.
    """
    return staff_for(
        contacts_per_hour=contacts_per_hour,
        handle_seconds=handle_seconds,
        target_seconds=target_seconds,
        target_level=target_level,
        patience_seconds=patience_seconds,
        max_agents=max_agents,
    ).agents


# --- forecast -> staffing table ---------------------------------------------------------------


def staffing_table(
    forecast: Iterable[Interval],
    *,
    interval_minutes: float,
    target_seconds: float,
    target_level: float,
    max_agents: int = 5000,
) -> list[StaffingRow]:
    """Agents needed and expected figures for each forecast interval.

    ``contacts`` in each interval are spread over ``interval_minutes``; the interval is treated
    as steady state (the usual staffing assumption).
    """
    minutes = _finite("interval_minutes", interval_minutes)
    if minutes <= 0:
        raise ValueError(f"interval_minutes must be more than 0 (got {interval_minutes}).")
    rows: list[StaffingRow] = []
    for interval in forecast:
        try:
            result = staff_for(
                contacts_per_hour=interval.contacts * 60.0 / minutes,
                handle_seconds=interval.handle_seconds,
                target_seconds=target_seconds,
                target_level=target_level,
                patience_seconds=interval.patience_seconds,
                max_agents=max_agents,
            )
        except TargetUnreachable as error:
            raise TargetUnreachable(f"Interval {interval.label}: {error}") from error
        rows.append(
            StaffingRow(
                label=interval.label,
                contacts=interval.contacts,
                handle_seconds=interval.handle_seconds,
                patience_seconds=interval.patience_seconds,
                agents=result.agents,
                service_level=result.service_level,
                average_speed_of_answer=result.average_speed_of_answer,
                abandonment=result.abandonment,
                occupancy=result.occupancy,
                probability_of_waiting=result.probability_of_waiting,
            )
        )
    return rows


def total_agent_hours(rows: Sequence[StaffingRow], *, interval_minutes: float) -> float:
    """Agent hours the table asks for."""
    return sum(row.agents for row in rows) * interval_minutes / 60.0
