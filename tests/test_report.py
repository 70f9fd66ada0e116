"""build_report on a tiny hand-made report directory: every claim with its verdict, alt texts, links resolve."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat

import villenum
from villenum.report import build_report
from villenum.pipeline import Outcome

# a 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
                       "AAAABJRU5ErkJggg==")
CLAIMS = {"claim_green": "reproduced", "claim_red": "contradicted", "claim_grey": "not testable",
          "claim_amber": "skipped"}
ALT = "Bar chart of the share of projects by domain."


class Collector(HTMLParser):
    """Collects a[href], img attributes and the scorecard rows (claim -> verdict cell classes)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[dict] = []
        self.rows: dict[str, list[str]] = {}
        self._claim: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "img":
            self.images.append(a)
        elif tag == "tr" and "data-claim" in a:
            self._claim = a["data-claim"]
            self.rows[self._claim] = []
        elif tag == "td" and self._claim and "verdict" in (a.get("class") or "").split():
            self.rows[self._claim] = a["class"].split()


def parse(path: Path) -> Collector:
    """The links, images and scorecard rows of an HTML file."""
    collector = Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def make_run(tmp: Path) -> tuple[Path, Path, list[Outcome], dict]:
    """A report dir with one executed notebook (a saved figure, shown with the output metadata Context.save_figure
    writes, and an unsaved one) and a 4-row scorecard."""
    report, out, survey, published = tmp / "reports", tmp / "processed", tmp / "survey", tmp / "published"
    for d in (report / "figures", out, survey, published):
        d.mkdir(parents=True)
    (survey / "collectivites.csv").write_text("collectivite_id\nC01\n")
    (published / "claims.csv").write_text("claim_id\nclaim_green\n")
    (report / "figures" / "domains_shares.png").write_bytes(PNG)
    (report / "figures" / "domains_shares.alt.txt").write_text(ALT + "\n")
    image = {"image/png": base64.b64encode(PNG).decode(), "text/plain": "<Figure size 640x480 with 1 Axes>"}
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 03 — Les domaines\nShares by *domain*."),
        nbformat.v4.new_code_cell('ctx.save_figure(fig, "domains_shares", "alt")',
                                  outputs=[nbformat.v4.new_output("display_data", data=image,
                                                                  metadata={"villenum_figure": "domains_shares"})]),
        nbformat.v4.new_code_cell("fig", outputs=[nbformat.v4.new_output("display_data", data=image)]),
        nbformat.v4.new_code_cell("secret_code_line = 1",
                                  outputs=[nbformat.v4.new_output("stream", name="stdout", text="42\n")]),
    ])
    nbformat.write(nb, report / "03_domains.ipynb")
    rows = ["claim_id,finding,claim_fr,sources,notebook,computed,holds,evidence,verdict,note"]
    rows += [f'{c},domains,"Les villes, {v}",IR;FD,03_domains,x = 1,True,ev {c},{v},' for c, v in CLAIMS.items()]
    (out / "scorecard.csv").write_text("\n".join(rows) + "\n")
    params = {"wave": "2013", "survey_dir": str(survey), "published_dir": str(published),
              "output_dir": str(out), "figure_dir": str(report / "figures")}
    return report, out, [Outcome("03_domains.ipynb", "ran", report / "03_domains.ipynb")], params


def resolves(href: str, page: Path) -> bool:
    """A relative link's target exists (fragments within the page count as resolved)."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return False
    return not parts.path or (page.parent / unquote(parts.path)).is_file()


def test_build_report(tmp_path: Path) -> None:
    report, out, outcomes, params = make_run(tmp_path)
    index = build_report(report, out, outcomes, params)
    assert index == report / "index.html"
    html = index.read_text(encoding="utf-8")
    seen = parse(index)
    assert set(seen.rows) == set(CLAIMS)
    for claim, verdict in CLAIMS.items():
        assert "verdict-" + verdict.replace(" ", "-") in seen.rows[claim]
    assert "03_domains.html" in seen.links and "03_domains.ipynb" in seen.links
    assert all(resolves(h, index) for h in seen.links), seen.links
    assert hashlib.sha256(b"collectivite_id\nC01\n").hexdigest() in html  # provenance digests
    assert f"villenum {villenum.__version__}, exécuté le " in html
    assert str(tmp_path) not in html, "no machine path on the front page"
    params_table = html.split('id="parameters"')[1].split("</section>")[0]
    assert "Niveau de confiance" not in params_table  # only what the run used: this notebook declares no confidence
    assert "(hors du dépôt) …/" in params_table and "Vague" in params_table
    assert '<th title="Computed">Valeurs calculées</th>' in html
    assert 'title="reproduced">reproduit</td>' in html
    assert "http://" not in html and "https://" not in html

    nb_page = report / "03_domains.html"
    page = parse(nb_page)
    text = nb_page.read_text(encoding="utf-8")
    assert "secret_code_line" not in text and "42" in text  # code hidden, outputs kept
    assert [i["src"] for i in page.images][0] == "figures/domains_shares.png"
    assert page.images[0]["alt"] == ALT
    assert page.images[1]["src"].startswith("data:image/png;base64,") and page.images[1]["alt"].strip()
    assert all(resolves(h, nb_page) for h in page.links) and "index.html" in page.links
    assert "https://" not in text and "http://" not in text
