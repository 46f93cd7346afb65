import pytest

from rapport.accounts import selectors
from rapport.core.errors import NotFound


@pytest.fixture
def floor(make_user, team_of):
    """Two teams, each with a supervisor and two agents, plus an admin and a trainer."""
    sup_a, sup_b = make_user("supervisor"), make_user("supervisor")
    team_a, team_b = team_of(sup_a, name="Alpha"), team_of(sup_b, name="Bravo")
    return {
        "sup_a": sup_a,
        "sup_b": sup_b,
        "a1": make_user("agent", team=team_a, first_name="Zoe", last_name="Quill"),
        "a2": make_user("agent", "trainer", team=team_a),
        "b1": make_user("agent", team=team_b),
        "b2": make_user("agent", team=team_b),
        "admin": make_user("admin"),
        "trainer": make_user("trainer", team=team_a),
    }


def test_admin_sees_everyone_active(floor, make_user):
    gone = make_user("agent", is_active=False)

    people = set(selectors.user_list_for(viewer=floor["admin"]))

    assert people == set(floor.values())
    assert gone not in people


def test_supervisor_sees_own_team_and_self_only(floor):
    people = set(selectors.user_list_for(viewer=floor["sup_a"]))

    assert people == {floor["sup_a"], floor["a1"], floor["a2"], floor["trainer"]}


@pytest.mark.parametrize("role", ["agent", "trainer", "qa_analyst", "marketer", "executive"])
def test_other_roles_see_nobody(floor, make_user, role):
    viewer = make_user(role, team=floor["a1"].team)

    assert list(selectors.user_list_for(viewer=viewer)) == []


def test_role_filter(floor):
    agents = set(selectors.user_list_for(viewer=floor["admin"], role="agent"))

    assert agents == {floor["a1"], floor["a2"], floor["b1"], floor["b2"]}


def test_role_filter_inside_supervisor_scope(floor):
    trainers = list(selectors.user_list_for(viewer=floor["sup_a"], role="trainer"))

    assert set(trainers) == {floor["a2"], floor["trainer"]}
    assert len(trainers) == 2  # no duplicates from the groups join


@pytest.mark.parametrize("term", ["zoe", "QUILL", "oe"])
def test_search_by_name(floor, term):
    found = list(selectors.user_list_for(viewer=floor["admin"], search=term))

    assert found == [floor["a1"]]


def test_search_by_username(floor):
    username = floor["b2"].username

    found = list(selectors.user_list_for(viewer=floor["admin"], search=username))

    assert floor["b2"] in found


def test_search_does_not_escape_scope(floor):
    found = list(selectors.user_list_for(viewer=floor["sup_b"], search="Quill"))

    assert found == []


def test_user_get_for_in_scope(floor):
    assert selectors.user_get_for(viewer=floor["sup_a"], user_id=floor["a1"].pk) == floor["a1"]
    assert selectors.user_get_for(viewer=floor["admin"], user_id=floor["b1"].pk) == floor["b1"]


@pytest.mark.parametrize(
    ("viewer", "subject"),
    [("sup_a", "b1"), ("sup_a", "sup_b"), ("sup_a", "admin"), ("a1", "a2"), ("trainer", "a1")],
)
def test_user_get_for_out_of_scope_is_not_found(floor, viewer, subject):
    with pytest.raises(NotFound):
        selectors.user_get_for(viewer=floor[viewer], user_id=floor[subject].pk)


def test_user_get_for_missing_id_is_not_found(floor):
    with pytest.raises(NotFound):
        selectors.user_get_for(viewer=floor["admin"], user_id=999_999)
