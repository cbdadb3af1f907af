"""The sandbox credit bureau: a month's report is submitted by writing its file where a real
submission would pick it up (`reports/bureau/YYYY-MM.csv`). A real bureau (PBoC's credit
reference centre, Baihang) is another adapter behind `BureauReporter`: it maps our ids to the
identity the bureau needs, outside the workflow, and submits under the month as key."""

from __future__ import annotations

from .port import CSV, ReportFiles, Submission, bureau_key


class SandboxBureauReporter:
    def __init__(self, files: ReportFiles) -> None:
        self._files = files

    def submit(self, month: str, csv_text: str) -> Submission:
        body = csv_text.encode()
        stored = self._files.put(bureau_key(month), body, CSV)
        accounts = max(0, csv_text.count("\n") - 1)  # a header line, then one per account
        return Submission(month, stored.key, accounts, stored.sha256)

    def submitted(self, month: str) -> bool:
        return self._files.get(bureau_key(month)) is not None
