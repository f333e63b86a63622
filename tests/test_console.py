"""The stewards' console in a real browser (headless Chromium driven by Playwright): a steward
merges a queued pair, rejects another, un-merges a source, corrects a rejected row and finds a
partner, and every result is checked through the GraphQL API.

Chromium comes from the system (Debian's ``chromium``; ``CONSOLE_CHROMIUM`` names another). Where
it is missing the tests are skipped with how to get it, except in CI (``CI`` set), where they
must run. With ``CONSOLE_SCREENSHOTS`` set to a folder, each screen is saved there as the
documentation shows it (``docs/console/``)."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

from loaders.load import Loader
from tests.conftest import register
from tests.harness import RunningHub, ok
from tests.test_matching import person, queued_pair, unique, upsert

# Flags that keep Chromium off the network: this machine has none, and Chromium's own
# connections would fail noisily.
_QUIET = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _chromium() -> str | None:
    return (
        os.environ.get("CONSOLE_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = _chromium()
    if executable is None:
        advice = (
            "the console's browser tests need Chromium: `sudo apt-get install chromium` "
            "(Debian/Ubuntu), or set CONSOLE_CHROMIUM to a Chromium or Chrome binary"
        )
        if os.environ.get("CI"):
            pytest.fail(advice)
        pytest.skip(advice)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=_QUIET)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, hub: RunningHub) -> Iterator[Page]:
    """A page of the console at 1280 x 800 that fails the test on any error in the browser's
    log."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=hub.url)
    opened = context.new_page()
    problems: list[str] = []

    def noted(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    opened.on("console", noted)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    assert problems == []


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def candidate(hub: RunningHub, global_id: str) -> dict[str, Any]:
    query = """query($id: ID!) { node(id: $id) { ... on MatchCandidate {
        status reason decidedOnBehalfOf left { id } right { id } } } }"""
    found: dict[str, Any] = ok(hub, query, {"id": global_id})["node"]
    return found


def open_candidate_from_the_queue(page: Page, last: str, *, wait: bool = True) -> None:
    page.goto("/console#/queue?order=NEWEST")
    queue = page.get_by_role("table", name="Match queue")
    expect(queue).to_be_visible()
    queue.get_by_role("link", name=f"Paul {last}").first.click()
    if wait:
        drawn(page, "Candidate")


def test_a_steward_merges_a_queued_pair_from_the_queue(page: Page, hub: RunningHub) -> None:
    last = unique("Kon")
    first, second, queued = queued_pair(hub, last, ("1944-04-04", "1977-07-07"), "Birkenweg")
    open_candidate_from_the_queue(page, last)
    comparison = page.get_by_role("table", name="Comparison")
    expect(comparison.get_by_role("row", name=re.compile("Birth date"))).to_contain_text("disagree")
    page.get_by_label("Survives: E-mail").fill(f"paul.{last}@example.com")
    screenshot(page, "candidate")
    page.get_by_role("button", name="Merge").click()
    expect(page.locator("#status")).to_contain_text("Merged into")
    decided = candidate(hub, queued["id"])
    assert decided["status"] == "MERGED"
    # The new partner (left, the ERP record) was merged into the one it resembles.
    survivor = ok(
        hub,
        "query($id: ID!) { businessPartner(id: $id) { id email sources { system } } }",
        {"id": second["businessPartner"]["id"]},
    )["businessPartner"]
    assert survivor["id"] == first["businessPartner"]["id"]
    assert sorted(s["system"] for s in survivor["sources"]) == ["CRM", "ERP"]
    assert survivor["email"] == f"paul.{last}@example.com"
    # The merged partner's id leads to the survivor's page, which says so.
    page.goto(f"/console#/partner/{second['businessPartner']['id']}")
    expect(page.get_by_role("note")).to_contain_text("merged into this one")
    page.goto(f"/console#/partner/{survivor['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Paul {last}")
    expect(page.get_by_role("note")).to_have_count(0)


def test_a_steward_rejects_a_pair_with_a_reason_from_the_keyboard(
    page: Page, hub: RunningHub
) -> None:
    last = unique("Ref")
    _, _, queued = queued_pair(hub, last, ("1946-06-06", "1979-09-09"), "Buchenweg")
    open_candidate_from_the_queue(page, last)
    page.get_by_role("button", name="Not a match").click()
    expect(page.locator("#status")).to_contain_text("Say why")
    assert candidate(hub, queued["id"])["status"] == "OPEN"
    page.get_by_label("Reason").fill("father and son")
    page.get_by_role("heading", level=1).click()  # out of the field: keys are shortcuts again
    page.keyboard.press("n")
    expect(page.locator("#status")).to_contain_text("not a match")
    decided = candidate(hub, queued["id"])
    assert (decided["status"], decided["reason"]) == ("REJECTED", "father and son")


def test_a_steward_unmerges_a_source_on_the_partner_page(page: Page, hub: RunningHub) -> None:
    last = unique("Unm")
    values = {"birthDate": "1961-02-03", "email": f"{last}@example.org"}
    crm = upsert(hub, person("CRM", f"c-{last}", "Greta", last, **values))
    erp = upsert(hub, person("ERP", f"e-{last}", "Greta", last, **values))
    partner_id = crm["businessPartner"]["id"]
    assert erp["businessPartner"]["id"] == partner_id
    page.goto(f"/console#/partner/{partner_id}")
    expect(page.get_by_role("table", name="Lineage")).to_contain_text("CRM")
    screenshot(page, "partner")
    page.get_by_label("Reason for an un-merge").fill("two people after all")
    page.get_by_role("button", name=f"Un-merge ERP e-{last}").click()
    expect(page.locator("#status")).to_contain_text("a partner of its own again")
    split = ok(
        hub,
        "query($s: SourceRefInput) { businessPartner(source: $s) { id } }",
        {"s": {"system": "ERP", "key": f"e-{last}"}},
    )["businessPartner"]
    assert split["id"] != partner_id


def test_a_steward_corrects_a_rejected_row_and_submits_it_again(
    page: Page, hub: RunningHub, tmp_path: Path
) -> None:
    last = unique("Row")
    row = {"source": {"key": f"{last}-7"}, "kind": "PERSON", "lastName": last, "email": "x@"}
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "partners.ndjson").write_text(json.dumps(row) + "\n")
    summary = hub.run(Loader(hub.store, "ERP", tmp_path / "rejects.ndjson").load([tmp_path / "in"]))
    assert summary.rejected == 1
    page.goto("/console#/rejects")
    rows = page.get_by_role("table", name="Rejected rows")
    expect(rows).to_contain_text("INVALID_EMAIL")
    rows.get_by_role("button", name="Correct row 1 of partners.ndjson").first.click()
    editor = page.get_by_label("Corrected row")
    corrected = json.loads(editor.input_value())
    assert corrected["lastName"] == last
    corrected["email"] = f"{last}@example.org"
    editor.fill(json.dumps(corrected, indent=2))
    screenshot(page, "rejected-rows")
    page.get_by_role("button", name="Submit again").click()
    expect(page.locator("#status")).to_contain_text("resubmitted")
    written = ok(
        hub,
        "query($s: SourceRefInput) { businessPartner(source: $s) { email } }",
        {"s": {"system": "ERP", "key": f"{last}-7"}},
    )["businessPartner"]
    assert written == {"email": f"{last}@example.org"}


