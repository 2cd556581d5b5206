"""`tracker mcp`: the installed command spawned with the MCP SDK's own client over stdio,
in a real git repository; every tool called, writes checked as commits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from tests.helpers import git, tracker_exe

mcp = pytest.importorskip("mcp")
anyio = pytest.importorskip("anyio")

from mcp.client.session import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

ALL_TOOLS = {"list_items", "show_item", "create_item", "update_item", "move_item", "log",
             "blame", "diff", "check", "report"}
WRITES = {"create_item", "update_item", "move_item", "claim_item"}


@asynccontextmanager
async def connected(root: Path, *args: str) -> AsyncIterator[ClientSession]:
    command = tracker_exe()
    params = StdioServerParameters(command=command[0], args=[*command[1:], "mcp", *args],
                                   env=dict(os.environ), cwd=str(root))
    with open(root.parent / "mcp-stderr.txt", "a", encoding="utf-8") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


def run(root: Path, body: Callable[[ClientSession], Awaitable[Any]], *args: str) -> Any:
    async def main() -> Any:
        async with connected(root, *args) as session:
            return await body(session)
    return anyio.run(main)


def answer(result: Any) -> Any:
    assert not result.is_error, result.content[0].text
    return json.loads(result.content[0].text)


def refusal(result: Any) -> dict[str, Any]:
    assert result.is_error
    data = json.loads(result.content[0].text)
    assert set(data) >= {"error", "problems"} and "\n" not in data["error"]
    return data


def new_item(repo: Path, title: str, *sets: str) -> str:
    done = subprocess.run([*tracker_exe(), "new", "issue", title, *sets], cwd=repo,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_lists_the_tools_each_with_its_schema_and_the_resources(repo: Path) -> None:
    async def body(s: ClientSession) -> Any:
        tools = (await s.list_tools()).tools
        listed = (await s.list_resources()).resources
        kinds = json.loads((await s.read_resource("tracker://kinds")).contents[0].text)
        issue = json.loads((await s.read_resource("tracker://kinds/issue")).contents[0].text)
        config = json.loads((await s.read_resource("tracker://config")).contents[0].text)
        return tools, listed, kinds, issue, config

    tools, listed, kinds, issue, config = run(repo, body)
    names = {t.name for t in tools}
    assert ALL_TOOLS <= names
    by_name = {t.name: t for t in tools}
    for tool in tools:  # every argument is described in the schema
        assert tool.description
        assert tool.input_schema["type"] == "object"
        for name, spec in tool.input_schema["properties"].items():
            assert spec.get("description"), (tool.name, name)
    assert set(by_name["update_item"].input_schema["properties"]) == \
        {"id", "fields", "unset", "body"}
    assert by_name["update_item"].input_schema["properties"]["fields"]["type"] == "object"
    assert set(by_name["list_items"].input_schema["properties"]) == \
        {"kind", "where", "grep", "sort", "fields", "limit", "at"}
    assert by_name["show_item"].input_schema["required"] == ["id"]
    assert by_name["list_items"].annotations.read_only_hint is True
    assert by_name["create_item"].annotations.read_only_hint is False
    assert {r.uri for r in listed} == {"tracker://kinds", "tracker://config",
                                       "tracker://kinds/issue"}
    assert [k["name"] for k in kinds] == ["issue"] and kinds[0] == issue
    assert issue["fields"]["priority"]["values"] == ["low", "normal", "high", "urgent"]
    assert issue["workflow"]["initial"] == "open"
    assert issue["workflow"]["final"] == ["done", "closed"]  # what `ready` waits for
    assert issue["fields"]["depends_on"]["type"] == "refs"
    assert issue["workflow"]["transitions"]["open"] == ["in-progress"]
    assert config["commit"] == "auto"


def test_each_reading_tool_answers_the_clis_json(repo: Path) -> None:
    first = new_item(repo, "Fix the login", "--set", "priority=high")
    second = new_item(repo, "Write the docs")

    def cli(*args: str) -> Any:
        done = subprocess.run([*tracker_exe(), *args, "--format", "json"], cwd=repo,
                              capture_output=True, text=True)
        return json.loads(done.stdout)

    async def body(s: ClientSession) -> dict[str, Any]:
        got = {}
        got["list"] = answer(await s.call_tool("list_items", {"kind": "issue"}))
        got["where"] = answer(await s.call_tool("list_items", {
            "where": "priority == 'high'", "fields": ["title"], "limit": 5}))
        got["grep"] = answer(await s.call_tool("list_items", {"grep": "DOCS"}))
        got["sorted"] = answer(await s.call_tool("list_items", {"sort": "-title"}))
        got["show"] = answer(await s.call_tool("show_item", {"id": first[:-2]}))
        got["at"] = answer(await s.call_tool("show_item", {"id": first, "at": "HEAD~1"}))
        got["log"] = answer(await s.call_tool("log", {"id": first}))
        got["log_all"] = answer(await s.call_tool("log", {}))
        got["blame"] = answer(await s.call_tool("blame", {"id": first}))
        got["diff"] = answer(await s.call_tool("diff", {"rev": "HEAD~1"}))
        got["check"] = answer(await s.call_tool("check", {}))
        got["reports"] = answer(await s.call_tool("report", {}))
        summary = await s.call_tool("report", {"name": "summary"})
        assert not summary.is_error, summary.content[0].text
        got["summary"] = summary.content[0].text
        return got

    got = run(repo, body)
    assert got["list"] == cli("list", "issue")
    assert got["where"] == cli("list", "--where", "priority == 'high'", "--fields", "title")
    assert got["where"] == [{"id": first, "title": "Fix the login"}]
    assert [r["id"] for r in got["grep"]] == [second]
    assert [r["id"] for r in got["sorted"]] == [second, first]
    assert got["show"] == cli("show", first)
    assert got["at"]["title"] == "Fix the login"
    assert got["log"] == cli("log", first)
    assert got["log_all"] == cli("log")
    assert got["blame"] == cli("blame", first)
    assert got["diff"] == cli("diff", "HEAD~1")
    assert [c["id"] for c in got["diff"]["added"]] == [second]
    assert got["check"] == []
    assert "summary" in {r["name"] for r in got["reports"]}
    assert got["reports"] == cli("report", "--list")
    assert got["summary"] == subprocess.run([*tracker_exe(), "report", "summary"], cwd=repo,
                                            capture_output=True, text=True).stdout


def test_a_write_is_a_minimal_diff_commit_by_the_named_author(repo: Path) -> None:
    made_by_cli = new_item(repo, "Fix the login")
    head = git(repo, "rev-parse", "HEAD").strip()

    async def body(s: ClientSession) -> dict[str, Any]:
        got = {}
        got["set"] = answer(await s.call_tool("update_item", {
            "id": made_by_cli, "fields": {"priority": "high"}}))
        got["set_commit"] = git(repo, "rev-parse", "HEAD").strip()
        got["new"] = answer(await s.call_tool("create_item", {
            "kind": "issue", "title": "Write the docs",
            "fields": {"tags": ["docs", "agents"], "priority": "low"}, "body": "Start here.\n"}))
        got["move"] = answer(await s.call_tool("move_item", {
            "id": made_by_cli, "status": "in-progress"}))
        got["body"] = answer(await s.call_tool("update_item", {
            "id": got["new"]["id"], "body": "Started.\n", "unset": ["tags"]}))
        return got

    got = run(repo, body, "--as", "Claude Agent")
    assert got["set"]["priority"] == "high" and got["set"]["id"] == made_by_cli
    assert got["set_commit"] != head
    commits = git(repo, "log", "--format=%an <%ae>|%s", f"{head}..HEAD").splitlines()
    assert len(commits) == 4  # one commit per write
    assert all(c.startswith("Claude Agent <claude-agent@tracker.invalid>|") for c in commits)
    path = git(repo, "show", "--name-only", "--format=", got["set_commit"]).strip()
    numstat = git(repo, "show", "--numstat", "--format=", got["set_commit"]).split()
    assert numstat == ["1", "1", path]  # one field changed: one line changed
    assert "+priority: high" in git(repo, "show", "--format=", got["set_commit"])
    assert got["new"]["path"].startswith("issues/")
    text = (repo / got["new"]["path"]).read_text(encoding="utf-8")
    assert text.endswith("Started.\n") and "tags" not in text and "priority: low" in text
    assert got["move"]["status"] == "in-progress"
    moved = git(repo, "show", "--numstat", "--format=", "HEAD~1").split()
    assert moved == ["1", "1", path]
    assert subprocess.run([*tracker_exe(), "check"], cwd=repo).returncode == 0


def test_a_refused_write_returns_the_problem_and_writes_nothing(repo: Path) -> None:
    item = new_item(repo, "Fix the login")
    head = git(repo, "rev-parse", "HEAD").strip()
    before = {p: p.read_bytes() for p in (repo / "issues").rglob("*.md")}

    async def body(s: ClientSession) -> list[dict[str, Any]]:
        return [refusal(r) for r in [
            await s.call_tool("update_item", {"id": item, "fields": {"priority": "soon"}}),
            await s.call_tool("move_item", {"id": item, "status": "done"}),
            await s.call_tool("create_item", {"kind": "issue", "title": "x",
                                              "fields": {"due": "tomorrow"}}),
            await s.call_tool("show_item", {"id": "nope"}),
            await s.call_tool("create_item", {"kind": "nope", "title": "x"}),
            await s.call_tool("update_item", {"id": item}),
            await s.call_tool("show_item", {"id": item, "colour": "red"}),
            await s.call_tool("list_items", {"limit": "many"}),
            await s.call_tool("show_item", {}),
            await s.call_tool("claim_item", {"id": item, "as": " "}),
        ]]

    errors = run(repo, body, "--as", "agent")
    priority, move, due, missing, kind, nothing, unknown, limit, required, nobody = errors
    assert "priority" in priority["error"] and "soon" in priority["error"]
    assert priority["problems"][0]["field"] == "priority"
    assert "cannot move from open to done" in move["error"]
    assert "--force" not in move["error"]  # an agent has no --force
    assert due["problems"][0]["field"] == "due"
    assert "nope" in missing["error"]
    assert "unknown kind 'nope'" in kind["error"]
    assert "nothing to change" in nothing["error"]
    assert unknown["problems"] == [{"field": "colour", "message": "unknown argument"}]
    assert limit["problems"][0]["field"] == "limit"
    assert required["problems"] == [{"field": "id", "message": "required"}]
    assert nobody["problems"] == [{"field": "as", "message": "must be a name"}]
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert {p: p.read_bytes() for p in (repo / "issues").rglob("*.md")} == before
    assert git(repo, "status", "--porcelain") == ""


def test_read_only_offers_the_reading_tools_and_refuses_writes(repo: Path) -> None:
    item = new_item(repo, "Fix the login")
    head = git(repo, "rev-parse", "HEAD").strip()

    async def body(s: ClientSession) -> Any:
        names = {t.name for t in (await s.list_tools()).tools}
        refused = [refusal(await s.call_tool(name, args)) for name, args in [
            ("update_item", {"id": item, "fields": {"priority": "high"}}),
            ("create_item", {"kind": "issue", "title": "x"}),
            ("move_item", {"id": item, "status": "in-progress"}),
            ("claim_item", {"id": item, "as": "me"})]]
        shown = answer(await s.call_tool("show_item", {"id": item}))
        return names, refused, shown

    names, refused, shown = run(repo, body, "--read-only")
    assert names & WRITES == set()
    assert ALL_TOOLS - WRITES <= names
    for error in refused:
        assert "read-only" in error["error"]
    assert shown["priority"] == "normal"
    assert git(repo, "rev-parse", "HEAD").strip() == head


def test_a_write_from_beside_the_server_is_seen_at_once(repo: Path) -> None:
    item = new_item(repo, "Fix the login")

    async def body(s: ClientSession) -> Any:
        first = answer(await s.call_tool("show_item", {"id": item}))
        subprocess.run([*tracker_exe(), "set", item, "priority=urgent"], cwd=repo, check=True)
        second = answer(await s.call_tool("show_item", {"id": item}))
        return first, second

    first, second = run(repo, body)
    assert (first["priority"], second["priority"]) == ("normal", "urgent")


def test_other_commands_do_not_load_the_sdk(repo: Path) -> None:
    code = ("import sys; from tracker.cli.fast import main; sys.argv = ['tracker', 'list'];\n"
            "try: main()\nexcept SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m == 'mcp' or m.startswith('mcp.')"
            " or m.startswith('tracker.mcp')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True,
                          text=True)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr


def test_bad_as_and_outside_a_tracker_are_one_line(tmp_path: Path, repo: Path) -> None:
    done = subprocess.run([*tracker_exe(), "mcp", "--as", "a <b"], cwd=repo,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and done.stderr.startswith("Error: --as")
    assert "Traceback" not in done.stderr
    outside = tmp_path / "outside"
    outside.mkdir()
    done = subprocess.run([*tracker_exe(), "mcp"], cwd=outside, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and done.stderr.startswith("Error: ")
    assert len(done.stderr.splitlines()) == 1


def test_ready_and_claim_are_offered_when_the_library_has_them(repo: Path) -> None:
    from tracker.api import Tracker

    async def body(s: ClientSession) -> set[str]:
        return {t.name for t in (await s.list_tools()).tools}

    names = run(repo, body)
    assert ("ready" in names) == hasattr(Tracker, "ready")
    assert ("claim_item" in names) == hasattr(Tracker, "claim")


def _has(method: str) -> bool:
    from tracker.api import Tracker

    return hasattr(Tracker, method)


@pytest.mark.skipif(not (_has("ready") and _has("claim")),
                    reason="tracker ready/claim are not in this tracker yet")
def test_ready_then_claim_by_the_agent(repo: Path) -> None:
    first = new_item(repo, "Fix the login", "--set", "priority=urgent")
    second = new_item(repo, "Write the docs")
    head = git(repo, "rev-parse", "HEAD").strip()

    async def body(s: ClientSession) -> Any:
        before = answer(await s.call_tool("ready", {"kind": "issue"}))
        claimed = answer(await s.call_tool("claim_item", {"id": first}))
        after = answer(await s.call_tool("ready", {}))
        return before, claimed, after

    before, claimed, after = run(repo, body, "--as", "Claude Agent")
    assert [r["id"] for r in before] == [first, second]  # urgent first
    assert claimed["id"] == first and claimed["assignee"] == "Claude Agent"
    assert [r["id"] for r in after] == [second]
    assert git(repo, "log", "--format=%an", f"{head}..HEAD").split("\n")[0] == "Claude Agent"


def test_check_reports_the_problems_of_a_file_written_by_hand(repo: Path) -> None:
    item = new_item(repo, "Fix the login")
    path = next((repo / "issues").rglob(f"{item}.md"))
    path.write_text(path.read_text(encoding="utf-8").replace("priority: normal",
                                                             "priority: soon"), "utf-8")
    rel = path.relative_to(repo).as_posix()

    async def body(s: ClientSession) -> Any:
        return (answer(await s.call_tool("check", {})),
                answer(await s.call_tool("check", {"paths": [rel]})),
                answer(await s.call_tool("check", {"paths": ["elsewhere"]})))

    every, only, elsewhere = run(repo, body)
    assert every == only
    assert [(p["path"], p["field"]) for p in every] == [(rel, "priority")]
    assert every[0]["line"] and "soon" in every[0]["message"]
    assert elsewhere == []


def test_the_author_named_by_as() -> None:
    from tracker.mcp.tools import author_of
    from tracker.model.errors import UsageError

    assert author_of(None) is None
    assert author_of("Claude Agent") == "Claude Agent <claude-agent@tracker.invalid>"
    assert author_of("  Ada   Bot <ada@example.org>") == "Ada Bot <ada@example.org>"
    for bad in ("", "   ", "a <b", "a> b", "<x@y>"):
        with pytest.raises(UsageError):
            author_of(bad)


def test_without_the_sdk_one_line_says_what_to_install(repo: Path) -> None:
    code = ("import sys; sys.modules['mcp'] = None\n"  # as if the SDK were not installed
            "from tracker.cli.fast import main; sys.argv = ['tracker', 'mcp']; main()")
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: tracker mcp needs the MCP SDK: "
                                  "pip install 'tracker[mcp]' (mcp")
    assert len(done.stderr.splitlines()) == 1


def test_a_write_the_gate_refuses_names_the_file_line_and_field(repo: Path) -> None:
    kind = repo / ".tracker" / "kinds" / "issue.yaml"
    kind.write_text(kind.read_text(encoding="utf-8") + (
        "checks:\n  - field: priority\n"
        "    rule: \"priority != 'urgent' or assignee is not none\"\n"
        "    message: \"an urgent issue needs an assignee\"\n"), encoding="utf-8")
    git(repo, "commit", "-qam", "a rule")
    item = new_item(repo, "Fix the login")
    head = git(repo, "rev-parse", "HEAD").strip()

    async def body(s: ClientSession) -> Any:
        refused = refusal(await s.call_tool("update_item", {
            "id": item, "fields": {"priority": "urgent"}}))
        kinds = json.loads((await s.read_resource("tracker://kinds/issue")).contents[0].text)
        done = answer(await s.call_tool("update_item", {
            "id": item, "fields": {"priority": "urgent", "assignee": "Claude"}}))
        return refused, kinds, done

    refused, kinds, done = run(repo, body)
    problem = refused["problems"][0]
    assert problem["field"] == "priority" and problem["path"].endswith(f"{item}.md")
    assert isinstance(problem["line"], int) and problem["line"] > 1
    assert "an urgent issue needs an assignee" in refused["error"]
    assert kinds["rules"] == [{"rule": "priority != 'urgent' or assignee is not none",
                               "message": "an urgent issue needs an assignee",
                               "field": "priority"}]
    assert (done["priority"], done["assignee"]) == ("urgent", "Claude")
    assert len(git(repo, "log", "--format=%H", f"{head}..HEAD").split()) == 1
