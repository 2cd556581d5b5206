"""`tracker serve`: the tracker over HTTP, for people without a terminal and for scripts.

Stands on the `Tracker` façade (`tracker.api`) only. The modules:

- `accounts.py`: the accounts file (outside the work tree), roles, secrets hashed with
  scrypt, what each role may do;
- `limits.py`: token buckets and bounded caches (the rate limits, the login throttle);
- `idempotency.py`: answers remembered by `Idempotency-Key`, durably, under `.git/`;
- `work.py`: the threads that run the tracker's work: one writer (every write one commit,
  in order), a few readers, each queue bounded;
- `gate.py`: the ASGI layer every request passes first: security headers, who is asking
  (bearer secret or session cookie), rate limits, the body cap, JSON errors;
- `jsonapi.py`: `/api/items…`; `users.py`: `/api/users…` (admins);
  `pages.py`: the HTML pages (login, accounts); `views.py`: the pages that show the
  tracker (list, boards, items, the Move form, reports, the site); `forms.py`: the create
  and edit forms generated from the kinds, `/api/check`; `phone.py`: `/report`, the phone
  form for a field report (the script of both: `static/forms.js`);
- `app.py`: the Starlette application; `run.py`: uvicorn, the sync loop.

Nothing here is imported by other commands: `tracker list` loads none of it.
"""
