"""Borrowing on an open line: draws and repayments as the API and the two money workflows see them.

`requests/`        what a borrower asked for (a draw, a repayment): the store;
`service.py`       the API side (up-front checks, start the workflow, read views);
`disbursement.py`  the steps of statemachines/disbursement.asl.json;
`repayment.py`     admission and the steps of statemachines/repayment.asl.json;
`handoffs.py`      what those workflows carry from step to step;
`bank.py`          how a transfer is sent exactly once;
`views.py`         records as the API shows them (yuan strings, percent rates).
"""
