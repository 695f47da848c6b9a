"""`nianbao serve` as people use it (issue 20): headless Chromium (Debian's chromium and
chromium-driver, driven by Selenium) on a real server on the loopback address. An office hands in
a broken workbook, sees the findings, hands in the fixed one and sees 已通过; the consolidator logs
in, sees the board follow, and downloads a summary whose tables equal `nianbao merge` over the same
files. Screenshots of both pages are saved (to $NIANBAO_SCREENSHOTS when set) to be looked at."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from batches import nianbao, sheet_contents
from collecting import PASSWORD, Server, make_roster, workbook
from conftest import required

from xlsx_tools.format.declaration import load

FMT = load()


@pytest.fixture
def browser(tmp_path):
    chromium = required(shutil.which("chromium") or shutil.which("chromium-browser"), "Chromium", "chromium")
    driver_path = required(shutil.which("chromedriver"), "ChromeDriver", "chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "下载"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                 "--lang=zh-CN"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()


def shoot(driver, tmp_path: Path, name: str) -> Path:
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, max(800, min(height + 120, 4000)))
    path = tmp_path / name
    driver.save_screenshot(str(path))
    if os.environ.get("NIANBAO_SCREENSHOTS"):
        folder = Path(os.environ["NIANBAO_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / name)
    return path


def wait_for_file(folder: Path, seconds: float = 60) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError("the download did not arrive")


def submitted(driver, button: str, page_has: str) -> None:
    """Click a form's button and wait for the page the server answers with: every answer here is a
    redirect to a new address (the upload's result, the board), so the address changing says the
    answer has come."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    before = driver.current_url
    driver.find_element(By.ID, button).click()
    WebDriverWait(driver, 120).until(lambda d: d.current_url != before)
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, page_has)))


def test_an_office_and_the_consolidator_in_a_real_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By

    server = Server(tmp_path, make_roster(tmp_path, range(1, 6))).start()
    try:
        links = server.links()
        # the office: a broken workbook, then the fixed one
        browser.get(links["某区教育局"])
        assert "某区教育局" in browser.find_element(By.TAG_NAME, "h1").text
        assert browser.find_element(By.ID, "status").text == "未报送"
        picker = browser.find_element(By.CSS_SELECTOR, "label.picker").text  # Chinese, not the browser's own
        assert "选择文件" in picker and "未选择文件" in picker and "Choose" not in picker
        broken = workbook(tmp_path, 1, broken=True)
        browser.find_element(By.ID, "file").send_keys(str(broken))
        assert browser.find_element(By.ID, "file-name").text == broken.name  # the chosen file is named
        submitted(browser, "upload", "#result")
        result = browser.find_element(By.ID, "result").text
        assert "错误" in result and "表三!" in result
        assert browser.find_element(By.ID, "status").text == "有错误"
        errors_shot = shoot(browser, tmp_path, "office-errors.png")
        browser.find_element(By.ID, "file").send_keys(str(workbook(tmp_path, 1)))
        submitted(browser, "upload", "#result")
        assert browser.find_element(By.ID, "status").text == "已通过"
        assert "校验通过，已计入汇总" in browser.find_element(By.ID, "result").text
        shoot(browser, tmp_path, "office-passed.png")
        # another office hands in a correct file through its own link
        browser.get(links["某区财政局"])
        browser.find_element(By.ID, "file").send_keys(str(workbook(tmp_path, 3)))
        submitted(browser, "upload", "#result")
        # the consolidator
        browser.get(server.base + "/board")
        assert browser.current_url.endswith("/login")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        submitted(browser, "login", "#board")
        assert browser.current_url.endswith("/board")
        rows = {r.find_elements(By.TAG_NAME, "td")[1].text: r.find_elements(By.TAG_NAME, "td")[2].text
                for r in browser.find_elements(By.CSS_SELECTOR, "#board tbody tr")}
        assert rows["某区教育局"] == "已通过" and rows["某区财政局"] == "已通过"
        assert rows["某区某某街道办事处"] == "未报送"
        assert "已通过 2" in browser.find_element(By.ID, "counts").text
        board_shot = shoot(browser, tmp_path, "board.png")
        browser.find_element(By.ID, "summary").click()
        summary = wait_for_file(browser.downloads)
        merged = tmp_path / "命令汇总.xlsx"
        accepted = tmp_path / "accepted"
        accepted.mkdir()
        shutil.copy(workbook(tmp_path, 1), accepted)
        shutil.copy(workbook(tmp_path, 3), accepted)
        assert nianbao("merge", accepted, "-o", merged, "--roster", server.roster).returncode in (0, 1)
        got, expected = sheet_contents(summary), sheet_contents(merged)
        for table in ("t2", "t3", "t4"):
            assert got[FMT.table(table).sheet] == expected[FMT.table(table).sheet]
        assert errors_shot.stat().st_size > 10_000 and board_shot.stat().st_size > 10_000
    finally:
        server.stop()
