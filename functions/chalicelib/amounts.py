"""Money at the edges: integer fen inside, decimal strings in yuan on the wire.

Rounding is stated once, here: ROUND_HALF_UP to the fen unless a caller names another mode.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100
_FEN = Decimal("0.01")


def yuan_to_fen(value: str | Decimal | int) -> int:
    """Parse a yuan amount ("1234.56") into integer fen; more than 2 decimals is an error."""
    try:
        d = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    if d != d.quantize(_FEN):
        raise ValueError(f"amount has more than 2 decimal places: {value!r}")
    return int(d * FEN_PER_YUAN)


def _split(fen: int) -> tuple[str, int, int]:
    whole, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return "-" if fen < 0 else "", whole, cents


def fen_to_yuan(fen: int) -> str:
    """Format integer fen as a yuan decimal string with exactly two places."""
    sign, whole, cents = _split(fen)
    return f"{sign}{whole}.{cents:02d}"


def yuan_display(fen: int) -> str:
    """Integer fen as the app shows yuan to people: 800000 -> '¥8,000.00'."""
    sign, whole, cents = _split(fen)
    return f"{sign}¥{whole:,}.{cents:02d}"


def round_fen(amount: Decimal, rounding: str = ROUND_HALF_UP) -> int:
    """Round a Decimal amount in fen to a whole fen."""
    return int(amount.quantize(Decimal(1), rounding=rounding))


def percent(rate: Decimal, places: int = 2) -> str:
    """A rate as a percent string: Decimal('0.1825') -> '18.25'."""
    return str((rate * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
