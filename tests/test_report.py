"""Reports through the CLI: listing, Markdown rendering against expected files, project
templates, template errors, sandboxing and escaping, and the static site's structure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import commit_all, run_tracker, write_tree

DATA = Path(__file__).parent / "data" / "reports"
NOW = {"TRACKER_NOW": "2026-03-20T12:00:00+01:00"}


def item(title: str, status: str = "open", **fields: str) -> str:
    extra = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return f"---\ntitle: {title}\nstatus: {status}\n{extra}---\nNotes on {title}.\n"


@pytest.fixture
def known(repo: Path) -> Path:
    """Four items with a fixed history: two commits a week apart, then a hand edit."""
    write_tree(repo, {
        "issues/issue-aaaa0001.md": item("Imprimer les tracts", priority="high"),
        "issues/issue-aaaa0002.md": item("Réserver la salle", due="2026-03-10"),
    })
    commit_all(repo, "first items", date="2026-03-02T10:00:00+01:00")
    write_tree(repo, {
        "issues/issue-aaaa0003.md": item("Former les bénévoles", "in-progress"),
        "issues/issue-aaaa0004.md": item("Vérifier le chiffre", "done", tags="[fact-check]"),
    })
    commit_all(repo, "more items", date="2026-03-09T10:00:00+01:00")
    path = repo / "issues/issue-aaaa0001.md"
    path.write_text(path.read_text().replace("status: open", "status: done"))
    commit_all(repo, "done by hand", date="2026-03-16T18:00:00+01:00")
    return repo


def test_report_list_names_builtins_with_descriptions(invoke, known):
    reports = json.loads(invoke("report", "--list", "--format", "json").stdout)
    by_name = {r["name"]: r for r in reports}
    assert by_name["summary"]["formats"] == ["md"]
    assert "Counts by kind and status" in by_name["summary"]["description"]
    assert by_name["site"]["source"] == "built-in"


def test_summary_matches_the_expected_file(invoke, known):
    result = invoke("report", "summary", env=NOW)
    assert result.exit_code == 0, result.stderr
    if os.environ.get("UPDATE_GOLDEN"):  # regenerate, then review the diff by eye
        (DATA / "summary.md").write_text(result.stdout, encoding="utf-8")
    expected = (DATA / "summary.md").read_text(encoding="utf-8")
    assert result.stdout == expected


def test_summary_to_a_file_and_filtered(invoke, known, tmp_path):
    out = tmp_path / "summary.md"
    result = invoke("report", "summary", "--out", str(out), "--where", "status == 'done'",
                    env=NOW)
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "2 items on 2026-03-20" in text
    assert "| Issue | done | 2 |" in text


def test_project_template_extends_the_builtin(invoke, known):
    write_tree(known, {".tracker/templates/summary.md.j2":
                       "{# description: Ours #}\n{% extends 'builtin/summary.md.j2' %}\n",
                       ".tracker/templates/board.html.j2":
                       "{# description: A tiny board #}\n"
                       "<ul>{% for i in items %}<li>{{ i.title }}</li>{% endfor %}</ul>\n"})
    reports = {r["name"]: r for r in json.loads(
        invoke("report", "--list", "--format", "json").stdout)}
    assert reports["summary"]["source"] == "project"
    assert reports["summary"]["description"] == "Ours"
    assert reports["board"]["formats"] == ["html"]
    summary = invoke("report", "summary", env=NOW).stdout
    assert summary == (DATA / "summary.md").read_text(encoding="utf-8")
    board = invoke("report", "board").stdout
    assert "<li>Réserver la salle</li>" in board


def test_a_template_error_is_one_line_with_name_and_line(invoke, known):
    write_tree(known, {".tracker/templates/broken.md.j2": "line one\n{{ nope.attr }}\n",
                       ".tracker/templates/syntax.md.j2": "a\nb\n{% for x in %}\n"})
    result = invoke("report", "broken")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: broken.md.j2:2: 'nope' is undefined"
    result = invoke("report", "syntax")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: syntax.md.j2:3: ")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ items.__class__ }}",
    "{{ history._t }}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_templates_run_in_a_sandbox(invoke, known, source):
    write_tree(known, {".tracker/templates/evil.md.j2": source + "\n"})
    result = invoke("report", "evil")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: evil.md.j2:1: ")


def test_unknown_report_and_site_without_out(invoke, known):
    result = invoke("report", "nope")
    assert result.exit_code == 1 and "unknown report 'nope'" in result.stderr
    result = invoke("report", "site")
    assert result.exit_code == 2


@pytest.fixture
def hostile(repo: Path) -> Path:
    write_tree(repo, {
        "issues/issue-evil0001.md": "---\ntitle: \"<script>alert('title')</script>\"\n"
                                    "status: open\n---\n<script>alert('body')</script>\n\n"
                                    "[click](javascript:alert(1)) and <img src=x onerror=alert(2)>\n",
        "issues/issue-jinja0001.md": "---\ntitle: \"{{ 7 * 7 }}\"\nstatus: open\n---\n"
                                     "{% raw %}{{ 6 * 7 }}{% endraw %}\n",
    })
    commit_all(repo, "hostile content", date="2026-03-02T10:00:00+01:00")
    return repo


def test_site_escapes_hostile_content(invoke, hostile, tmp_path):
    out = tmp_path / "site"
    result = invoke("report", "site", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str((out / "index.html").resolve())
    assert result.stderr == ""  # no progress bar when not on a terminal
    page = (out / "items/issue/issue-evil0001.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert('body')&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "<img" not in page
    jinja = (out / "items/issue/issue-jinja0001.html").read_text(encoding="utf-8")
    assert "{{ 7 * 7 }}" in jinja and ">49<" not in jinja
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in index


def test_site_structure_and_charts(invoke, known, tmp_path):
    out = tmp_path / "site"
    assert invoke("report", "site", "--out", str(out)).exit_code == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<svg") == 2  # status counts, burn-up
    assert 'href="items/issue/issue-aaaa0001.html"' in index
    assert (out / "kinds/issue.html").is_file() and (out / "style.css").is_file()
    page = (out / "items/issue/issue-aaaa0001.html").read_text(encoding="utf-8")
    assert "done by hand" in page and "<b>status</b> open → done" in page
    assert "<p>Notes on Imprimer les tracts.</p>" in page
    assert "https://" not in index and "http://" not in index.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_site_pages_written_by_workers_as_by_one_process(invoke, known, tmp_path,
                                                         monkeypatch):
    from tracker.reports import site

    alone, shared = tmp_path / "alone", tmp_path / "shared"
    assert invoke("report", "site", "--out", str(alone)).exit_code == 0
    monkeypatch.setattr(site, "PARALLEL_FROM", 1)  # a worker per core, from one page
    assert invoke("report", "site", "--out", str(shared)).exit_code == 0

    def pages(folder: Path) -> dict[str, str]:
        return {str(p.relative_to(folder)): "\n".join(
            line for line in p.read_text(encoding="utf-8").splitlines()
            if not line.startswith("<footer>Built by tracker on"))
            for p in sorted(folder.rglob("*")) if p.is_file()}
    assert pages(shared) == pages(alone)
    assert "items/issue/issue-aaaa0004.html" in pages(shared)
    write_tree(known, {".tracker/templates/broken.md.j2": "line one\n{{ nope.attr }}\n"})
    result = invoke("report", "site", "--out", str(tmp_path / "broken"))
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: broken.md.j2:2: 'nope' is undefined"


def test_site_through_the_installed_cli(known, tmp_path):
    done = run_tracker(known, "report", "site", "--out", str(tmp_path / "s"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("index.html")
    assert done.stderr == ""
