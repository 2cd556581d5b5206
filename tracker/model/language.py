"""The tracker's language: the words around the data, numbers, rates and dates as its
users write them, and dates typed their way read back to ISO.

The language is the config's `language:` (`en`, the default, or `fr`; `lang:` is read
as well, its older name), set by the workspace when it reads the config (`use`), as the
time zone is (model/clock.py). Pure: no disk. Files always hold slugs, ISO dates and
plain numbers; only what is shown to a person, and what a person types, goes through
here. JSON and CSV outputs never do (machines read them).

- `word(key, **values)`: a boilerplate string of the catalog (`WORDS`) in the language.
- `number(x)`: `1 234,5` in French (narrow no-break space, decimal comma), `1,234.5`
  in English; at most 4 significant digits after the point, as tables show floats.
- `percent(rate)`: `7,1 %` (a no-break space before %) / `7.1%`;
  `one_in(rate)`: `1 sur 14` / `1 in 14`.
- `date_text(d)`: `01/03/2026` in French, ISO in English (neither month nor day first
  is safe in English); `parse_date(text)`: ISO always, and `01/03/2026` in French;
  `1/3/2026` in an English tracker is refused as ambiguous, in our words.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from tracker.model.errors import TrackerError

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

KEY = "language"
OLD_KEY = "lang"
LANGUAGES = ("en", "fr")
NNBSP = "\u202f"  # narrow no-break space: French thousands, and before % : ; ! ?
_current = "en"

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "id": "id", "kind": "kind", "title": "title", "status": "status", "path": "path",
        "history": "History", "more": "… and {n} more", "items": "items",
        "yes": "yes", "no": "no", "true": "true", "false": "false", "none": "none",
        "computed": "computed",
        "fields": "Fields", "body": "Text", "count": "count", "total": "total",
        "by_status": "By status", "summary": "Summary", "created": "created",
        "updated": "updated", "depends_on": "Waits for", "one_in": "1 in {n}",
        "generated": "Generated", "open": "open", "final": "final",
        "dependencies": "Dependencies", "no_history": "No committed history.",
        "reports": "Reports", "bilans": "commune records",
        "deleted": "deleted", "body_edited": "body edited", "file": "file",
        "changed_recently": "Changed in the last 7 days", "nothing_changed": "Nothing changed.",
        "overdue": "Overdue", "no_overdue": "No overdue items.", "item": "Item",
        "due": "Due", "assignee": "Assignee", "items_on": "{n} items on {date}.",
        "kind_header": "Kind", "status_header": "Status", "items_header": "Items",
        # tracker serve: the pages (serve/views.py)
        "site": "Site", "accounts": "Accounts", "log_out": "Log out", "error": "Error",
        "refused": "Refused", "all": "all", "filter": "Filter", "search": "Search",
        "show": "Show", "previous": "previous", "next": "next",
        "page_of": "page {n} of {pages}", "n_items": "{n} items",
        "one_item": "1 item",
        "more_in_list": "{n} more in the list", "board": "board",
        "board_title": "{kind}: board",
        "not_on_board": "Not on the board (a status the workflow does not list):",
        "drag_hint": "Drag a card to another column to move it, or use its Move form.",
        "move_heading": "Move", "no_move": "No move allowed.",
        "no_answer": "The server did not answer: the card was put back.",
        "not_committed": "Not committed yet.", "none_here": "None.", "no_text": "No text.",
        "pointing_here": "Pointing here", "text_changed": "text changed",
        "changed": "{field}: {old} → {new}",
        "the_site": "the static site", "no_reports": "reports are not served here",
        "no_site": "the site is not served here", "no_site_page": "no such page of the site",
        "site_failed": "the site could not be built: {error}",
        "no_board": "no board: '{name}' is not a kind with a workflow",
        "no_report": "no report '{name}'; reports: {known}",
        # tracker serve: logging in, the accounts (serve/pages.py)
        "log_in": "Log in", "login": "Login", "secret": "Secret",
        "login_csrf": "The form expired or came from elsewhere (CSRF): log in again.",
        "too_many": "Too many attempts: wait a minute.", "wrong_login": "Wrong login or secret.",
        "bad_csrf": "Missing or wrong CSRF token.",
        "admins_only": "Accounts are managed by admins.", "new_secret": "New secret",
        "secret_once": "The secret, shown only now:", "add_account": "Add an account",
        "role": "Role", "team": "Team", "name": "Name", "email": "Email", "add_button": "Add",
        # tracker serve: the forms (serve/forms.py)
        "new": "New", "edit": "Edit", "save": "Save", "create": "Create",
        "required": "required", "saved": "Saved", "commit": "commit",
        "not_saved": "Not saved", "conflict": "changed meanwhile: theirs",
        "yours": "yours", "add": "add", "remove": "remove",
        "no_csrf": "The form expired or came from elsewhere (CSRF): open it again.",
        "send_again": "Send again to keep yours.", "field_report": "Field report",
        "move": "Move",
        # tracker serve: the phone form (serve/phone.py)
        "report_send": "Send the report", "doors_left": "Doors left to account for",
        "report_sent": "Report sent", "the_bureau": "The bureau",
        "no_report_kind": "No report kind is configured (serve.report_kind).",
        "report_offline": "No network: the report is kept on this phone and sent when "
        "the network is back.",
        "reports_pending": "report(s) waiting to be sent", "new_report": "New report",
    },
    "fr": {
        "id": "id", "kind": "type", "title": "titre", "status": "statut", "path": "fichier",
        "history": "Historique", "more": "… et {n} de plus", "items": "éléments",
        "yes": "oui", "no": "non", "true": "oui", "false": "non", "none": "aucun",
        "computed": "calculé",
        "fields": "Champs", "body": "Texte", "count": "nombre", "total": "total",
        "by_status": "Par statut", "summary": "Synthèse", "created": "créé",
        "updated": "modifié", "depends_on": "Attend", "one_in": "1 sur {n}",
        "generated": "Généré", "open": "ouvert", "final": "terminé",
        "dependencies": "Dépendances", "no_history": "Aucun historique commité.",
        "reports": "Rapports", "bilans": "bilans communaux",
        "deleted": "supprimé", "body_edited": "texte modifié", "file": "fichier",
        "changed_recently": "Modifié ces 7 derniers jours", "nothing_changed": "Rien n'a changé.",
        "overdue": "En retard", "no_overdue": "Aucun élément en retard.", "item": "Élément",
        "due": "Échéance", "assignee": "Responsable", "items_on": "{n} éléments au {date}.",
        "kind_header": "Type", "status_header": "Statut", "items_header": "Éléments",
        # tracker serve: the pages (serve/views.py)
        "site": "Site", "accounts": "Comptes", "log_out": "Se déconnecter",
        "error": "Erreur", "refused": "Refusé", "all": "tous", "filter": "Filtre",
        "search": "Rechercher", "show": "Afficher", "previous": "précédente",
        "next": "suivante", "page_of": "page {n} sur {pages}", "n_items": "{n} éléments",
        "one_item": "1 élément",
        "more_in_list": "{n} de plus dans la liste", "board": "tableau",
        "board_title": "{kind} : tableau",
        "not_on_board": "Hors du tableau (un statut que le workflow ne liste pas) :",
        "drag_hint": "Glissez une carte dans une autre colonne pour la changer de statut, "
        "ou utilisez son formulaire « Changer ».",
        "move_heading": "Changer de statut", "no_move": "Aucun changement de statut permis.",
        "no_answer": "Le serveur n'a pas répondu : la carte a été remise à sa place.",
        "not_committed": "Pas encore commité.", "none_here": "Aucun.",
        "no_text": "Pas de texte.", "pointing_here": "Ce qui pointe ici",
        "text_changed": "texte modifié", "the_site": "le site statique",
        "changed": "{field} : {old} → {new}",
        "no_reports": "les rapports ne sont pas servis ici",
        "no_site": "le site n'est pas servi ici", "no_site_page": "pas de telle page du site",
        "site_failed": "le site n'a pas pu être construit : {error}",
        "no_board": "pas de tableau : '{name}' n'est pas un type avec un workflow",
        "no_report": "pas de rapport '{name}' ; rapports : {known}",
        # tracker serve: logging in, the accounts (serve/pages.py)
        "log_in": "Se connecter", "login": "Identifiant", "secret": "Secret",
        "login_csrf": "Le formulaire a expiré ou vient d'ailleurs (CSRF) : reconnectez-vous.",
        "too_many": "Trop de tentatives : attendez une minute.",
        "wrong_login": "Identifiant ou secret incorrect.",
        "bad_csrf": "Jeton CSRF absent ou incorrect.",
        "admins_only": "Les comptes sont gérés par les administrateurs.",
        "new_secret": "Nouveau secret", "secret_once": "Le secret, montré cette fois seulement :",
        "add_account": "Ajouter un compte", "role": "Rôle", "team": "Équipe", "name": "Nom",
        "email": "E-mail", "add_button": "Ajouter",
        # tracker serve: the forms (serve/forms.py)
        "new": "Nouveau", "edit": "Modifier", "save": "Enregistrer", "create": "Créer",
        "required": "obligatoire", "saved": "Enregistré", "commit": "commit",
        "not_saved": "Non enregistré", "conflict": "modifié entre-temps : chez l'autre",
        "yours": "chez vous", "add": "ajouter", "remove": "retirer",
        "no_csrf": "Le formulaire a expiré ou vient d'ailleurs (CSRF) : rouvrez-le.",
        "send_again": "Renvoyez pour garder votre valeur.",
        "field_report": "Rapport de terrain", "move": "Changer",
        # tracker serve: the phone form (serve/phone.py)
        "report_send": "Envoyer le rapport", "doors_left": "Portes restant à répartir",
        "report_sent": "Rapport envoyé", "the_bureau": "Le bureau",
        "no_report_kind": "Aucun type de rapport n'est configuré (serve.report_kind).",
        "report_offline": "Pas de réseau : le rapport est gardé sur ce téléphone et sera "
        "envoyé dès le retour du réseau.",
        "reports_pending": "rapport(s) en attente d'envoi", "new_report": "Nouveau rapport",
    },
}


class BadLanguage(TrackerError):
    """The config names a language tracker does not speak."""


def use(code: Any, source: str) -> None:
    """The tracker's language from now on: the config's `language:` (None: English)."""
    global _current
    if code is None:
        _current = "en"
        return
    if not isinstance(code, str) or code.strip().lower() not in LANGUAGES:
        raise BadLanguage(f"{source}: {KEY}: expected one of {', '.join(LANGUAGES)}, "
                          f"found {code!r}")
    _current = code.strip().lower()


def of_config(config: Any) -> Any:
    """The language a config names (`language:`, else the older `lang:`), or None."""
    if not isinstance(config, dict):
        return None
    return config.get(KEY, config.get(OLD_KEY))


def current() -> str:
    return _current


def word(key: str, lang: str | None = None, **values: Any) -> str:
    """A catalog string in the language (English where the language lacks it; the key
    itself where neither has it), its `{name}`s filled."""
    found = WORDS.get(lang or _current, {}).get(key) or WORDS["en"].get(key) or key
    return found.format(**values) if values else found


def catalog(lang: str | None = None) -> dict[str, str]:
    """Every catalog string in the language (English where it lacks one)."""
    return {**WORDS["en"], **WORDS.get(lang or _current, {})}


# ---------------------------------------------------------------- numbers


def number(value: Any, lang: str | None = None, digits: int = 4) -> str:
    """A number as the language writes it: thousands separated, 4 significant digits
    for a float (no exponent below a million), empty for none or not finite."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value == int(value) and abs(value) < 1e15:
            shown = f"{int(value):,}"
        else:
            magnitude = math.floor(math.log10(abs(value))) if value else 0
            places = max(0, digits - 1 - magnitude)
            shown = f"{value:,.{places}f}"
            if "." in shown:
                shown = shown.rstrip("0").rstrip(".")
    elif isinstance(value, int):
        shown = f"{value:,}"
    else:
        return str(value)
    return _localized(shown, lang)


