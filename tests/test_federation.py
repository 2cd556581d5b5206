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
    text = tracker(national, "show", "--federation", f"93:{camp['session93']}", "--raw")
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


# ------------------------------------------------------------ remove, hostile input


def commits(folder: Path) -> int:
    return int(git(folder, "rev-list", "--count", "HEAD").strip())


def refs(folder: Path) -> str:
    return git(folder, "for-each-ref", "refs/tracker")


def test_remove(camp: dict[str, Path]) -> None:
    national = camp["national"]
    config = national / ".tracker" / "config.yaml"
    tracker(national, "federation", "sync")
    assert "refs/tracker/federation/93/HEAD" in refs(national)
    tracker(national, "log", "--federation")
    remembered = national / ".git" / "tracker-cache" / "log-v1-member-93.pickle"
    assert remembered.is_file()
    assert tracker(national, "federation", "remove", "93") == "Removed member 93: ../d93.git\n"
    assert not remembered.exists()
    assert config.read_text(encoding="utf-8").endswith(
        f'federation:\n  - name: "75"\n    url: "{camp["d75"]}"\n')
    diff = git(national, "diff", "HEAD~1", "--", ".tracker/config.yaml")
    assert [line for line in diff.splitlines() if line[:1] in "+-"
            and line[:3] not in ("+++", "---")] == ['-  - name: "93"', '-    url: "../d93.git"']
    assert git(national, "log", "-1", "--format=%s").strip() == "federation: remove member 93"
    assert git(national, "status", "--porcelain") == ""
    assert "federation/93/" not in refs(national) and "federation/75/HEAD" in refs(national)
    assert {r["member"] for r in listing(national)} == {None, "75"}
    # an unknown name, or one no member could have: one line, exit 2, nothing written
    before, count = config.read_bytes(), commits(national)
    for name in ("93", "13", "a::b", "..", "-x", "a\nb"):
        error = tracker(national, "federation", "remove", "--", name, code=2)
        assert len(error.strip().splitlines()) == 1, error
        assert "no member" in error or "invalid member name" in error
    assert config.read_bytes() == before and commits(national) == count
    # the last one: the block is left empty, read as no members
    assert json.loads(tracker(national, "federation", "remove", "75", "--format", "json")) == \
        {"name": "75", "url": str(camp["d75"])}
    assert json.loads(tracker(national, "federation", "status", "--format", "json")) == []
    assert refs(national) == ""


def test_remove_keeps_other_lines_and_refuses_what_it_cannot_read(camp: dict[str, Path]
                                                                  ) -> None:
    national = camp["national"]
    config = national / ".tracker" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    head, _, _ = text.partition("federation:\n")
    config.write_text(head + "federation:\n  # départements\n  - name: \"93\"   # Seine-Saint-"
                      "Denis\n    url: ../d93.git\n\n  - {name: \"75\", url: ../d75}\n"
                      "# la suite du fichier\n", encoding="utf-8")
    git(national, "commit", "-q", "-am", "by hand")
    tracker(national, "federation", "remove", "93")
    assert config.read_text(encoding="utf-8") == head + (
        "federation:\n  # départements\n\n  - {name: \"75\", url: ../d75}\n# la suite du fichier\n")
    tracker(national, "federation", "remove", "75")
    assert config.read_text(encoding="utf-8") == head + (
        "federation:\n  # départements\n\n# la suite du fichier\n")
    config.write_text(head + 'federation: [{name: "93", url: ../d93.git}]\n', encoding="utf-8")
    git(national, "commit", "-q", "-am", "flow style")
    error = tracker(national, "federation", "remove", "93", code=2)
    assert "cannot remove member '93'" in error and "by hand" in error
    assert git(national, "status", "--porcelain") == ""


