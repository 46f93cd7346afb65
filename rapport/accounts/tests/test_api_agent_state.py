"""GET/POST /api/v1/agents/me/state."""

from rapport.accounts.models import AgentStateChange

URL = "/api/v1/agents/me/state"


def test_post_changes_state_and_records_history(api_for):
    # Given an offline agent
    client, agent = api_for("agent")

    # When they go on a break through the API
    response = client.post(URL, {"state": "break"}, format="json")

    # Then the answer shows the new state and the history has one api entry
    assert response.status_code == 200
    assert response.json()["agent_state"] == "break"
    assert response.json()["agent_state_since"] is not None
    change = AgentStateChange.objects.get(agent=agent)
    assert (change.previous_state, change.state, change.source) == ("offline", "break", "api")
    history = client.get(f"/api/v1/users/{agent.pk}/states").json()
    assert [(h["state"], h["source"]) for h in history] == [("break", "api")]


def test_get_shows_current_state(api_for):
    client, _ = api_for("agent")
    client.post(URL, {"state": "available"}, format="json")

    assert client.get(URL).json()["agent_state"] == "available"


def test_same_state_twice_writes_one_row(api_for):
    client, agent = api_for("agent")

    client.post(URL, {"state": "break"}, format="json")
    response = client.post(URL, {"state": "break"}, format="json")

    assert response.status_code == 200
    assert AgentStateChange.objects.filter(agent=agent).count() == 1


def test_invalid_state_is_400_with_field(api_for):
    client, agent = api_for("agent")

    response = client.post(URL, {"state": "napping"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "state" in body["fields"]
    assert not AgentStateChange.objects.filter(agent=agent).exists()
