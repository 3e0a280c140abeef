"""Schemathesis against the generated schema: every operation, a bounded number of generated
requests each (SCHEMATHESIS_MAX_EXAMPLES, default 3), as a manager (every permission). No
request may cause a server error, and every answer must match the schema the API publishes."""

import json
import os

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import token_client

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))


@pytest.fixture
def manager_token(manager_user, order, stocked_part):
    """A token of a manager, with an order, a part and stock to find."""
    return token_client(manager_user).token


def load_schema():
    """The schema /api/schema/ serves, generated in-process (no database needed), requests
    going to the WSGI application."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    loaded.app = get_wsgi_application()
    return loaded


schema = load_schema()


@pytest.fixture
def connection_kept():
    """Requests go straight to the WSGI application, whose request signals would close the
    test's connection (on PostgreSQL, mid-transaction); Django's test client keeps it the
    same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_matches_the_schema(case, manager_token, connection_kept):
    response = case.call(headers={"Authorization": f"Token {manager_token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
