"""``report.html``: self-contained, escaped, and rendered by a real headless Chromium with
no script errors and every plot decoded."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from classes import entries, planted_class
from grader.batch import exports
import grader.batch.class_report as class_report_module
from grader.batch.class_report import Extras, write
from grader.batch.similarity import Pair, Region

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

#: Put first in <head>: records script errors, failed resources and console.error, then on
#: load writes them and the plots' decoded sizes into the DOM for --dump-dom to show.
PROBE = """<script>
window.__problems = [];
window.addEventListener('error', function (e) {
  window.__problems.push(e.message || ('failed to load ' + (e.target && (e.target.src || e.target.href))));
}, true);
var originalError = console.error;
console.error = function () { window.__problems.push(Array.prototype.join.call(arguments, ' ')); originalError.apply(console, arguments); };
window.addEventListener('load', function () {
  var images = Array.prototype.map.call(document.images, function (i) { return [i.alt, i.naturalWidth, i.naturalHeight]; });
  var probe = document.createElement('pre');
  probe.id = 'probe';
  probe.textContent = JSON.stringify({problems: window.__problems, images: images});
  document.body.appendChild(probe);
});
</script>"""

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--virtual-time-budget=5000"]


def chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=120)


def probe(page: Path, tmp_path: Path) -> dict:
    probed = tmp_path / f"probed-{page.name}"
    probed.write_text(page.read_text().replace("<head>", "<head>" + PROBE, 1))
    dom = chromium(probed, tmp_path / "profile", "--dump-dom").stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, f"the probe did not run; Chromium printed:\n{dom[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


@pytest.fixture(scope="module")
def class_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("class")
    reports, _ = planted_class(n=40)
    reports[0].student = "<script>alert('x')</script>"
    class_entries = entries(reports)
    summary = exports.summary(class_entries, ["a note with <b>markup</b>"])
    plots = exports.write_plots(class_entries, out / "plots")
    pair = Pair("s0001", "s0002", 0.9, 0.8, 300, [Region((1, 4), (10, 13), "x = '<b>'", "y = '<b>'")])
    with pytest.MonkeyPatch.context() as patch:  # a pair whose code holds markup, without copydetect's time
        patch.setattr(class_report_module, "similar", lambda sources: [pair])
        write(class_entries, out, summary, plots, Extras(sources={}))
    return out / "report.html"


def test_the_report_is_self_contained_and_escaped(class_report):
    page = class_report.read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "<b>markup" not in page
    assert re.findall(r'src="([^"]*)"', page) and all(s.startswith("data:image/png;base64,")
                                                      for s in re.findall(r'src="([^"]*)"', page))
    assert "http" not in page.replace("http://evil", "")  # nothing fetched from anywhere
    for heading in ("Summary", "Common wrong answers", "Check quality", "Similar submissions", "Students"):
        assert f"<h2>{heading}</h2>" in page
    assert "plant.perm" in page and "permuted (0, 2, 3, 1)" in page and "everyone passes" in page
    assert 'href="feedback/s0001.md"' in page


@needs_chromium
@pytest.mark.timeout(300)
def test_chromium_renders_it_with_no_errors_and_every_plot_decoded(class_report, tmp_path):
    found = probe(class_report, tmp_path)
    assert found["problems"] == []
    assert [alt for alt, _, _ in found["images"]] == ["scores", "checks"]
    assert all(width > 300 and height > 100 for _, width, height in found["images"]), found["images"]
    shot = tmp_path / "report.png"
    chromium(class_report, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,1600")
    assert shot.stat().st_size > 10_000


@needs_chromium
@pytest.mark.timeout(300)
def test_the_probe_sees_a_script_error_and_a_broken_image(class_report, tmp_path):
    """The browser test can fail: a page with a script error and a broken plot is caught."""
    broken = tmp_path / "broken.html"
    text = class_report.read_text().replace("document.getElementById('filter')", "document.getElementById('nope')")
    broken.write_text(text.replace("data:image/png;base64,", "data:image/png;base64,AAAA", 1))
    found = probe(broken, tmp_path)
    assert any("null" in p or "Cannot read" in p for p in found["problems"]), found
    assert found["images"][0][1] == 0
