"""`tracker edit ID`: $VISUAL/$EDITOR, validation on save, reopen on error."""

from __future__ import annotations

import pytest

from tests.helpers import (
    as_json,
    assert_error,
    assert_one_line_error,
    commit_all,
    editor_script,
    git,
    head,
    item_file,
    log_subjects,
    new_item,
    snapshot,
    status_porcelain,
    write_tree,
)

TEXT = "---\r\n# by hand\r\ntitle: Affiches  # t\r\nstatus: open\r\npriority: low\r\n---\r\nB\r\n"


@pytest.fixture
def item(repo) -> str:
    write_tree(repo, {"issues/hand.md": "\ufeff" + TEXT})
    commit_all(repo)
    return "hand"


def editor_env(path: str) -> dict[str, str]:
    return {"VISUAL": path, "EDITOR": path}


def replacing(tmp_path, old: str, new: str, name: str = "ed") -> dict[str, str]:
    """An editor that replaces `old` with `new` in the file's bytes."""
    return editor_env(editor_script(tmp_path, name, (
        f"data = path.read_bytes()\nassert {old.encode()!r} in data\n"
        f"path.write_bytes(data.replace({old.encode()!r}, {new.encode()!r}))")))


def test_a_valid_edit_is_saved_and_committed(invoke, repo, item, tmp_path):
    r = invoke("edit", item, env=replacing(tmp_path, "priority: low", "priority: high"))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "hand\n"
    assert item_file(repo, item).read_bytes() == (
        "\ufeff" + TEXT.replace("priority: low", "priority: high")).encode()
    assert log_subjects(repo)[0] == "edit hand: priority"
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["issues/hand.md"]


def test_the_editor_sees_the_exact_bytes(invoke, repo, item, tmp_path):
    seen = tmp_path / "seen.bin"
    env = editor_env(editor_script(tmp_path, "ed", f"pathlib.Path({str(seen)!r}).write_bytes("
                                                   "path.read_bytes())"))
    invoke("edit", item, env=env)
    assert seen.read_bytes() == ("\ufeff" + TEXT).encode()


def test_visual_wins_over_editor(invoke, repo, item, tmp_path):
    good = replacing(tmp_path, "priority: low", "priority: urgent", "good")["VISUAL"]
    bad = editor_script(tmp_path, "bad", "sys.exit(3)")
    r = invoke("edit", item, env={"VISUAL": good, "EDITOR": bad})
    assert r.exit_code == 0, r.stderr
    assert as_json(invoke("show", item, "--format", "json"))["priority"] == "urgent"


def test_editor_variable_is_used_without_visual(invoke, repo, item, tmp_path):
    env = replacing(tmp_path, "priority: low", "priority: urgent")
    r = invoke("edit", item, env={"VISUAL": "", "EDITOR": env["EDITOR"]})
    assert r.exit_code == 0, r.stderr
    assert as_json(invoke("show", item, "--format", "json"))["priority"] == "urgent"


def test_no_change_leaves_the_file_and_history(invoke, repo, item, tmp_path):
    commit = head(repo)
    env = editor_env(editor_script(tmp_path, "ed", "path.write_bytes(path.read_bytes())"))
    r = invoke("edit", item, env=env)
    assert r.exit_code == 0, r.stderr
    assert item_file(repo, item).read_bytes() == ("\ufeff" + TEXT).encode()
    assert head(repo) == commit


def test_an_aborted_edit_leaves_the_file_as_it_was(invoke, repo, item, tmp_path):
    before, commit = snapshot(repo), head(repo)
    env = editor_env(editor_script(tmp_path, "ed", "path.write_text('garbage')\nsys.exit(1)"))
    r = invoke("edit", item, env=env)
    assert_error(r, 1)
    assert snapshot(repo) == before and head(repo) == commit


def test_invalid_edit_answered_no_leaves_the_file_unchanged(invoke, repo, item, tmp_path):
    before, commit = snapshot(repo), head(repo)
    r = invoke("edit", item, input="n\n",
               env=replacing(tmp_path, "priority: low", "priority: critical"))
    assert r.exit_code == 1
    assert "Traceback" not in r.stderr
    assert "priority" in r.stderr and "low, normal, high, urgent" in r.stderr
    assert "issues/hand.md:5" in r.stderr
    assert [line for line in r.stderr.splitlines() if line.startswith("Error:")] != []
    assert snapshot(repo) == before and head(repo) == commit
    assert status_porcelain(repo) == ""


