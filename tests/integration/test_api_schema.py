"""Schemathesis against /schema/openapi.json on the live server, with an organizer's token.

Every operation of the API gets generated requests (bounded, so the whole run stays short): none
may answer 5xx, and every answer must match the status codes and bodies the schema documents.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

EXAMPLES_PER_OPERATION = 12


@pytest.fixture
async def organizer_headers(api_token, demo):
    _, token = await api_token("organizer")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_schema(live_server):
    return schemathesis.openapi.from_url(f"{live_server.url}/schema/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_match_the_schema(case, organizer_headers, live_server):
    response = case.call(base_url=live_server.url, headers=organizer_headers)
    assert response.status_code < 500, response.text
    case.validate_response(response)
