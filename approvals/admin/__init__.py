"""The clerks' desk for the register (Django's admin autodiscovers this package).

items.py   the item list and form; actions.py the status-change actions and the register on a date
register.py departments, documents, jurisdictions, events, staff profiles; staff.py users on one screen
synonyms.py the search synonyms
forms.py, flat_io.py  the forms and the flat Excel/CSV import and export
The scoping rule every model admin goes through, and the site that enforces it, are in
approvals/admin_scope.py, outside this package: the site is built while the apps load, before
this package's imports may register anything.
"""

from approvals.admin import items, register, staff, synonyms  # noqa: F401  (they register the model admins)
from approvals.admin.items import ApprovalItemAdmin  # noqa: F401
