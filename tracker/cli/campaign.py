"""Campaign commands: target, and `campaign effect`."""

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


@click.group()
def campaign() -> None:
    """The campaign's measures: the effect of the field work."""


@campaign.command()
@click.option("--round", "round_id", metavar="ID",
              help="The round's election id (default: the newest imported).")
@click.option("--reference", metavar="ID",
              help="The reference election (default: the one imported before the round).")
@click.option("--outcome", type=click.Choice(["turnout", "share"]),
              help="Turnout, or a candidate's share of votes cast (default: share with "
                   "--candidate, else turnout).")
@click.option("--candidate", metavar="NAME", help="The candidate (with --outcome share).")
@click.option("--versus", metavar="NAME", help="The rival: the share of the gap explained.")
@click.option("--permutations", type=click.IntRange(min=1, max=1_000_000), default=10_000,
              show_default=True, help="Re-draws of the arms for the p-value and interval.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the re-draws.")
@click.option("--unweighted", is_flag=True,
              help="Every bureau counts the same (default: weighted by registered voters).")
@format_option("text", "json")
@click.pass_context
def effect(ctx: click.Context, round_id: str | None, reference: str | None,
           outcome: str | None,
           candidate: str | None, versus: str | None, permutations: int, seed: int,
           unweighted: bool, fmt: str) -> None:
    """Effect of the field work on turnout: difference in differences, treatment against
    control, with a randomisation-inference p-value and 95 % interval."""
    from tracker.campaign import effect as measuring  # noqa: PLC0415

    result = measuring.measure(tracker(ctx), round_id, reference, outcome, candidate, versus,
                               permutations, seed, weighted=not unweighted)
    if fmt == "json":
        click.echo(output.dumps(result))
        return
    click.echo(measuring.text(result), nl=False)


COMMANDS = [target, campaign]
