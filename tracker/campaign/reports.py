"""What the campaign's report templates see as `campaign`: statistics over the items.

`template_helpers` is the helper that the report command and the demo hand to
tracker.reports (render_report, build_site), which know nothing of the campaign.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.campaign import stats
from tracker.model.errors import UsageError

if TYPE_CHECKING:
    from tracker.api import Tracker


def template_helpers(t: Tracker, records: list[dict[str, Any]]) -> dict[str, Any]:
    """`campaign` for a tracker with the campaign's kinds (it has `bureau`), else nothing."""
    if "bureau" not in t.kinds:
        return {}
    return {"campaign": CampaignHelper(records, dict(t.ws.config), t)}


class CampaignHelper:
    """Read-only statistics for templates, computed once per report."""

    def __init__(self, items: list[dict[str, Any]], config: dict[str, Any],
                 tracker: Tracker | None = None) -> None:
        self._tracker = tracker
        self._by_kind: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            self._by_kind.setdefault(item["kind"], []).append(item)
        self._config = config
        self._cache: dict[str, Any] = {}

    def of(self, kind: str) -> list[dict[str, Any]]:
        """The items of one kind."""
        return self._by_kind.get(kind, [])

    def _once(self, name: str, compute: Any) -> Any:
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name]

    def terrain(self) -> dict[str, Any]:
        return self._once("terrain", lambda: stats.terrain(self.of("bureau"), self.of("session")))

    def arms(self) -> list[dict[str, Any]]:
        return self._once("arms", lambda: stats.arms(self.of("bureau"), self.of("session")))

    def themes(self, top: int = 10) -> list[tuple[str, int]]:
        return stats.themes(self.of("session"), top)

    def teams(self) -> list[dict[str, Any]]:
        return self._once("teams", lambda: stats.teams(self.of("team"), self.of("session")))

    def mailings(self) -> dict[str, Any]:
        return self._once("mailings", lambda: stats.mailings(self.of("email")))

    def fundraising(self) -> dict[str, Any]:
        found = self._config.get("limits")
        limits: dict[str, Any] = found if isinstance(found, dict) else {}
        return self._once("fundraising", lambda: stats.fundraising(self.of("donations"), limits))

    def operations(self) -> list[dict[str, Any]]:
        return sorted(self.of("operation"), key=lambda o: str(o.get("start")))

    def one_in(self, positive: Any, opened: Any) -> str:
        return stats.one_in(positive, opened)

    def effect(self) -> dict[str, Any] | None:
        """`tracker campaign effect` over the newest round and the election before it;
        None until two elections' results are imported."""
        return self._once("effect", self._effect)

    def _effect(self) -> dict[str, Any] | None:
        from tracker.campaign import effect  # noqa: PLC0415

        found = effect.imports(self._tracker) if self._tracker is not None else []
        if self._tracker is None or len(found) < 2:
            return None
        try:
            return {**effect.measure(self._tracker), "refused": None}
        except UsageError as e:
            return {"round": found[0][0], "reference": found[1][0], "refused": str(e)}

    def points(self, value: Any) -> str:
        from tracker.campaign.effect import _pts  # noqa: PLC0415

        return _pts(value)

    def balance_label(self, name: str) -> str:
        from tracker.campaign.effect import BALANCE_LABELS  # noqa: PLC0415

        return BALANCE_LABELS.get(name, name)

    def caveats(self) -> tuple[str, ...]:
        from tracker.campaign.effect import CAVEATS  # noqa: PLC0415

        return CAVEATS

    def account(self) -> dict[str, Any]:
        """The campaign account: spending, the ceilings, donations (campaign/account.py)."""
        from tracker.campaign.account import account  # noqa: PLC0415
        from tracker.model import clock  # noqa: PLC0415

        return self._once("account", lambda: account(
            self.of("depense"), self.of("donations"), self._config, clock.today()))
