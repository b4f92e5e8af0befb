"""The Dagster UI in a real browser: `dagster dev` on a throw-away instance, driven by Playwright
with Debian's chromium (scripts/browser.sh installs it). The test dismisses the first-load
community dialog, finds every asset of `pipeline.orchestration.definitions` on the lineage graph, launches
`build_problems` from its job page, and waits for the Runs page to show the run as a success;
GraphQL and the data folder confirm it. Screenshots go to the test's tmp dir (path printed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.docker]

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
RUN_TIMEOUT_S = 600  # problems + reference verification in the sandbox: ~1 minute here, slower when loaded
VIEWPORTS = [(1600, 1000), (2400, 1300), (3200, 1600), (4000, 2000)]  # the graph shows full names when large enough


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


def _definitions() -> tuple[list[str], set[str]]:
    """Every asset key of the code location (as the UI names them) and every asset group."""
    from pipeline.orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
    return [k.to_user_string() for k in keys], {graph.get(k).group_name for k in keys}


@pytest.fixture
def dagster_dev(tmp_path):
    """`dagster dev` on a free loopback port: temp DAGSTER_HOME (the repo's dagster.yaml) and data dir."""
    home, data = tmp_path / "dagster_home", tmp_path / "data"
    home.mkdir()
    data.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "TRAJFORGE_DATA": str(data)}
    log_path = tmp_path / "dagster-dev.log"
    log = open(log_path, "w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # its own process group: code server and runs included
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, f"dagster dev exited:\n{log_path.read_text()[-3000:]}"
            try:
                if _graphql(port, "{ assetNodes { id } }")["assetNodes"]:
                    break
            except (OSError, KeyError, TypeError, ValueError):
                pass
            assert time.monotonic() < deadline, f"dagster dev did not answer:\n{log_path.read_text()[-3000:]}"
            time.sleep(1)
        yield {"url": f"http://127.0.0.1:{port}", "port": port, "data": data, "log": log_path}
    finally:
        _kill_group(server)
        log.close()


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # stragglers of the group (run workers, code server)
    except ProcessLookupError:
        pass
    process.wait()


@pytest.fixture
def page(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/browser.sh (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # Playwright gives every context a fresh profile (the --user-data-dir ARCHITECTURE.md asks for).
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        context.set_default_timeout(60_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _dismiss_community_dialog(page) -> bool:
    """The first load of a fresh instance asks to "Join the Dagster community": Skip it."""
    skip = page.get_by_role("dialog").get_by_role("button", name="Skip")
    try:
        skip.wait_for(state="visible", timeout=30_000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: the dialog did not come this time
        return False
    skip.click()
    skip.wait_for(state="hidden")
    return True


def _expand_all_groups(page, groups: set[str]) -> None:
    """The graph's own settings menu (the gear among its zoom controls, not the navigation's
    Settings) -> "Expand all groups"; the choice sticks for the session, so it may read "Collapse"."""
    page.locator("svg").get_by_text(sorted(groups)[0], exact=True).first.wait_for()  # the graph is drawn
    gear = (
        page.get_by_role("button").filter(has=page.locator('[aria-label="settings"]')).filter(has_not_text="Settings")
    )
    gear.click()
    expand = page.get_by_role("menuitem", name=re.compile("Expand all groups"))
    page.get_by_role("menuitem", name=re.compile("(Expand|Collapse) all groups")).wait_for()
    if expand.count():
        expand.click()
    else:
        page.keyboard.press("Escape")


def _names_on_graph(page, keys: list[str], groups: set[str]) -> list[str]:
    """Asset keys not (yet) shown in full on the graph. A key that is also a group name must appear
    twice inside the graph's SVG: on its group's outline and on its own node."""
    missing = []
    for key in keys:
        matches = page.locator("svg").get_by_text(key, exact=True)
        visible = sum(matches.nth(i).is_visible() for i in range(matches.count()))
        if visible < 1 + (key in groups):
            missing.append(key)
    return missing


def _show_every_asset(page, base_url: str, keys: list[str], groups: set[str], shot: Path) -> None:
    """Lineage graph, all groups expanded; a wider window until every node shows its full name
    (zoomed out, the graph draws minimal nodes with shortened names)."""
    missing = keys
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(base_url + "/asset-groups", wait_until="domcontentloaded")
        page.get_by_text("Global asset lineage").wait_for()
        _expand_all_groups(page, groups)
        deadline = time.monotonic() + 20
        while missing and time.monotonic() < deadline:
            time.sleep(1)
            missing = _names_on_graph(page, keys, groups)
        if not missing:
            page.screenshot(path=str(shot))
            return
        missing = keys
    page.screenshot(path=str(shot))
    raise AssertionError(f"assets not shown on the lineage graph: {missing} (screenshot {shot})")


def _launch_build_problems(page, base_url: str) -> str:
    """Jobs -> build_problems -> Materialize all; returns the run id shown in the 'Launched run' toast."""
    page.goto(base_url + "/", wait_until="domcontentloaded")
    page.get_by_role("link", name=re.compile(r"\bJobs$")).first.click()  # the navigation's Jobs
    # The row's accessible name is "job build_problems info" once the job's description has loaded.
    page.get_by_role("link", name=re.compile(r"\bbuild_problems\b")).click()
    page.get_by_role("button", name="Materialize all").click()
    toast = page.get_by_text(re.compile(r"Launched run [0-9a-f]{8}"))
    toast.wait_for()
    return re.search(r"Launched run ([0-9a-f]{8})", toast.inner_text()).group(1)


def _wait_for_success_on_runs_page(page, base_url: str, short_id: str, deadline_s: float) -> None:
    page.goto(base_url + "/runs", wait_until="domcontentloaded")
    row = page.locator("[data-index]").filter(has=page.get_by_role("link", name=re.compile(short_id)))
    row.wait_for()
    deadline, polls = time.monotonic() + deadline_s, 0
    while not row.get_by_text("Success", exact=True).is_visible():
        failed = row.get_by_text(re.compile(r"^(Failure|Canceled)$"))
        assert not failed.count(), f"run {short_id} ended as {failed.first.inner_text()}"
        assert time.monotonic() < deadline, f"run {short_id} not a success after {deadline_s:.0f}s"
        time.sleep(5)
        polls += 1
        if polls % 6 == 0:  # the table polls by itself; a reload now and then is cheap insurance
            page.reload(wait_until="domcontentloaded")
            row.wait_for()


def test_lineage_shows_every_asset_and_build_problems_runs_from_the_ui(dagster_dev, page, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"\nscreenshots go to {shots}")
    try:
        _drive_the_ui(page, dagster_dev, shots)
    except BaseException:
        page.screenshot(path=str(shots / "failure.png"))
        raise
    print(f"screenshots in {shots}: {sorted(p.name for p in shots.iterdir())}")


def _drive_the_ui(page, dagster_dev: dict, shots: Path) -> None:
    base_url, data = dagster_dev["url"], dagster_dev["data"]
    keys, groups = _definitions()

    page.goto(base_url + "/asset-groups", wait_until="domcontentloaded")
    assert _dismiss_community_dialog(page), "the 'Join the Dagster community' dialog did not show on first load"
    _show_every_asset(page, base_url, keys, groups, shots / "lineage.png")

    page.set_viewport_size({"width": 1600, "height": 1000})
    short_id = _launch_build_problems(page, base_url)
    _wait_for_success_on_runs_page(page, base_url, short_id, RUN_TIMEOUT_S)
    page.screenshot(path=str(shots / "runs.png"))

    # The same verdict from the server (GraphQL) and on disk.
    runs = _graphql(
        dagster_dev["port"],
        '{ runsOrError(filter: {pipelineName: "build_problems"}) { ... on Runs { results { runId status } } } }',
    )["runsOrError"]["results"]
    (run,) = [r for r in runs if r["runId"].startswith(short_id)]
    assert run["status"] == "SUCCESS", runs
    page.goto(f"{base_url}/runs/{run['runId']}", wait_until="domcontentloaded")
    page.get_by_text("Success", exact=True).first.wait_for()
    page.screenshot(path=str(shots / "run.png"))

    import pyarrow.parquet as pq

    train = data / "problems" / "train.parquet"
    assert train.exists() and pq.read_metadata(train).num_rows > 0, sorted(p.name for p in data.rglob("*"))
    assert (data / "verification" / "reference.parquet").exists()