@pytest.mark.parametrize("name", ["9::3", "a..b", "a\nb", "-x", "--upload-pack=x", "93\n"])
def test_hostile_member_names_write_nothing(camp: dict[str, Path], name: str) -> None:
    national = camp["national"]
    config = national / ".tracker" / "config.yaml"
    before, count = config.read_bytes(), commits(national)
    error = tracker(national, "federation", "add", "--", name, "../d75", code=2)
    assert "invalid member name" in error and len(error.strip().splitlines()) == 1
    assert config.read_bytes() == before and commits(national) == count
    # written by hand: every command reading the federation refuses, naming the entry
    config.write_text(config.read_text(encoding="utf-8") +
                      f"  - name: {json.dumps(name)}\n    url: ../d75\n", encoding="utf-8")
    for args in (["federation", "sync"], ["list", "--federation"], ["log", "--federation"]):
        error = tracker(national, *args, code=1)
        assert "federation: member 3: invalid member name" in error, (args, error)
        assert len(error.strip().splitlines()) == 1
    assert refs(national) == ""


@pytest.mark.parametrize("url", ["--upload-pack=touch pwned", "-oProxyCommand=touch pwned",
                                 "../d75\n--upload-pack=touch pwned", " "])
def test_hostile_urls_write_nothing(camp: dict[str, Path], tmp_path: Path, url: str) -> None:
    national = camp["national"]
    config = national / ".tracker" / "config.yaml"
    before, count = config.read_bytes(), commits(national)
    error = tracker(national, "federation", "add", "--", "13", url, code=2)
    assert "invalid member URL" in error and len(error.strip().splitlines()) == 1
    assert config.read_bytes() == before and commits(national) == count
    assert not list(tmp_path.rglob("pwned"))


def test_colliding_names(camp: dict[str, Path]) -> None:
    national = camp["national"]
    config = national / ".tracker" / "config.yaml"
    before, count = config.read_bytes(), commits(national)
    assert "member '93' is already in the federation" in tracker(
        national, "federation", "add", "93", "../d75", code=2)
    tracker(national, "federation", "add", "paris", "../d75")
    error = tracker(national, "federation", "add", "Paris", "../d75", code=2)
    assert "member 'Paris' collides with member 'paris'" in error
    assert commits(national) == count + 1
    git(national, "reset", "-q", "--hard", "HEAD~1")
    assert config.read_bytes() == before
    config.write_text(config.read_text(encoding="utf-8") + '  - name: "Paris"\n    url: a\n'
                      '  - name: "paris"\n    url: b\n', encoding="utf-8")
    error = tracker(national, "federation", "status", code=1)
    assert "federation: member 4: member 'paris' collides" in error
    assert len(error.strip().splitlines()) == 1


def test_a_member_whose_repository_is_gone(camp: dict[str, Path]) -> None:
    import shutil

    national = camp["national"]
    tracker(national, "federation", "sync")
    fetched = git(national, "rev-parse", "refs/tracker/federation/75/HEAD").strip()
    rows = listing(national)
    shutil.rmtree(camp["d75"])
    done = run_tracker(national, "federation", "sync")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: member 75 ({camp['d75']}): "
                                                     "git fetch failed")
    assert "93: unchanged" in done.stdout
    # what was fetched stays, and is read as before
    assert git(national, "rev-parse", "refs/tracker/federation/75/HEAD").strip() == fetched
    assert listing(national) == rows
    assert any(e["member"] == "75" for e in json.loads(
        tracker(national, "log", "--federation", "--format", "json")))
    assert git(national, "status", "--porcelain") == ""


# ------------------------------------------------------------ log, blame, diff, export


def at(folder: Path, when: str, *args: str) -> str:
    """A tracker command whose commit is dated `when`."""
    stamp = f"{when}T12:00:00+01:00"
    done = run_tracker(folder, *args, env={"GIT_AUTHOR_DATE": stamp,
                                           "GIT_COMMITTER_DATE": stamp})
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done.stdout.strip()


