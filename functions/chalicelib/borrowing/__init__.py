"""Borrowing on an open line: draws and repayments as the API and the two money workflows see them.

`requests.py`  what a borrower asked for (a draw, a repayment), kept until the workflow ends;
`service.py`   the API side (up-front checks, start the workflow, read views);
`steps.py`     the workflow side (read the request by id, call one `money_services` step);
`views.py`     records as the API shows them (yuan strings, percent rates).
"""
