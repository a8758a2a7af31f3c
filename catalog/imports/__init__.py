"""Imports of tables into the register: the official layout (`official.import_official`).

workbook.py reads the file, snapshot.py the register, planner.py makes the plan (plan.py)
from the two without a query, report.py words it for a clerk, official.py applies it.
"""