def test_log_and_blame_federation(camp: dict[str, Path]) -> None:
    national, d93 = camp["national"], camp["d93"]
    s93, s75 = f"93:{camp['session93']}", f"75:{camp['session75']}"
    at(d93, "2026-03-04", "set", str(camp["session93"]), "channel=phoning")
    git(d93, "push", "-q", "origin", "HEAD:refs/heads/main")
    # never fetched: a member's item is refused, the whole log is this repository's
    error = tracker(national, "log", "--federation", s93, code=2)
    assert error.strip() == "Error: member '93' was never fetched: run 'tracker federation " \
        "sync 93'"
    own = json.loads(tracker(national, "log", "--federation", "--format", "json"))
    assert own and {e["member"] for e in own} == {None}
    tracker(national, "federation", "sync")

    entries = json.loads(tracker(national, "log", "--federation", "--format", "json"))
    assert entries[0]["member"] == "93" and entries[0]["date"].startswith("2026-03-04")
    assert entries[0]["items"][0]["id"] == s93
    assert entries[0]["items"][0]["path"] == f"93:sessions/{camp['session93']}.md"
    assert entries[0]["items"][0]["changes"] == {
        "channel": {"old": "porte-a-porte", "new": "phoning"}}
    assert {e["member"] for e in entries} == {None, "93", "75"}
    plain = json.loads(tracker(national, "log", "--format", "json"))
    assert [e for e in entries if e["member"] is None] == [{**e, "member": None,
                                                            "items": [{**i, "member": None}
                                                                      for i in e["items"]]}
                                                           for e in plain]
    born = [i for e in entries if e["member"] == "75" for i in e["items"] if i["created"]]
    assert [i["id"] for i in born] == [s75]
    assert born[0]["changes"]["bureau"] == {"old": None, "new": "93:93066_0012"}
    text = tracker(national, "log", "--federation")
    assert "member 93" in text and f"{s93}: channel: porte-a-porte -> phoning" in text
    # each member's log is remembered up to its fetched head, and read on from there
    assert (national / ".git" / "tracker-cache" / "log-v1-member-93.pickle").is_file()
    assert json.loads(tracker(national, "log", "--federation", "--format", "json")) == entries
    at(d93, "2026-03-08", "set", str(camp["session93"]), "channel=tractage")
    git(d93, "push", "-q", "origin", "HEAD:refs/heads/main")
    tracker(national, "federation", "sync", "93")
    again = json.loads(tracker(national, "log", "--federation", "--format", "json"))
    assert again[1:] == entries and again[0]["member"] == "93"
    assert again[0]["items"][0]["changes"] == {
        "channel": {"old": "phoning", "new": "tractage"}}

    one = json.loads(tracker(national, "log", "--federation", s93, "--format", "json"))
    assert [e["member"] for e in one] == ["93"] * len(one)
    assert one[1]["changes"] == {"channel": {"old": "porte-a-porte", "new": "phoning"}}
    assert one[-1]["created"] and one[-1]["changes"]["bureau"]["new"] == "93:93066_0012"
    assert len(one) == int(git(d93, "rev-list", "--count", "HEAD", "--", "sessions").strip())

    blamed = json.loads(tracker(national, "blame", "--federation", s93, "--format", "json"))
    head93 = git(d93, "rev-parse", "HEAD").strip()
    assert blamed["channel"] == {"commit": head93, "author": blamed["channel"]["author"],
                                 "date": "2026-03-08T12:00:00+01:00", "member": "93"}
    assert blamed["knocked"]["commit"] != head93 and blamed["knocked"]["member"] == "93"
    assert "channel" in tracker(national, "blame", "--federation", s93)
    operation = listing(national, "operation")[0]["id"]
    mine = json.loads(tracker(national, "blame", "--federation", operation, "--format", "json"))
    assert {b["member"] for b in mine.values()} == {None}
    # wrong ids: one line each
    for ref, words in ((f"94:{camp['session93']}", "no member '94' in the federation"),
                       ("75:nothing", "no item with id '75:nothing' in member '75'"),
                       ("93:", "no item with id '93:'")):
        for command in ("log", "blame"):
            error = tracker(national, command, "--federation", ref, code=1)
            assert words in error and len(error.strip().splitlines()) == 1, error


