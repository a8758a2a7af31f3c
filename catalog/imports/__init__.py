"""Imports of tables into the register: the official layout (`official.import_official`).

workbook.py reads the file (sheets.py its rows, hidden ones marked; checks.py each cell and where content
stands; problems.py the problems it names), snapshot.py the register, planner.py makes the plan (plan.py)
from the two without a query, report.py words it for a clerk, official.py applies it.
"""
