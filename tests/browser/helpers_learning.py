"""What the learning and briefings browser tests share: signing in, watching for console errors
and content-security-policy violations, and reading what Chart.js drew on a canvas."""

from collections.abc import Callable, Iterator

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

CHART_DRAWN = "(canvas) => !!(window.Chart && window.Chart.getChart(canvas))"
# Records Content-Security-Policy violations before any of the page's own scripts run.
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""
DESKTOP = {"width": 1400, "height": 1000}


def signer(browser: Browser, base: str, password: str) -> Iterator[Callable[[str], Page]]:
    """A generator for a `sign_in` fixture: sign_in("ann") -> a page logged in as ann, in a
    fresh browser context that records console errors (page.problems) and CSP violations."""
    contexts: list[BrowserContext] = []

    def open_as(username: str) -> Page:
        context = browser.new_context(viewport=DESKTOP)
        contexts.append(context)
        page = context.new_page()
        watch_problems(page)
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


def watch_problems(page: Page) -> None:
    """Collect console errors and uncaught exceptions of the page in page.problems."""
    problems: list[str] = []
    page.problems = problems
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None
        ),
    )
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.add_init_script(CSP_WATCH)


def assert_clean(page: Page) -> None:
    """No console error, no uncaught exception, no failed request, no CSP violation on the page
    so far (the browser's own favicon request aside: the site has none)."""
    problems = [p for p in page.problems if "/favicon.ico" not in p]
    assert problems == [], problems
    assert page.evaluate("window.__csp || []") == [], page.url


def menu(page: Page, label: str) -> None:
    """Open a page of the Learning menu (a drop-down in the main navigation)."""
    page.wait_for_load_state("load")  # Bootstrap's drop-downs work once its deferred script ran
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Learning").click()
    nav.get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state("load")


def flash(page: Page) -> Locator:
    """The message a page shows after an action (Django messages)."""
    return page.locator("main > .alert")


def drawn(page: Page, canvas: Locator) -> dict:
    """The labels and datasets Chart.js drew on a canvas (fails if none was drawn or the canvas
    has no size)."""
    page.wait_for_function(CHART_DRAWN, arg=canvas.element_handle())
    size = canvas.evaluate("(c) => [c.width, c.height, c.getBoundingClientRect().width]")
    assert all(side > 0 for side in size), size
    return canvas.evaluate(
        "(c) => { const d = window.Chart.getChart(c).data;"
        " return {labels: d.labels, data: d.datasets.map((s) => s.data)}; }"
    )


def every_chart_drawn(page: Page) -> int:
    """Every canvas of the page has a drawn chart; returns how many there are."""
    canvases = page.locator("main canvas")
    count = canvases.count()
    for i in range(count):
        drawn(page, canvases.nth(i))
    return count