def grouped(value: Any, places: int = 0, lang: str | None = None) -> str:
    """A number with a fixed count of decimal places, thousands separated."""
    return _localized(f"{value:,.{places}f}", lang)


def _localized(shown: str, lang: str | None) -> str:
    """`1,234.5` (Python's) as the language writes it."""
    if (lang or _current) == "fr":
        return shown.replace(",", NNBSP).replace(".", ",")
    return shown


def percent(rate: Any, lang: str | None = None, places: int = 1) -> str:
    """A rate (0.0714) as a percentage: `7,1 %` in French, `7.1%` in English; a rate
    below a tenth of a percent keeps two significant digits (`0,0042 %`)."""
    if rate is None or isinstance(rate, bool) or not isinstance(rate, (int, float)) or \
            not math.isfinite(rate):
        return ""
    value = rate * 100
    if value and abs(value) < 10 ** -places:
        places = 1 - math.floor(math.log10(abs(value)))
    shown = _localized(f"{value:,.{places}f}", lang)
    return shown + ("\u00a0%" if (lang or _current) == "fr" else "%")


def one_in(rate: Any, lang: str | None = None) -> str:
    """A rate of successes per door as `1 sur 14` / `1 in 14` (rounded); empty for 0."""
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not rate or \
            not math.isfinite(rate):
        return ""
    return word("one_in", lang, n=number(round(1 / rate), lang))