def test_search_finds_a_partner_by_a_source_key_and_opens_it(page: Page, hub: RunningHub) -> None:
    last = unique("Sea")
    upsert(hub, person("CRM", f"key-{last}", "Ida", last, birthDate="1970-01-02"))
    page.goto("/console")
    page.get_by_label("Search").fill(f"key-{last}")
    page.get_by_label("Search").press("Enter")
    partners = page.get_by_role("region", name="Partners")
    expect(partners).to_contain_text(f"CRM key-{last}")
    screenshot(page, "search")
    partners.get_by_role("link", name=f"Ida {last}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Ida {last}")
    # The new screen's heading has the focus, so a screen reader announces it.
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    # Every column of the sources table is named.
    headers = page.get_by_role("table", name="Sources").get_by_role("columnheader").all()
    assert all(h.inner_text().strip() for h in headers)


def _answers(request: Request, response: Response) -> bool:
    return response.request == request


def drawn(page: Page, heading: str) -> None:
    """Waits until the screen of the page's address is drawn, as a person waits to see it."""
    expect(page.locator("#view")).not_to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)


def test_a_screen_is_busy_until_drawn_and_a_late_answer_does_not_draw_over_it(
    page: Page, hub: RunningHub
) -> None:
    last = unique("Lat")
    queued_pair(hub, last, ("1943-03-13", "1976-11-28"), "Lindenweg")
    held: list[Any] = []
    # The candidate's read is held back until the steward has moved on to the overview.
    page.route(
        "**/graphql",
        lambda route: (
            held.append(route)
            if "query Candidate" in (route.request.post_data or "")
            else route.continue_()
        ),
    )
    open_candidate_from_the_queue(page, last, wait=False)
    expect(page.locator("#view")).to_have_attribute("aria-busy", "true")
    page.goto("/console#/overview")
    drawn(page, "Overview")
    assert held, "the candidate's read was never sent"
    for route in held:
        with page.expect_response(functools.partial(_answers, route.request)):
            route.continue_()
    page.wait_for_timeout(300)  # the answer's handling is asynchronous; give it time to draw
    expect(page.get_by_role("heading", level=1)).to_contain_text("Overview")


