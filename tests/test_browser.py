"""The real 2013 report in headless Chromium: every claim has a verdict, links resolve, images load, no console error.

Needs Debian's `chromium` and `chromium-driver` (`make browser`) and the `selenium` package (test extras).
The run writes only to a pytest temporary directory, except the index screenshot: `reports/screenshot-index.png`
(git-ignored). `make screenshot` copies it to `docs/img/report-index.png`, the README's picture, when the
report deliberately changes (a test never writes a tracked file).
"""

from __future__ import annotations

import base64
import re
import shutil
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pandas as pd
import pytest

from villenum import paths
from villenum.io import write_atomic
from villenum.pipeline.notebooks import compares_editions
from villenum.questionnaire import load_questionnaire
from villenum.report_front import VERDICTS_FR

CHROMIUM, CHROMEDRIVER = (Path(shutil.which(name) or f"/usr/bin/{name}") for name in ("chromium", "chromedriver"))
INSTALL = "install it with `make browser` (scripts/install_browser.sh: apt-get install chromium chromium-driver)"
pytestmark = [pytest.mark.browser, pytest.mark.slow]
VERDICTS = {"reproduced", "contradicted", "inconclusive", "not testable", "skipped"}
SCREENSHOTS = (paths.REPORTS / "screenshot-index.png",)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,900")
LINKS_JS = "return [...document.querySelectorAll('a[href]')].map(a => a.href);"
IMAGES_JS = ("return [...document.images].map(i => ({src: i.currentSrc || i.src, alt: i.getAttribute('alt'), "
             "ok: i.complete && i.naturalWidth > 0}));")
ROWS_JS = ("return [...document.querySelectorAll('#scorecard tbody tr')].map(tr => ({claim: tr.dataset.claim, "
           "verdict: tr.querySelector('td.verdict').title, shown: tr.querySelector('td.verdict').textContent.trim(), "
           "cls: tr.querySelector('td.verdict').className}));")


@pytest.fixture(scope="module")
def built(run_2013: Path) -> Path:
    """The reports of the session's real 2013 reproduction (tests/conftest.py: run_2013)."""
    return run_2013 / "reports"


@pytest.fixture(scope="module")
def driver():
    """A headless Chromium driven by Selenium, with a fresh profile and the browser console captured."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: {INSTALL}", pytrace=False)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("the `selenium` package is missing: `make install` (test extra)", pytrace=False)
    profile = Path(f"/tmp/villenum-chromium-{uuid.uuid4().hex}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS + (f"--user-data-dir={profile}",):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    browser.set_page_load_timeout(60)
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, page: Path) -> list[dict]:
    """Load a local page; return its console errors (and fail if it did not load)."""
    driver.get_log("browser")  # drop anything logged before
    driver.get(page.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def check_links_and_images(driver, page: Path) -> list[dict]:
    """Every a[href] is a file:// link to an existing file; every image loaded and has a non-empty alt; the images."""
    for href in driver.execute_script(LINKS_JS):
        url = urlsplit(href)
        assert url.scheme == "file", f"{page.name}: non-local link {href}"
        assert Path(url2pathname(unquote(url.path))).is_file(), f"{page.name}: broken link {href}"
    images = driver.execute_script(IMAGES_JS)
    for img in images:
        assert img["ok"], f"{page.name}: image did not load: {img['src'][:80]}"
        assert (img["alt"] or "").strip(), f"{page.name}: image without alt text: {img['src'][:80]}"
        assert img["src"].startswith(("file:", "data:image/")), f"{page.name}: non-local image {img['src'][:80]}"
    return images


TEXT_JS = ("const b = document.body.cloneNode(true); b.querySelectorAll('.quote').forEach(e => e.remove()); "
           "return b.textContent;")  # the visible text but the published claims, quoted as printed
PARAMS_JS = ("return Object.fromEntries([...document.querySelectorAll('#parameters tr')].map(tr => "
             "[tr.querySelector('th').title, tr.querySelector('td').textContent.trim()]));")


def check_french_front_page(text: str, params: dict[str, str]) -> None:
    """No questionnaire code (one whose French label differs from it) in the visible text outside the published
    claims (quoted as printed: « transport » is a word there), the run's parameters shown, and no machine path."""
    leaked = sorted(c for c in questionnaire_codes() if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text))
    assert not leaked, f"questionnaire codes in the visible text of index.html: {leaked}"
    for name in ("wave", "confidence", "n_boot", "support_boot", "seed", "survey_dir", "published_dir"):
        assert params.get(name), f"parameter {name} not shown on the front page: {params}"
    assert params["confidence"] == "95\u202f%" and params["wave"] == "2013"
    assert str(paths.ROOT) not in text and "/tmp/" not in text, "a machine path on the front page"