def display(value: Any, labels: dict[str, str] | None = None, how: str | None = None,
            lang: str | None = None) -> str:
    """A field's value as a person reads it, in tables and pages alike: an enum's label
    (`labels`), a number as `how` says (`percent`, `one_in`; the kind's `formats:`), a
    number, a date, true or false in the language; empty for none."""
    if value is None or value == "":
        return ""
    if type(value) is str:
        return labels.get(value, value) if labels else value
    if how == "percent":
        return percent(value, lang)
    if how == "one_in":
        return one_in(value, lang)
    if isinstance(value, bool):
        return word("true" if value else "false", lang)
    if isinstance(value, (int, float)):
        return number(value, lang)
    if isinstance(value, date) and (lang or _current) != "en":
        return date_text(value, lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(display(v, labels, how, lang) for v in value)
    from tracker.model.values import text  # noqa: PLC0415 - ISO dates, mappings as JSON

    return text(value)


# ---------------------------------------------------------------- dates

_DMY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})(?:[ T]+(\d{1,2})[:h](\d{2})"
                  r"(?::(\d{2}))?)?\Z")


def date_text(value: Any, lang: str | None = None) -> str:
    """A date (or a date and time) as the language writes it: `01/03/2026` and
    `01/03/2026 18:30` in French; ISO in English."""
    if (lang or _current) != "fr" or not isinstance(value, date):
        return value.isoformat() if isinstance(value, date) else str(value)
    shown = f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if isinstance(value, datetime):
        shown += f" {value.hour:02d}:{value.minute:02d}"
        if value.second:
            shown += f":{value.second:02d}"
    return shown


