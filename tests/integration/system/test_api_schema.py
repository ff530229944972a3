"""Schemathesis against /schema/openapi.json on the live server, with an organizer's token.

Every operation of the API gets generated requests (bounded, so the whole run stays short): none
may answer 5xx, and every answer must match the status codes and bodies the schema documents.
Schema-valid requests may still be refused with 409 or 422: rules such as "the last day comes
after the first" or "the time zone exists" live in the services, not in the schema, so the
"positive data is accepted" check does not apply.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

EXAMPLES_PER_OPERATION = 10


@pytest.fixture
async def organizer_headers(api_token, demo):
    _, token = await api_token("organizer")
    return {"Authorization": f"Bearer {token}"}


def test_api_answers_match_the_schema(organizer_headers, live_server):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/schema/openapi.json")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy())
        def conforms(case):
            response = case.call(base_url=live_server.url, headers=organizer_headers)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.text}"
            )
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

        conforms()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert "POST /api/v1/meetings/{slug}/sessions" in checked
    assert "PATCH /api/v1/sessions/{session_id}" in checked
