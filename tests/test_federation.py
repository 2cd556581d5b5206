"""One campaign, many repositories (docs/federation.md): members fetched into the national
repository's .git/, read together with --federation, through the installed CLI.

Three real repositories in temp folders: the national one, département 93 (reached as a
bare remote its clone pushes to) and département 75 (reached as a plain path).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import git, run_tracker


def tracker(folder: Path, *args: str, code: int = 0) -> str:
    done = run_tracker(folder, *args)
    assert done.returncode == code, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout if code == 0 else done.stderr


def clean(folder: Path, *args: str) -> bool:
    done = run_tracker(folder, "check", *args)
    assert "Traceback" not in done.stderr
    return done.returncode == 0 and "No problems found." in done.stderr


def new(folder: Path, kind: str, title: str, *sets: str) -> str:
    options = [part for assignment in sets for part in ("--set", assignment)]
    return tracker(folder, "new", kind, title, *options).strip()


def campaign(folder: Path) -> Path:
    folder.mkdir()
    git(folder, "init", "-q")
    tracker(folder, "init", "--template", "campaign")
    return folder


@pytest.fixture
def camp(tmp_path: Path) -> dict[str, Path]:
    """national (an operation), d93 (a bureau and a session, pushed to d93.git), d75 (a
    session on 93's bureau, by its qualified id); national's members: 93 by the bare
    remote, 75 by its path."""
    national, d93, d75 = (campaign(tmp_path / n) for n in ("national", "d93", "d75"))
    bare = tmp_path / "d93.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    new(d93, "bureau", "Saint-Denis 12", "bureau_id=93066_0012", "commune_insee=93066",
        "departement=93")
    session = new(d93, "session", "Porte à porte", "date=2026-03-01", "bureau=93066_0012",
                  "knocked=10", "not_home=4", "positive=6")
    tracker(d93, "move", session, "done")
    git(d93, "remote", "add", "origin", str(bare))
    git(d93, "push", "-q", "origin", "HEAD:refs/heads/main")
    other = new(d75, "session", "Renfort", "date=2026-03-02", "bureau=93:93066_0012",
                "knocked=5", "positive=5")
    tracker(d75, "move", other, "done")
    new(national, "operation", "Objectif national", "start=2026-01-01", "end=2026-12-31",
        "target=100")
    tracker(national, "federation", "add", "93", "../d93.git")
    tracker(national, "federation", "add", "75", str(d75))
    return {"national": national, "d93": d93, "d75": d75, "bare": bare,
            "session93": Path(session), "session75": Path(other)}


def listing(national: Path, *args: str) -> list[dict]:
    return json.loads(tracker(national, "list", "--federation", "--format", "json", *args))


def test_add_sync_status(camp: dict[str, Path]) -> None:
    national = camp["national"]
    config = (national / ".tracker" / "config.yaml").read_text(encoding="utf-8")
    assert config.endswith(f'federation:\n  - name: "93"\n    url: "../d93.git"\n'
                           f'  - name: "75"\n    url: "{camp["d75"]}"\n')
    diff = git(national, "diff", "HEAD~2", "--", ".tracker/config.yaml")
    assert [line for line in diff.splitlines() if line.startswith("-") and
            not line.startswith("---")] == []  # only lines added
    assert git(national, "log", "-2", "--format=%s").split("\n")[:2] == [
        "federation: add member 75", "federation: add member 93"]
    before = json.loads(tracker(national, "federation", "status", "--format", "json"))
    assert [(m["name"], m["state"], m["commit"], m["items"]) for m in before] == [
        ("93", "never fetched", None, None), ("75", "never fetched", None, None)]
    assert "never fetched" in tracker(national, "federation", "status")

    out = tracker(national, "federation", "sync")
    assert "93: never fetched -> " in out and "75: never fetched -> " in out
    after = json.loads(tracker(national, "federation", "status", "--format", "json"))
    assert after[0]["commit"] == git(camp["bare"], "rev-parse", "HEAD").strip()
    assert after[1]["commit"] == git(camp["d75"], "rev-parse", "HEAD").strip()
    assert [(m["state"], m["items"]) for m in after] == [("fetched", 2), ("fetched", 1)]
    assert after[0]["date"].startswith("2026-03-01T10:00:00")
    assert git(national, "rev-parse", "refs/tracker/federation/93/HEAD").strip() == \
        after[0]["commit"]
    # fetched into .git/, never checked out: the work tree and index are as they were
    assert git(national, "status", "--porcelain") == ""
    assert not (national / "sessions").exists() and not (national / "bureaux").exists()
    assert git(national, "tag") == ""
    assert "unchanged" in tracker(national, "federation", "sync", "93")


def test_list_federation_qualified_ids_members_and_rollups(camp: dict[str, Path]) -> None:
    national = camp["national"]
    assert listing(national) == [r for r in listing(national) if r["member"] is None]
    tracker(national, "federation", "sync")
    rows = listing(national)
    by_id = {r["id"]: r for r in rows}
    s93, s75 = f"93:{camp['session93']}", f"75:{camp['session75']}"
    assert set(by_id) == {rows[0]["id"], "93:93066_0012", s93, s75}
    assert by_id[s93]["member"] == "93" and by_id[s75]["member"] == "75"
    assert by_id[s93]["path"] == f"93:sessions/{camp['session93']}.md"
    assert by_id[s93]["bureau"] == by_id[s75]["bureau"] == "93:93066_0012"
    operation = rows[0]
    assert operation["member"] is None and operation["kind"] == "operation"
    # rollups cross members: the national target against the doors of every member
    assert operation["actual"] == 15 and operation["progress"] == 0.15
    assert by_id["93:93066_0012"]["sessions"] == 2
    assert by_id["93:93066_0012"]["doors_knocked"] == 15
    assert [r["id"] for r in listing(national, "session", "--where", "member == '75'")] == [s75]
    ids = tracker(national, "list", "--federation", "--format", "ids", "--sort", "id")
    assert ids.split() == sorted(by_id)
    table = tracker(national, "list", "--federation", "session")
    assert s93 in table and s75 in table
    fields = listing(national, "session", "--fields", "knocked")
    assert {tuple(r) for r in fields} == {("id", "member", "knocked")}
    # without --federation nothing of the members shows
    plain = json.loads(tracker(national, "list", "--format", "json"))
    assert [r["id"] for r in plain] == [operation["id"]] and "member" not in plain[0]
    assert "--at" in tracker(national, "list", "--federation", "--at", "HEAD", code=2)


def test_show_federation(camp: dict[str, Path]) -> None:
    national = camp["national"]
    tracker(national, "federation", "sync")
    text = tracker(national, "show", "--federation", f"93:{camp['session93']}")
    assert text.startswith(f"93:{camp['session93']}  Porte à porte\n")
    assert "bureau: 93:93066_0012" in text and "member: 93" in text
    record = json.loads(tracker(national, "show", "--federation", "93:93066", "--format",
                                "json"))
    assert record["id"] == "93:93066_0012" and record["doors_knocked"] == 15
    assert record["path"] == "93:bureaux/93/93066_0012.md"
    error = tracker(national, "show", "--federation", "94:93066_0012", code=1)
    assert error.strip().splitlines() == ["Error: no member '94' in the federation "
                                          "(id '94:93066_0012')"]
    error = tracker(national, "show", "--federation", "75:93066_0012", code=1)
    assert "no item with id '75:93066_0012'" in error
    operation = listing(national, "operation")[0]["id"]
    assert json.loads(tracker(national, "show", "--federation", operation, "--format",
                              "json"))["actual"] == 15


def test_check_federation_refs_across_members(camp: dict[str, Path]) -> None:
    national, d75 = camp["national"], camp["d75"]
    tracker(national, "federation", "sync")
    assert clean(national, "--federation")
    # a qualified reference is another repository's: the member's own check lets it be
    assert clean(d75)
    broken = new(d75, "session", "Perdue", "date=2026-03-03", "bureau=93:99999_0000")
    lost = new(d75, "session", "Ailleurs", "date=2026-03-03", "bureau=94:94001_0001")
    assert clean(d75) and clean(national, "--federation")  # not synced yet
    tracker(national, "federation", "sync", "75")
    done = run_tracker(national, "check", "--federation", "--format", "json")
    assert done.returncode == 1, done.stderr
    problems = json.loads(done.stdout)
    assert problems == sorted([
        {"path": f"75:sessions/{lost}.md", "line": 6, "field": "bureau",
         "message": "broken reference: no member '94' in the federation ('94:94001_0001')"},
        {"path": f"75:sessions/{broken}.md", "line": 6, "field": "bureau",
         "message": "broken reference: no item '99999_0000' in member '93'"},
    ], key=lambda p: p["path"])
    messages = {p["message"] for p in problems}
    assert messages == {
        "broken reference: no member '94' in the federation ('94:94001_0001')",
        "broken reference: no item '99999_0000' in member '93'"}
    assert "2 problems in 2 files" in done.stderr


def test_check_federation_reports_member_problems_by_member(camp: dict[str, Path]) -> None:
    national, d93 = camp["national"], camp["d93"]
    (d93 / "sessions" / "ses-broken01.md").write_text("---\ntitle: [unclosed\n---\n",
                                                     encoding="utf-8")
    bad = new(d93, "session", "Sans date", "date=2026-03-01", "knocked=3",
              "positive=3")
    path = d93 / "sessions" / f"{bad}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("knocked: 3", "knocked: -3"),
                    encoding="utf-8")
    git(d93, "add", "-A")
    git(d93, "commit", "-q", "-m", "hand edits")
    git(d93, "push", "-q", "origin", "HEAD:refs/heads/main")
    tracker(national, "federation", "sync")
    done = run_tracker(national, "check", "--federation", "--format", "json")
    assert done.returncode == 1
    paths = {p["path"]: p for p in json.loads(done.stdout)}
    assert set(paths) == {"93:sessions/ses-broken01.md", f"93:sessions/{bad}.md"}
    assert paths[f"93:sessions/{bad}.md"]["field"] == "knocked"
    listed = run_tracker(national, "list", "--federation", "--format", "ids")
    assert listed.returncode == 1
    assert "warning: 93:sessions/ses-broken01.md:" in listed.stderr
    assert f"93:{bad}" in listed.stdout.split()


def test_sync_reads_the_fetched_head_only(camp: dict[str, Path]) -> None:
    national, d93 = camp["national"], camp["d93"]
    tracker(national, "federation", "sync")
    later = new(d93, "session", "Plus tard", "date=2026-03-05", "bureau=93066_0012")
    git(d93, "push", "-q", "origin", "HEAD:refs/heads/main")
    assert f"93:{later}" not in tracker(national, "list", "--federation", "--format", "ids")
    out = tracker(national, "federation", "sync")
    assert "93: " in out and " -> " in out and "75: unchanged" in out
    assert f"93:{later}" in tracker(national, "list", "--federation", "--format", "ids")
    # a member that cannot be fetched: said, the others fetched all the same, exit 1
    tracker(national, "federation", "add", "13", "../nowhere")
    done = run_tracker(national, "federation", "sync", "--format", "json")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    results = {r["name"]: r for r in json.loads(done.stdout)}
    assert results["13"]["error"] and results["93"]["error"] is None
    assert "error: member 13 (../nowhere): git fetch failed" in done.stderr
    status = json.loads(tracker(national, "federation", "status", "--format", "json"))
    assert [m["state"] for m in status] == ["fetched", "fetched", "never fetched"]


@pytest.mark.parametrize("name", ["9:3", "a/b", "..", "-x", "--upload-pack=x", "", "a.b",
                                  "x" * 65])
def test_member_names_refused(camp: dict[str, Path], name: str) -> None:
    national = camp["national"]
    before = (national / ".tracker" / "config.yaml").read_bytes()
    error = tracker(national, "federation", "add", "--", name, "../d75", code=2)
    assert "invalid member name" in error and len(error.strip().splitlines()) == 1
    assert (national / ".tracker" / "config.yaml").read_bytes() == before


def test_urls_never_taken_as_options(camp: dict[str, Path], tmp_path: Path) -> None:
    national = camp["national"]
    error = tracker(national, "federation", "add", "--", "13", "--upload-pack=touch x", code=2)
    assert "invalid member URL" in error
    assert "already in the federation" in tracker(national, "federation", "add", "93", "x",
                                                  code=2)
    # written by hand: refused when read, naming the config and the entry
    config = national / ".tracker" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") +
                      '  - name: "13"\n    url: "--upload-pack=touch pwned"\n', encoding="utf-8")
    error = tracker(national, "federation", "sync", code=1)
    assert error.startswith(".tracker/config.yaml: federation: member 3: invalid member URL") \
        or "federation: member 3: invalid member URL" in error
    assert not (national / "pwned").exists() and not (tmp_path / "pwned").exists()
    config.write_text(config.read_text(encoding="utf-8").replace(
        '  - name: "13"\n    url: "--upload-pack=touch pwned"\n', "  - name: 13\n    url: x\n"),
        encoding="utf-8")
    error = tracker(national, "federation", "status", code=1)
    assert "federation: member 3: name must be quoted text" in error


def test_no_members(tmp_path: Path) -> None:
    alone = campaign(tmp_path / "alone")
    assert "No members" in run_tracker(alone, "federation", "status").stderr
    assert "no members in the federation" in tracker(alone, "federation", "sync", code=2)
    assert json.loads(tracker(alone, "list", "--federation", "--format", "json")) == []


def test_reports_and_national_site(camp: dict[str, Path], tmp_path: Path) -> None:
    national, d93, d75 = camp["national"], camp["d93"], camp["d75"]
    new(d93, "bilan", "Saint-Denis", "commune_insee=93066", "commune_name=Saint-Denis",
        "departement=93", "population=110000")
    git(d93, "push", "-q", "origin", "HEAD:refs/heads/main")
    new(d75, "bilan", "Paris 11e", "commune_insee=75111", "commune_name=Paris 11e",
        "departement=75", "population=140000")
    tracker(national, "federation", "sync")
    text = tracker(national, "report", "terrain", "--federation")
    assert "**15 portes frappées**" in text
    assert "| Objectif national | 2026-01-01 → 2026-12-31 | knocked | 15 | 100 |" in text, text
    assert "`93:93066_0012`" in text
    assert "**0 portes frappées**" in tracker(national, "report", "terrain")  # the plain read
    site = tmp_path / "site"
    tracker(national, "report", "site", "--federation", "--out", str(site))
    bilans = (site / "bilans" / "index.html").read_text(encoding="utf-8")
    assert "Saint-Denis" in bilans and "Paris 11e" in bilans
    assert (site / "bilans" / "93066.html").is_file() and (site / "bilans" / "75111.html").is_file()
    assert "Objectif national" in (site / "index.html").read_text(encoding="utf-8")
    pages = {p.name for p in (site / "items" / "session").iterdir()}
    assert len(pages) == 2  # one page for each member's session
