"""Till shifts (issue 15): open with a float, close with the counted drawer and the Z report.

- records.py  the shift and its Z report as plain records
- report.py   the Z report's figures and its reconciliation against the gateway's ledger
- service.py  open, current, close
- z_pdf.py    the Z report as a printable page; z_csv.py as CSV
The rows live in backend/db/shifts.py.
"""
