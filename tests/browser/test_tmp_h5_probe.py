import pytest
from playwright.sync_api import expect
from tests.browser.test_performance_views import _drawn_chart, _kpi, _menu, figures, people, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_probe_chart_missing_is_caught(sign_in, figures):
    page = sign_in("ann")
    page.route("**/chart.umd.min.js", lambda route: route.abort())
    page.set_default_timeout(3000)
    _menu(page, "Scorecard")
    expect(_kpi(page, "fcr").get_by_test_id("value")).to_have_text("75.0 %")
    with pytest.raises(Exception):
        _drawn_chart(page, _kpi(page, "fcr"))
