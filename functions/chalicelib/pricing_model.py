"""Risk-based pricing: the price an applicant's risk needs, the line that price can carry, and
when a human review is worth what it costs. Every assumption is a named field of `Economics`.

Per yuan of a typical draw (`draw_months` monthly repayments of equal principal):

    B        = balance-years of the draw = (n + 1) / 24 for n months        (0.5417 for 12)
    EL       = PD x LGD x EAD             expected loss per yuan drawn
    APR*(PD) = cost of funds + servicing + target return + EL / B

APR* is the lowest APR whose interest on the balance pays for the money, the work, the expected
loss and our target return. The offer is APR* rounded UP to the product's next rate step (one
grade per step). When no step is high enough (APR* above the last step, which sits under the
legal 24 % cap) the application is declined as PRICE_ABOVE_CAP. So the grades' PD bands are an
output of this model (`tier_table`), not a hand-set table.

PD is the model's calibrated probability that this loan goes bad over its life; the credit
model takes the requested term as an input, so it is the PD of the draw applied for.

Line: the expected loss of the whole line, drawn in full at default, must stay within the margin
the price earns on a typical draw (its allowance for loss plus the target return):

    PD x LGD x line <= (APR* - cost of funds - servicing) x B x typical draw
    line <= typical draw x (target x B / (PD x LGD) + EAD)

A safer applicant gets a longer line, a richer one too (the typical draw is a share of monthly
income); affordability, the product's limits and rounding are applied by `pricing.price`.

Review: an analyst reading the file can learn what the model cannot, modelled as moving the odds
of default up or down by `review_odds_factor` (with weights that leave the expected PD where the
model put it). Near the break-even PD at the top step, that can flip lend-or-not; far from it
it cannot. A review is worth it when the expected money it saves on the requested amount is at
least `review_cost_fen`, which gives a band around the break-even that widens with the amount.

Rates are Decimal fractions; PDs arrive as floats and are read through their repr (str), so a
PD of 0.1 is 0.1. No I/O, no clock: every function is a pure calculation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

APR_CAP = Decimal("0.24")
"""Hard legal cap (PBoC / Supreme People's Court guidance): no step may exceed it."""

# The product's rate steps, one per grade, cheapest first; shown to customers as daily rates
# (0.0200 %, 0.0300 %, 0.0400 %, 0.0507 %, 0.0660 % a day). Their PD bands are computed.
RATE_STEPS: tuple[tuple[str, Decimal], ...] = (
    ("A", Decimal("0.0720")),
    ("B", Decimal("0.1080")),
    ("C", Decimal("0.1440")),
    ("D", Decimal("0.1825")),
    ("E", Decimal("0.2376")),
)
GRADES = tuple(g for g, _ in RATE_STEPS)
APR_FLOOR = RATE_STEPS[0][1]
DAY_COUNT = 360
_ONE = Decimal(1)
_PD_PLACES = Decimal("1e-6")


@dataclass(frozen=True)
class Economics:
    """What a yuan lent costs and must earn. Sources and reasoning beside each field.

    The figures are a new lender's planning assumptions, not measurements: replace each with our
    own figure once we have it (cost of funds from treasury, servicing from finance, LGD and EAD
    from our own defaults and recoveries, review figures from the analysts' outcomes).
    """

    cost_of_funds: Decimal = Decimal("0.035")
    """A year, on the drawn balance. The 1-year Loan Prime Rate was 3.0 % in 2025; a lender
    without deposits borrows from banks or through ABS at a spread above it."""
    servicing: Decimal = Decimal("0.015")
    """A year, on the drawn balance: KYC, bureau pulls, payment rails, SMS, support, collection
    of late accounts and the running of this system. Digital-only; finance to confirm."""
    target_return: Decimal = Decimal("0.012")
    """A year, on the drawn balance, after losses: capital of 10 % of the balance (roughly what a
    75 % retail risk weight and a 10.5 % capital ratio ask) times a 12 % pre-tax return on it."""
    lgd: Decimal = Decimal("0.85")
    """Loss given default: unsecured, no collateral, so we keep only what collection recovers.
    We assume 15 % of the exposure is recovered; sales of defaulted personal loans in China
    have cleared at a small fraction of principal, so this is not a cautious figure."""
    ead: Decimal = Decimal("0.70")
    """Exposure at default, as a share of the draw. Consumer instalment defaults cluster in the
    first half of the term and a default is recognised 90 days after the last payment: after
    four of twelve payments 8/12 of principal is unpaid, plus about three months' interest."""
    draw_months: int = 12
    """A typical draw's term: the product's most common choice and the term the affordability
    check (`pricing.LinePolicy.repayment_months`) assumes."""
    typical_draw_income_months: Decimal = Decimal("1")
    """A typical draw, in months of the applicant's income: micro-loan draws are a month or two
    of income. Scales the line with income (see the module docstring)."""
    review_cost_fen: int = 5_000
    """¥50: twenty minutes of an analyst's time (¥150 an hour fully loaded), a call included."""
    review_odds_factor: Decimal = Decimal("1.5")
    """What a review can learn that the model cannot: it moves the odds of default up or down by
    this factor. The model already reads the bureau file; an analyst adds the documents and a
    call, so we assume a modest 1.5. The most uncertain figure here (at 2 the band for ¥5,000
    roughly triples): measure it from review outcomes."""
    rate_steps: tuple[tuple[str, Decimal], ...] = RATE_STEPS
    apr_cap: Decimal = APR_CAP

    def __post_init__(self) -> None:
        aprs = [apr for _, apr in self.rate_steps]
        if not aprs or aprs != sorted(aprs) or len(set(aprs)) != len(aprs):
            raise ValueError("rate steps must be strictly increasing")
        if aprs[-1] > self.apr_cap:
            raise ValueError(f"the top rate step {aprs[-1]} is above the cap {self.apr_cap}")
        if self.draw_months < 1 or not (0 < self.lgd <= 1 and 0 < self.ead <= 1):
            raise ValueError("draw_months >= 1, and LGD and EAD within (0, 1], are required")

    @property
    def balance_years(self) -> Decimal:
        """Balance-years of one yuan drawn over `draw_months` equal-principal repayments."""
        return Decimal(self.draw_months + 1) / 24

    @property
    def base_apr(self) -> Decimal:
        """APR* of a borrower who never defaults: funds + servicing + target return."""
        return self.cost_of_funds + self.servicing + self.target_return

    @property
    def loss_per_pd(self) -> Decimal:
        """APR the price adds per unit of PD: LGD x EAD / B."""
        return self.lgd * self.ead / self.balance_years

    @property
    def top_step(self) -> tuple[str, Decimal]:
        return self.rate_steps[-1]

    @property
    def break_even_pd(self) -> Decimal:
        """The PD whose APR* equals the top step: above it, PRICE_ABOVE_CAP."""
        return (self.top_step[1] - self.base_apr) / self.loss_per_pd


DEFAULT_ECONOMICS = Economics()


def as_pd(pd: float | Decimal) -> Decimal:
    d = pd if isinstance(pd, Decimal) else Decimal(str(pd))
    if not d.is_finite() or not 0 <= d <= 1:
        raise ValueError(f"pd must be within [0, 1], not {pd}")
    return d


def expected_loss(pd: float | Decimal, e: Economics = DEFAULT_ECONOMICS) -> Decimal:
    """Expected loss per yuan of a typical draw: PD x LGD x EAD."""
    return as_pd(pd) * e.lgd * e.ead


def required_apr(pd: float | Decimal, e: Economics = DEFAULT_ECONOMICS) -> Decimal:
    """APR*: the lowest APR that earns the target return at this PD (not rounded, not capped)."""
    return e.base_apr + as_pd(pd) * e.loss_per_pd


def expected_return(apr: Decimal, pd: float | Decimal, e: Economics = DEFAULT_ECONOMICS) -> Decimal:
    """Return a year on the drawn balance at `apr`, after funds, servicing and expected loss."""
    return apr - e.cost_of_funds - e.servicing - expected_loss(pd, e) / e.balance_years


@dataclass(frozen=True)
class Quote:
    pd: Decimal
    required_apr: Decimal
    """APR*, before rounding up to a step."""
    grade: str | None
    """None when no step is high enough: PRICE_ABOVE_CAP."""
    apr: Decimal | None

    @property
    def within_cap(self) -> bool:
        return self.grade is not None


def quote(pd: float | Decimal, e: Economics = DEFAULT_ECONOMICS) -> Quote:
    """APR* and the step it rounds up to, or no step when APR* is above the top one."""
    p = as_pd(pd)
    need = required_apr(p, e)
    for grade, apr in e.rate_steps:
        if need <= apr:
            return Quote(p, need, grade, apr)
    return Quote(p, need, None, None)


def capped_quote(pd: float | Decimal, e: Economics = DEFAULT_ECONOMICS) -> tuple[str, Decimal]:
    """The grade and APR offered: the step APR* rounds up to, or the top step when an analyst
    approved an applicant whose APR* is above it (the cap holds either way)."""
    q = quote(pd, e)
    if q.grade is None or q.apr is None:
        return e.top_step
    return q.grade, q.apr


@dataclass(frozen=True)
class Tier:
    grade: str
    pd_from: Decimal
    pd_to: Decimal
    """PDs in (pd_from, pd_to] are offered this grade (A's band includes 0)."""
    apr: Decimal
    daily_rate: Decimal


def daily_rate(apr: Decimal) -> Decimal:
    """APR / 360, rounded half-up to 10 places: the rate interest accrues at each day."""
    return (apr / DAY_COUNT).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)


