"""Log in and out through the pages."""

import pytest

from rapport.accounts.tests.factories import PASSWORD


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_login_with_right_password(client, make_user):
    agent = make_user("agent")

    response = client.post("/accounts/login/", {"username": agent.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/desk/"
    assert client.session["_auth_user_id"] == str(agent.pk)


@pytest.mark.parametrize(
    ("role", "start"),
    [
        ("agent", "/desk/"),
        ("qa_analyst", "/customers/"),
        ("trainer", "/cases/escalations/"),
        ("executive", "/cases/escalations/"),
    ],
)
def test_each_role_starts_where_its_work_is(client, make_user, role, start):
    person = make_user(role)
    client.post("/accounts/login/", {"username": person.username, "password": PASSWORD})

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == start
    assert response.status_code == 200


def test_login_honours_safe_next(client, make_user):
    agent = make_user("agent")

    response = client.post(
        "/accounts/login/?next=/accounts/me/", {"username": agent.username, "password": PASSWORD}
    )

    assert response["Location"] == "/accounts/me/"


def test_wrong_password_shows_the_error(client, make_user):
    agent = make_user("agent")

    response = client.post("/accounts/login/", {"username": agent.username, "password": "nope"})

    assert response.status_code == 200
    assert b"did not match" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client_for):
    client, _ = client_for("agent")

    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post("/accounts/logout/")

    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_pages_need_login(client):
    response = client.get("/accounts/me/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/me/")


def test_login_page_locks_out_after_failure_limit(client, make_user, settings):
    agent = make_user("agent")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": agent.username, "password": "guess"})

    response = client.post("/accounts/login/", {"username": agent.username, "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_page_success_resets_the_failure_count(client, make_user, settings):
    agent = make_user("agent")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": agent.username, "password": "guess"})
    client.post("/accounts/login/", {"username": agent.username, "password": PASSWORD})
    client.post("/accounts/logout/")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": agent.username, "password": "guess"})
    response = client.post("/accounts/login/", {"username": agent.username, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)
