"""Report templates see read-only views: a template that tries to change the items,
kinds or config (which the other pages of a site see too) fails with one line naming
the template and its line, through the installed CLI; nothing else changes."""

from __future__ import annotations

import pytest

from tests.helpers import commit_all, item_file, new_item, run_tracker, write_tree

MUTATIONS = [
    "{{ items[0].update({'title': 'X'}) }}",
    "{{ items.append({'title': 'X'}) }}",
    "{{ items[0].pop('title') }}",
    "{{ items.clear() }}",
    "{{ kinds.clear() }}",
    "{{ config.setdefault('title', 'X') }}",
    "{% set first = items | first %}{{ first.__setitem__('title', 'X') }}",
    "{{ items[0].tags.append('X') if items[0].tags is not none else items.insert(0, 1) }}",
]


def one_line_naming(stderr: str, template: str, line: int) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].removeprefix("Error: ").startswith(f"{template}:{line}: "), stderr
    assert "unsafe" in lines[0], stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_report_cannot_change_the_items(repo, invoke, mutation):
    item_id = new_item(invoke, "issue", "Kept title")
    write_tree(repo, {".tracker/templates/evil.md": "# Evil\n\n" + mutation + "\n"})
    commit_all(repo, "evil report")
    done = run_tracker(repo, "report", "evil")
    assert done.returncode != 0
    one_line_naming(done.stderr, "evil.md", 3)
    assert "title: Kept title" in item_file(repo, item_id).read_text(encoding="utf-8")
    shown = run_tracker(repo, "report", "summary")
    assert shown.returncode == 0, shown.stderr
    assert "X" not in shown.stdout.replace("Kept", "")  # no 'X' title anywhere


def test_the_site_fails_on_one_line_and_other_pages_keep_their_data(repo, invoke, tmp_path):
    item_id = new_item(invoke, "issue", "Kept title")
    out = tmp_path / "site"
    built = run_tracker(repo, "report", "site", "--out", str(out))
    assert built.returncode == 0, built.stderr
    pages = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.html")}
    item_pages = [p for p in pages if item_id in str(p)]
    assert item_pages
    write_tree(repo, {".tracker/templates/evil.html":
                      "<p>\n{{ items[0].update({'title': 'X'}) }}\n</p>\n"})
    commit_all(repo, "evil report")
    done = run_tracker(repo, "report", "site", "--out", str(out))
    assert done.returncode != 0
    one_line_naming(done.stderr, "evil.html", 2)
    for page, data in pages.items():
        assert (out / page).read_bytes() == data, page
    assert not (out / "reports" / "evil.html").exists()


def test_a_template_may_still_build_its_own_values(repo, invoke):
    new_item(invoke, "issue", "One")
    new_item(invoke, "issue", "Two")
    write_tree(repo, {".tracker/templates/own.md":
                      "{% set ns = namespace(n=0) %}{% for i in items %}"
                      "{% set ns.n = ns.n + 1 %}{% endfor %}"
                      "{% set titles = items | map(attribute='title') | sort | list %}"
                      "{{ ns.n }} {{ titles | join(',') }} {{ (titles + ['Z']) | length }}\n"})
    commit_all(repo, "own report")
    done = run_tracker(repo, "report", "own")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2 One,Two 3"
