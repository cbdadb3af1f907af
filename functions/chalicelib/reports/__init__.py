"""Reports after the close of business: the monthly bureau file, and the portfolio's figures."""