def test_skip_moves_on_without_coming_back_to_a_skipped_candidate(
    page: Page, hub: RunningHub
) -> None:
    names = [unique("Skp") for _ in range(3)]
    for n, last in enumerate(names):
        queued_pair(hub, last, (f"1948-03-0{n + 1}", f"1978-08-0{n + 1}"), f"Ahornweg{n}")
    page.goto("/console#/queue?order=NEWEST")
    queue = page.get_by_role("table", name="Match queue")
    expect(queue).to_contain_text(names[-1])
    newest = [link.get_attribute("href") for link in queue.get_by_role("link").all()[:3]]
    queue.get_by_role("link").first.click()
    drawn(page, "Candidate")
    seen = [page.url]
    for following in newest[1:]:
        page.get_by_role("heading", level=1).click()
        page.keyboard.press("s")
        expect(page).not_to_have_url(seen[-1])
        drawn(page, "Candidate")
        # The next one in the queue's own order (newest first), not in the default one.
        assert page.url.endswith(str(following)), (page.url, following)
        seen.append(page.url)
    assert len(set(seen)) == 3, seen


def test_the_queue_shows_and_the_overview_draws_its_charts(page: Page, hub: RunningHub) -> None:
    for _ in range(3):
        queued_pair(hub, unique("Pag"), ("1950-05-05", "1982-02-02"), "Tannenweg")
    page.goto("/console#/queue")
    queue = page.get_by_role("table", name="Match queue")
    expect(queue).to_be_visible()
    screenshot(page, "queue")
    page.goto("/console#/overview")
    charts = page.get_by_role("img")
    expect(charts).to_have_count(4)
    expect(page.get_by_role("img", name="Scores per outcome")).to_be_visible()
    screenshot(page, "overview")


def test_the_console_fits_a_narrow_screen(page: Page, hub: RunningHub) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    for screen in ("#/queue", "#/rejects", "#/overview"):
        page.goto(f"/console{screen}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, (screen, wide)
    expect(page.get_by_label("Search")).to_be_visible()


def test_only_a_client_with_the_steward_scope_sees_the_queue(
    browser: Browser, secured: RunningHub
) -> None:
    reader = register(secured, "read")
    steward = register(secured, "read", "steward")
    context = browser.new_context(base_url=secured.url)
    page = context.new_page()
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(str(error)))
    try:
        page.goto("/console#/queue")
        expect(page.locator("main")).to_contain_text("Sign in with a token")

        def sign_in(token: str) -> None:
            page.get_by_text("Sign in", exact=True).click()
            page.get_by_label("Bearer token").fill(token)
            page.get_by_label("Acting for").fill("Jane Steward")
            page.get_by_role("button", name="Save").click()

        with page.expect_response(lambda r: r.url.endswith("/graphql")) as answered:
            sign_in(reader)
        refused = answered.value.json()
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused
        expect(page.locator("main")).to_contain_text("steward scope")
        expect(page.get_by_role("table", name="Match queue")).to_have_count(0)
        sign_in(steward)
        expect(page.get_by_role("table", name="Match queue")).to_be_visible()
    finally:
        context.close()
    assert failures == []