def test_diff_federation(camp: dict[str, Path]) -> None:
    national, d93, d75 = camp["national"], camp["d93"], camp["d75"]
    s93 = str(camp["session93"])
    at(d93, "2026-03-05", "set", s93, "channel=phoning")
    later = at(d93, "2026-03-06", "new", "session", "Plus tard", "--set", "date=2026-03-06",
               "--set", "bureau=93066_0012")
    git(d93, "push", "-q", "origin", "HEAD:refs/heads/main")
    tracker(national, "federation", "sync")
    result = json.loads(tracker(national, "diff", "--federation", "2026-03-02", "--format",
                                "json"))
    assert result == {
        "added": [{"id": f"93:{later}", "kind": "session", "title": "Plus tard",
                   "member": "93"}],
        "removed": [],
        "changed": [{"id": f"93:{s93}", "kind": "session", "title": "Porte à porte",
                     "fields": {"channel": {"old": "porte-a-porte", "new": "phoning"}},
                     "body_changed": False, "member": "93"}]}
    between = json.loads(tracker(national, "diff", "--federation", "2026-03-02", "2026-03-05",
                                 "--format", "json"))
    assert [e["id"] for e in between["changed"]] == [f"93:{s93}"] and not between["added"]
    assert json.loads(tracker(national, "diff", "--federation", "2026-03-02..2026-03-05",
                              "--format", "json")) == between
    # HEAD~N is each repository's own; a date before a repository's first commit is
    # its empty state (every item added)
    last = json.loads(tracker(national, "diff", "--federation", "HEAD~1", "HEAD", "--format",
                              "json"))
    assert f"93:{later}" in [e["id"] for e in last["added"]]
    everything = json.loads(tracker(national, "diff", "--federation", "2000-01-01",
                                    "--format", "json"))
    assert {e["id"] for e in everything["added"]} == {r["id"] for r in listing(national)}
    # the work tree of this repository, as a plain diff sees it
    tracker(national, "new", "operation", "Locale", "--set", "start=2026-01-01",
            "--set", "end=2026-02-01", "--set", "target=5", "--no-commit")
    mine = json.loads(tracker(national, "diff", "--federation", "--format", "json"))
    assert [(e["title"], e["member"]) for e in mine["added"]] == [("Locale", None)]
    md = tracker(national, "diff", "--federation", "2026-03-02", "--format", "md")
    assert f"`93:{later}`" in md and "93:" in md
    assert f"93:{later}" in tracker(national, "diff", "--federation", "2026-03-02")
    # revisions a member has no name for, and A...B: one line, exit 2
    for args in (["main"], [git(d75, "rev-parse", "HEAD").strip()], ["HEAD...HEAD~1"],
                 ["--", "-x"]):
        error = tracker(national, "diff", "--federation", *args, code=2)
        assert len(error.strip().splitlines()) == 1 and "Error" in error, (args, error)


def test_export_federation(camp: dict[str, Path]) -> None:
    national = camp["national"]
    tracker(national, "federation", "sync")
    rows = json.loads(tracker(national, "export", "json", "--federation"))
    listed = {r["id"]: r for r in listing(national)}
    assert {r["id"]: r["member"] for r in rows} == {i: r["member"] for i, r in listed.items()}
    assert all(list(r)[:3] == ["id", "kind", "member"] for r in rows)
    session = next(r for r in rows if r["id"] == f"93:{camp['session93']}")
    assert session["bureau"] == "93:93066_0012" and "body" in session
    lines = tracker(national, "export", "jsonl", "--federation", "--kind", "session")
    assert {json.loads(line)["member"] for line in lines.splitlines()} == {"93", "75"}
    csv_text = tracker(national, "export", "csv", "--federation", "--where", "member == '75'")
    assert csv_text.splitlines()[0].startswith("id,kind,member,")
    assert len(csv_text.splitlines()) == 2 and f"75:{camp['session75']}" in csv_text
    plain = json.loads(tracker(national, "export", "json"))
    assert [r["id"] for r in plain] == [listing(national, "operation")[0]["id"]]
    assert "member" not in plain[0]


def test_member_names_complete(camp: dict[str, Path]) -> None:
    import os
    import subprocess

    from tests.helpers import tracker_exe
    done = subprocess.run([*tracker_exe()], cwd=camp["national"], capture_output=True,
                          text=True, env={**os.environ, "_TRACKER_COMPLETE": "bash_complete",
                                          "COMP_WORDS": "tracker federation remove ",
                                          "COMP_CWORD": "3"})
    assert done.stdout.split() == ["plain,93", "plain,75"], done.stdout
