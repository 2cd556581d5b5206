"""Campaign commands: target."""

from __future__ import annotations

import click

from tracker.cli import output
from tracker.cli.common import format_option, no_commit_option, tracker
from tracker.model.errors import UsageError


@click.command()
@click.option("--where", metavar="EXPR", help="Only bureaux for which EXPR is true.")
@click.option("--score", metavar="EXPR",
              help="Score expression (default: abstention_rate * inscrits).")
@click.option("--top", type=click.IntRange(min=1), help="Keep the N best.")
@click.option("--assign", "teams", metavar="TEAM,TEAM,…",
              help="Assign the ranked bureaux to these teams, round-robin, and move them "
                   "to 'assigned'.")
@click.option("--experiment", type=float, metavar="SHARE",
              help="Draw treatment/control at random: SHARE of them to treatment.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draw.")
@no_commit_option
@format_option("table", "json")
@click.pass_context
def target(ctx: click.Context, where: str | None, score: str | None, top: int | None,
           teams: str | None, experiment: float | None, seed: int, no_commit: bool,
           fmt: str) -> None:
    """Rank bureaux by score (abstainers to meet); optionally draw arms and assign teams."""
    from tracker.campaign import target as targeting  # noqa: PLC0415

    t = tracker(ctx)
    plan = targeting.Plan(targeting.rank(t, where, score, top))
    if experiment is not None:
        plan.arms = targeting.split(plan.ranked, experiment, seed)
    if teams:
        names = [n.strip() for n in teams.split(",") if n.strip()]
        if not names:
            raise UsageError("--assign needs at least one team id")
        plan.teams = targeting.assign(t, plan.ranked, names, plan.arms)
    if plan.arms or plan.teams:
        targeting.apply(t, plan, commit=not no_commit)
    for row in plan.ranked:
        row["experiment_arm"] = plan.arms.get(row["id"], row["experiment_arm"])
        row["team"] = plan.teams.get(row["id"], row["team"])
        if row["id"] in plan.teams and row["status"] in ("proposed", "approved"):
            row["status"] = "assigned"
    if fmt == "json":
        click.echo(output.dumps(plan.ranked))
        return
    rows = [{"rank": n + 1, **r} for n, r in enumerate(plan.ranked)]
    click.echo(output.table(["rank", "id", "commune_name", "inscrits", "abstention_rate",
                             "score", "experiment_arm", "team"], rows), nl=False)


COMMANDS = [target]
