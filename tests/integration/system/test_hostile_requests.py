"""Bodies and paths built to break the app get a 4xx with a clear error, never a 500."""

import pytest

from idmevents.registrations.tables import Registration
from idmevents.web.security import MAX_ID, json_depth

REGISTER = "/api/v1/meetings/idm-new-york/registrations"


@pytest.fixture
async def organizer(api_token):
    _, token = await api_token("admin")
    return {"Authorization": f"Bearer {token}"}


async def test_api_refuses_a_body_that_is_not_json_with_415(client, demo, organizer):
    # A cross-site form can send text/plain without a preflight: the API must not accept it.
    valid = (
        b'{"first_name": "Ana", "last_name": "Lima", "email": "ana@example.org",'
        b' "organization": "IOM", "category": "observer", "consent": true}'
    )
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]:
        response = await client.post(
            REGISTER,
            content=valid,
            headers={"Content-Type": content_type, "Origin": "https://evil.example"},
        )
        assert response.status_code == 415, content_type
        assert response.json()["error"] == "Unsupported media type"
    for url in ["/api/v1/meetings", "/api/v1/checkin/idm-new-york"]:
        response = await client.post(
            url, content=b"{}", headers={"Content-Type": "text/plain"} | organizer
        )
        assert response.status_code == 415, url
    assert await Registration.count() == 0


@pytest.mark.parametrize("url", [REGISTER, "/api/v1/checkin/idm-new-york", "/api/v1/meetings"])
async def test_deeply_nested_json_is_400_not_500(client, demo, organizer, url):
    for body in [b"[" * 5000, b'{"a":' * 5000, b"[" * 100 + b"]" * 100]:
        response = await client.post(
            url, content=body, headers={"Content-Type": "application/json"} | organizer
        )
        assert response.status_code == 400, (url, response.text[:200])
        assert response.json()["error"] == "Bad request"


def test_json_depth_ignores_brackets_inside_strings():
    assert json_depth(b'{"a": "[[[[[[\\"[[[", "b": [[1]]}') == 3
    assert json_depth(b"[" * 40) == 40


@pytest.mark.parametrize("bad_id", ["0", str(MAX_ID + 1), "9223372036854775808", "-1"])
async def test_ids_out_of_range_are_404(client, demo, organizer, bad_id):
    for url in [
        f"/meetings/idm-new-york/sessions/{bad_id}/event.ics",
        f"/api/v1/sessions/{bad_id}",
        f"/api/v1/meetings/idm-new-york/registrations/{bad_id}",
    ]:
        response = await client.get(url, headers=organizer)
        assert response.status_code == 404, (url, response.status_code)
    page = await client.get(f"/meetings/idm-new-york/sessions/{bad_id}/event.ics")
    assert "text/html" in page.headers["content-type"]
    api = await client.patch(f"/api/v1/sessions/{bad_id}", json={}, headers=organizer)
    assert (api.status_code, api.json()["error"]) == (404, "Not found")