def parse_date(text: str, lang: str | None = None) -> date:
    """A date as typed: ISO (`2026-03-01`) in every language, `01/03/2026` (or
    `1/3/2026`, `01.03.2026`) in French. ValueError in plain words otherwise: a
    two-digit year, a day-first date in English, an impossible date."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        if re.search(r"out of range|must be in", str(e)):
            raise  # Python's words say it: "day is out of range for month"
    day, month, year = _dmy(text, lang, with_time=False)
    return _checked(text, year, month, day)


def parse_datetime(text: str, lang: str | None = None) -> datetime:
    """A date and time as typed: ISO in every language, `01/03/2026 18:30` in French
    (naive: the caller places it in the tracker's zone)."""
    text = text.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError as e:
        if re.search(r"out of range|must be in", str(e)):
            raise
    match = _DMY.match(text) if (lang or _current) == "fr" else None
    if match is None:
        _dmy(text, lang, with_time=True)  # says why
        raise ValueError(f"'{text}' is not a date and time")
    day, month, year = _dmy(text, lang, with_time=True)
    hour, minute, second = (int(g or 0) for g in match.groups()[3:])
    _checked(text, year, month, day)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise ValueError(f"'{text}' is not a time of day") from None


def _dmy(text: str, lang: str | None, with_time: bool) -> tuple[int, int, int]:
    match = _DMY.match(text)
    what = "a date and time" if with_time else "a date"
    if match is None or (not with_time and match.group(4) is not None):
        example = "01/03/2026 or 2026-03-01" if (lang or _current) == "fr" else "2026-03-01"
        raise ValueError(f"'{text}' is not {what} (write it like {example})")
    day, month, year = (int(g) for g in match.groups()[:3])
    if (lang or _current) != "fr":
        raise ValueError(f"'{text}' is ambiguous (day or month first?): write the date "
                         "as 2026-03-01")
    if len(match.group(3)) != 4:
        raise ValueError(f"'{text}' is ambiguous (which century?): write the year in "
                         "full, like 01/03/2026")
    return day, month, year


def _checked(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a date: there is no day {day:02d}/{month:02d} "
                         f"in {year}") from None
