"""Django's PostgreSQL backend, whose health check costs no round trip while the session is sound.

With CONN_HEALTH_CHECKS Django asks a kept connection `SELECT 1` before each request first uses it, so that a
server that restarted or ended the session costs a reconnection rather than a 500. That query was one of the two a
cached public page costs (the other reads the register's version): under `python -m bench.load` the database
spent about a third of the box's CPU, and the round trip a sixth of a worker's time.

A server that ends a session (a restart, `pg_terminate_backend`, a dropped database, `idle_session_timeout`) sends
its reason and closes the socket, so the socket has something to read. Between two requests nothing else is due
from the server on this connection (no query runs, nothing listens for notifications). So: an idle socket with
nothing to read is a session still open, and no query is sent; a socket with something to read gets Django's check
(`SELECT 1`), which tells a notice from a closed session. A peer that vanished without closing (a cut cable) gives
no sign either way; `SELECT 1` would then have waited as long as the request's own first query now does.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        poller = select.poll()  # not select(), which refuses descriptors above 1023
        try:
            poller.register(self.connection.fileno(), select.POLLIN)
        except (OSError, ValueError):  # the socket is gone already
            return False
        return super().is_usable() if poller.poll(0) else True  # readable, closed or failed: ask the server
