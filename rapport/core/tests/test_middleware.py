import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/households/", "/api/v1/users/", "/audit/", "/customers/"]
)
def test_a_nul_in_the_query_string_is_a_400(client_for, path):
    client, _ = client_for("admin")

    response = client.get(path, {"q": "ab\x00c", "action": "x\x00"})

    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["code"] == "invalid"


@pytest.mark.django_db
def test_a_nul_in_any_value_of_a_repeated_key_is_a_400(client_for):
    client, _ = client_for("admin")

    response = client.get("/api/v1/households/", {"page_size": ["\x00", "10"]})

    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/customers/", "household"),
        ("/api/v1/contact-points/", "customer"),
        ("/api/v1/notes/", "customer"),
        ("/api/v1/holdings/", "product"),
    ],
)
@pytest.mark.parametrize("value", ["99999999999999999999", "-8.1e97", "abc"])
def test_an_id_filter_out_of_range_is_a_400_naming_the_field(api_for, path, param, value):
    api, _ = api_for("admin")

    response = api.get(path, {param: value})

    assert response.status_code == 400
    assert param in response.json()["fields"]
