"""Django's SQLite backend, with the SQL functions that PostgreSQL gets from migrations.

approvals_search_key() is the same Python function the search terms go through
(approvals/search.py), so SQLite and PostgreSQL compare names by one definition.
"""

from django.db.backends.sqlite3 import base

from approvals.search import search_key


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.create_function("approvals_search_key", 1, _key, deterministic=True)
        return connection


def _key(text):
    return None if text is None else search_key(text)