@pytest.mark.parametrize("broken", [
    "---\r\ntitle: [unclosed\r\n---\r\n",
    "",
    "no front matter at all\r\n",
    "---\r\nstatus: open\r\n---\r\n",  # title is required
    "---\r\ntitle: a\r\ntitle: b\r\n---\r\n",
])
def test_broken_edits_are_never_saved(invoke, repo, item, tmp_path, broken):
    before = snapshot(repo)
    env = editor_env(editor_script(tmp_path, "ed", f"path.write_bytes({broken.encode()!r})"))
    r = invoke("edit", item, input="n\n", env=env)
    assert r.exit_code == 1
    assert "Traceback" not in r.stderr
    assert snapshot(repo) == before


def test_invalid_edit_then_yes_then_a_valid_fix(invoke, repo, item, tmp_path):
    count = tmp_path / "count"
    env = editor_env(editor_script(tmp_path, "ed", f"""
count = pathlib.Path({str(count)!r})
n = int(count.read_text()) if count.exists() else 0
count.write_text(str(n + 1))
data = path.read_bytes()
if n == 0:
    path.write_bytes(data.replace(b"priority: low", b"priority: critical"))
else:
    assert b"priority: critical" in data, "the reopened editor shows the rejected text"
    path.write_bytes(data.replace(b"priority: critical", b"priority: urgent"))
"""))
    r = invoke("edit", item, input="y\n", env=env)
    assert r.exit_code == 0, r.stderr
    assert count.read_text() == "2"
    assert item_file(repo, item).read_bytes() == (
        "\ufeff" + TEXT.replace("priority: low", "priority: urgent")).encode()
    assert log_subjects(repo)[0] == "edit hand: priority"


def test_reopen_then_give_up(invoke, repo, item, tmp_path):
    before = snapshot(repo)
    r = invoke("edit", item, input="y\nn\n",
               env=replacing(tmp_path, "priority: low", "priority: critical"))
    assert r.exit_code == 1
    assert snapshot(repo) == before


def test_edit_no_commit(invoke, repo, item, tmp_path):
    commit = head(repo)
    r = invoke("edit", item, "--no-commit",
               env=replacing(tmp_path, "priority: low", "priority: high"))
    assert r.exit_code == 0, r.stderr
    assert head(repo) == commit
    assert status_porcelain(repo) == " M issues/hand.md\n"


def test_edit_by_prefix_of_a_new_item(invoke, repo, tmp_path):
    item_id = new_item(invoke, "issue", "Nouveau")
    r = invoke("edit", item_id[:9], env=replacing(tmp_path, "priority: normal",
                                                  "priority: high"))
    assert r.exit_code == 0, r.stderr
    assert as_json(invoke("show", item_id, "--format", "json"))["priority"] == "high"


@pytest.mark.parametrize("ref, fragment", [("../x", "no item"), ("/etc/passwd", "no item"),
                                           ("CON", "no item"), ("zzz", "no item")])
def test_bad_ids(invoke, repo, item, tmp_path, ref, fragment):
    ran = tmp_path / "ran"
    env = editor_env(editor_script(tmp_path, "ed", f"pathlib.Path({str(ran)!r}).touch()"))
    before = snapshot(repo)
    assert_one_line_error(invoke("edit", ref, env=env), 1, fragment)
    assert not ran.exists()
    assert snapshot(repo) == before


def test_edit_is_judged_by_the_write_gate_as_set_is(repo, tmp_path):
    """A problem the file already had (a hand edit) does not block an edit elsewhere, as
    it does not block a `set`; a problem the edit adds is refused (issue 15 §1)."""
    from tests.helpers import run_tracker

    write_tree(repo, {"issues/old.md": "---\ntitle: Old\nstatus: open\npriority: urgentish\n"
                                       "---\n"})
    commit_all(repo)
    env = replacing(tmp_path, "title: Old", "title: Old, retitled")
    done = run_tracker(repo, "edit", "old", env=env)
    assert done.returncode == 0, done.stderr
    assert "title: Old, retitled" in item_file(repo, "old").read_text(encoding="utf-8")
    assert run_tracker(repo, "set", "old", "title=Old again").returncode == 0
    before = item_file(repo, "old").read_bytes()
    env = replacing(tmp_path, "status: open", "status: nowhere", name="ed2")
    done = run_tracker(repo, "edit", "old", env=env, input="n\n")
    assert done.returncode != 0 and "status" in done.stderr and "Traceback" not in done.stderr
    assert item_file(repo, "old").read_bytes() == before
