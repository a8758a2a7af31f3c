"""The OpenAPI schema describes exactly what the API does: schemathesis, every operation, every check."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from config.wsgi import application


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    # schemathesis 4.32's from_fixture names each operation's subtest through Node._nodeid, which pytest 9 dropped.
    request.node._nodeid = request.node.nodeid


@pytest.fixture
def wsgi_in_test_transaction(db):
    """The WSGI app, its requests inside the test's transaction: as Django's test client does, the
    connection is not closed when a request ends (on PostgreSQL that would end the transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield application
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_in_test_transaction):
    # The schema as served, read with the database open: its enumerations (jurisdictions, departments,
    # batches) come from the register.
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_in_test_transaction)


schema = schemathesis.pytest.from_fixture("api_schema")


# Ten drawn cases per operation beside the coverage phase, which already tries every value of every enumeration
# (each department, batch and jurisdiction), each parameter's bounds, wrong types and unknown parameters, and
# each undocumented method. Derandomized, 25 drew the same first ten and then 120 more cases of which half
# repeated an earlier request (a detail's 15 brought 3 new paths): about 2 of the test's 9 CPU-s.
@schema.parametrize()
@settings(max_examples=10, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_the_schema_says(case):
    case.call_and_validate()