def tier_table(e: Economics = DEFAULT_ECONOMICS) -> list[Tier]:
    """The grades as this model makes them: each step's PD band, APR and daily rate.

    The band's upper edge is the PD at which APR* reaches the step; a step the base APR already
    exceeds has an empty band (pd_to == pd_from == 0).
    """
    out: list[Tier] = []
    lo = Decimal(0)
    for grade, apr in e.rate_steps:
        hi = max(lo, min(_ONE, (apr - e.base_apr) / e.loss_per_pd))
        out.append(Tier(grade, lo, hi, apr, daily_rate(apr)))
        lo = hi
    return out


def grade_pd_edges(e: Economics = DEFAULT_ECONOMICS) -> list[float]:
    """Upper PD edges of all grades but the last, for the scorer's grade (strictly below an edge
    is that grade). Rounded to 6 places, the precision PDs are recorded at."""
    return [float(t.pd_to.quantize(_PD_PLACES, rounding=ROUND_DOWN)) for t in tier_table(e)[:-1]]


# --- The line ----------------------------------------------------------------------------------


def risk_line_fen(
    pd: float | Decimal, monthly_income_fen: int, e: Economics = DEFAULT_ECONOMICS
) -> Decimal | None:
    """The largest line whose expected loss drawn in full stays within the price's margin on a
    typical draw; None when PD is 0 (no risk limit, affordability and the ceiling decide)."""
    if monthly_income_fen < 0:
        raise ValueError("monthly income must be non-negative fen")
    p = as_pd(pd)
    typical = Decimal(monthly_income_fen) * e.typical_draw_income_months
    if p == 0:
        return None
    return typical * (e.target_return * e.balance_years / (p * e.lgd) + e.ead)


