"""Django's PostgreSQL backend, with a health check that costs no round trip while the session is sound, and a
cursor whose statements PostgreSQL plans once per connection.

**The health check.** With CONN_HEALTH_CHECKS Django asks a kept connection `SELECT 1` before each request first
uses it, so that a server that restarted or ended the session costs a reconnection rather than a 500. That query
was one of the two a cached public page costs (the other reads the register's version). A server that ends a
session (a restart, `pg_terminate_backend`, a dropped database, `idle_session_timeout`) sends its reason and closes
the socket, so the socket has something to read. Between two requests nothing else is due from the server on this
connection (no query runs, nothing listens for notifications). So: an idle socket with nothing to read is a
session still open, and no query is sent; a socket with something to read gets Django's check (`SELECT 1`), which
tells a notice from a closed session. A peer that vanished without closing (a cut cable) gives no sign either way;
`SELECT 1` would then have waited as long as the request's own first query now does.

**Prepared statements** (`prepared_cursor`). Django binds parameters on the client, so PostgreSQL parses and plans
every query afresh; for the item page's five queries planning took about 2 ms of the server's time against 0.3 ms
of running them (EXPLAIN ANALYZE at 100,000 items; the item's own query, with its jurisdiction, parent, intake and
bureau joined, 1.3 ms). A cursor from `prepared_cursor()` binds on the server and prepares each statement at its
first use on the connection (psycopg's `prepare_threshold` 0 for this connection), so later uses skip parsing and,
after PostgreSQL's five custom plans, planning. Django's own cursors bind on the client and never prepare, so
only the statements that ask for it are kept: those of a fixed shape whose plan does not depend on the values
(public/prepared.py, the item page's lookups by code and id). A pooler in transaction mode between Django and
PostgreSQL (pgbouncer before 1.21) would break them; the production recipe has none (README, Production).
"""

import select

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """A prepared statement is logged as Django logs its other queries: with its values in place."""
        if isinstance(cursor, base.ServerBindingCursor):
            try:
                return self.compose_sql(sql, params)
            except operations.errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        poller = select.poll()  # not select(), which refuses descriptors above 1023
        try:
            poller.register(self.connection.fileno(), select.POLLIN)
        except (OSError, ValueError):  # the socket is gone already
            return False
        return super().is_usable() if poller.poll(0) else True  # readable, closed or failed: ask the server

    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        options = self.settings_dict["OPTIONS"]
        if options.get("prepare_threshold") is None and options.get("server_side_binding") is not True:
            # Django's None would refuse to prepare anything. Django's cursors bind on the client (unless
            # server_side_binding, where this would prepare every query at once), so only prepared_cursor()'s
            # statements are prepared.
            params["prepare_threshold"] = 0
        return params

    def prepared_cursor(self):
        """A cursor as `cursor()` gives (logged, its errors Django's), whose statements are prepared on the server."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = base.ServerBindingCursor(self.connection)
            tzloader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
            if self.timezone != tzloader.timezone:  # as Django's create_cursor()
                base.register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)
