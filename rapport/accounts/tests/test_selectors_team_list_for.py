import pytest

from rapport.accounts import selectors


@pytest.fixture
def teams(make_user, team_of):
    sup = make_user("supervisor")
    return (
        sup,
        team_of(sup, name="Alpha"),
        team_of(sup, name="Bravo"),
        team_of(None, name="Charlie"),
    )


def test_admin_sees_all_teams_by_name(teams, make_user):
    _, alpha, bravo, charlie = teams

    assert list(selectors.team_list_for(viewer=make_user("admin"))) == [alpha, bravo, charlie]


def test_supervisor_sees_the_teams_they_lead(teams):
    sup, alpha, bravo, _ = teams

    assert list(selectors.team_list_for(viewer=sup)) == [alpha, bravo]


def test_member_sees_own_team(teams, make_user):
    _, _, _, charlie = teams

    assert list(selectors.team_list_for(viewer=make_user("agent", team=charlie))) == [charlie]


def test_without_a_team_sees_none(teams, make_user):
    assert list(selectors.team_list_for(viewer=make_user("executive"))) == []