# --- Manual review -----------------------------------------------------------------------------


def _odds_to_pd(odds: Decimal) -> Decimal:
    return odds / (_ONE + odds)


def review_value_fen(
    pd: float | Decimal, amount_fen: int, e: Economics = DEFAULT_ECONOMICS
) -> Decimal:
    """Expected money a review saves on `amount_fen` lent at the top step (fen, >= 0).

    Lending at the top step earns (top - base APR) x B - PD x LGD x EAD per yuan over the
    target, so the machine lends below the break-even PD and declines above it. A review moves
    the PD to p_up or p_down (odds x or / the factor), weighted so the expected PD stays `pd`;
    its value is what deciding on the revised PD earns over deciding on `pd`.
    """
    if amount_fen < 0:
        raise ValueError("amount must be non-negative fen")
    p = as_pd(pd)
    if p in (0, 1):
        return Decimal(0)  # nothing left to learn
    margin = (e.top_step[1] - e.base_apr) * e.balance_years
    loss = e.lgd * e.ead

    def gain(q: Decimal) -> Decimal:  # lending at the top step, per yuan, when it is worth it
        return max(Decimal(0), margin - q * loss)

    odds = p / (_ONE - p)
    up, down = _odds_to_pd(odds * e.review_odds_factor), _odds_to_pd(odds / e.review_odds_factor)
    w_up = (p - down) / (up - down)
    value = w_up * gain(up) + (_ONE - w_up) * gain(down) - gain(p)
    return max(Decimal(0), value) * amount_fen


def worth_review(pd: float | Decimal, amount_fen: int, e: Economics = DEFAULT_ECONOMICS) -> bool:
    """A human adds value here: the expected money a review saves covers its cost."""
    return review_value_fen(pd, amount_fen, e) >= e.review_cost_fen


def review_band(
    amount_fen: int, e: Economics = DEFAULT_ECONOMICS
) -> tuple[Decimal, Decimal] | None:
    """The PDs sent to review for this amount, as (from, to); None when no PD is worth it.

    The review value is zero far from the break-even PD and rises towards it from both sides,
    so the band is one interval around it; its edges are found by bisection to 1e-6.
    """
    p_star = e.break_even_pd
    if not 0 < p_star < 1 or not worth_review(p_star, amount_fen, e):
        return None

    def edge(inside: Decimal, outside: Decimal) -> Decimal:
        for _ in range(40):
            mid = (inside + outside) / 2
            if worth_review(mid, amount_fen, e):
                inside = mid
            else:
                outside = mid
        return inside.quantize(
            _PD_PLACES, rounding=ROUND_CEILING if inside > outside else ROUND_DOWN
        )

    return edge(p_star, Decimal(0)), edge(p_star, _ONE)