PAGE_TEXT_JS = ("const b = document.body.cloneNode(true); "
                "b.querySelectorAll('.quote, [lang=\"en\"], code, nav').forEach(e => e.remove()); "
                "return b.textContent;")  # what a reader reads, but quotes as printed, English glosses, inline code and links
HEADERS_JS = "return [...document.querySelectorAll('th')].map(th => th.textContent.trim());"
RAW_FLOAT = re.compile(r"\d+\.\d{4,}")  # 63.636364, 2.750047e-05: a number nobody rounded for the reader


def questionnaire_codes(wave: str = "2013") -> set[str]:
    """The wave's category codes whose French label differs from the code: they must never reach a reader."""
    q = load_questionnaire(wave)
    return {c for f in ("objective", "domain", "status", "kind") for c, label in q.labels_fr(f).items() if c != label}


def check_notebook_page(name: str, text: str, headers: list[str]) -> None:
    """A notebook page reads in French: no questionnaire code, no raw float, no text cut by pandas (« ... »), no
    column name as a table header."""
    leaked = sorted(c for c in questionnaire_codes() if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text))
    assert not leaked, f"{name}: questionnaire codes in the visible text: {leaked}"
    raw = RAW_FLOAT.findall(text)
    assert not raw, f"{name}: unrounded numbers in the visible text: {raw[:5]}"
    assert "..." not in text, f"{name}: text cut by « ... » in the visible text"
    codes = [h for h in headers if re.fullmatch(r"[a-z0-9_]+", h) and "_" in h]
    assert not codes, f"{name}: column names as table headers: {codes}"


def full_page_png(driver) -> bytes:
    """A screenshot of the whole page (beyond the viewport), through the DevTools protocol."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    return base64.b64decode(shot["data"])


def test_report_in_browser(built: Path, driver) -> None:
    index = built / "index.html"
    assert not open_page(driver, index), "console errors on index.html"
    rows = {r["claim"]: r for r in driver.execute_script(ROWS_JS)}
    claims = pd.read_csv(paths.published_dir("2013") / "claims.csv", dtype=str)["claim_id"]
    missing = sorted(set(claims) - set(rows))
    assert not missing, f"claims absent from the scorecard: {missing}"
    for claim in claims:
        verdict = rows[claim]["verdict"]
        assert verdict in VERDICTS, f"{claim}: verdict {verdict!r}"
        assert f"verdict-{verdict.replace(' ', '-')}" in rows[claim]["cls"].split()
        assert rows[claim]["shown"] == VERDICTS_FR[verdict][0], f"{claim}: verdict shown in French"
    check_french_front_page(driver.execute_script(TEXT_JS),
                            driver.execute_script(PARAMS_JS))
    colours = driver.execute_script("return [...document.querySelectorAll('.legend .verdict')]"
                                    ".map(s => getComputedStyle(s).backgroundColor);")
    assert len(colours) == len(set(colours)) == len(VERDICTS), f"verdict colours not distinct: {colours}"
    check_links_and_images(driver, index)
    png = full_page_png(driver)
    for target in SCREENSHOTS:
        write_atomic(target, png)

    pages = sorted(built.glob("[0-9][0-9]_*.html"))
    wave_notebooks = [p for p in sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if not compares_editions(p)]
    assert [p.stem for p in pages] == [p.stem for p in wave_notebooks]  # the comparison of editions has its own
    figures = 0
    for page in pages:
        assert not open_page(driver, page), f"console errors on {page.name}"
        check_notebook_page(page.name, driver.execute_script(PAGE_TEXT_JS), driver.execute_script(HEADERS_JS))
        shown = driver.execute_script(PARAMS_JS)
        assert shown.get("wave") == "2013" and "/tmp/" not in "".join(shown.values()), f"{page.name}: parameters {shown}"
        figures += sum(img["src"].startswith("file:") for img in check_links_and_images(driver, page))
    saved = list((built / "figures").glob("*.png"))
    assert figures == len(saved) > 0, "every saved figure is shown, linked, on its notebook's page"
