"""The simple front matter reader gives exactly what PyYAML gives, or steps aside."""

from __future__ import annotations

from datetime import date, datetime

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tracker.format import yaml as simpleyaml
from tracker.format.yaml import Loader

TRICKY = ["012", "0", "-0", "-5", "+5", "1_000", "0x1f", "0b101", "1:30", "190:20:30", "1.5",
          "-1.50", ".5", "1.", "1e5", "1.0e+5", ".inf", "-.inf", ".nan", "yes", "Yes", "YES",
          "yEs", "no", "on", "Off", "y", "n", "true", "TRUE", "tRue", "null", "Null", "~", "~x",
          "2026-06-06", "2026-6-6", "2026-02-30", "2026-06-06T10:20:30", "2026-06-06t10:20:30",
          "2026-06-06T10:20:30Z", "2026-06-06T10:20:30+02:00", "2026-06-06T10:20:30-05:30",
          "2026-06-06T10:20:30.5+00:00", "2026-06-06T10:20:30.1234567Z",
          "2026-06-06T25:20:30Z", "2026-06-06T10:20:30+99:00", "2026-06-06 10:20:30",
          "mob-92-012", "Send leaflets", "a: b", "a:b", "a #b", "a#b", "-", "- a", "?", "? a",
          "&a", "*a", "!x", "!!str 5", "|", ">", "%x", "@x", "`x", "=", "<<", "'q'", "'it''s'",
          "'a # b'", '"dq"', '"a\\tb"', '"say \\"x\\""', "[a, b]", "[]", "[ ]", "[a,b]",
          "[a, [b]]", "[a, 'b']", "[yes, 1, 2026-01-01]", "[a, , b]", "[a, b,]", "{a: 1}",
          "Élection", "naïve café", "a\u00a0b", "\u00a0a", "x\u2028y", "tab\there", "é: x",
          "a  b", "trailing ", "", "   ", "#comment", "5 # five", "'unterminated", "[open",
          "x'y", 'x"y', "back\\slash", "100%", "a,b", "a]b"]
KEYS = ["title", "status", "knocked", "not_home", "not-home", "_x", "yes", "No", "on", "null",
        "y", "Title", "é", "1", "a b", "key "]

scalars = st.one_of(st.sampled_from(TRICKY), st.text(max_size=6),
                    st.integers(-10**6, 10**6).map(str),
                    st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()))
lines = st.one_of(
    st.tuples(st.sampled_from(KEYS), st.sampled_from([": ", ":", ":  ", " : ", ":\t"]),
              scalars).map("".join),
    st.sampled_from(["", "# a comment", "  indented: x", "- item", "---", "...", "\t",
                     "title: x\r", "  # indented comment", "key:", "%YAML 1.1"]))
documents = st.lists(lines, max_size=8).map("\n".join)


def same(a, b) -> bool:
    """Equal, type for type (True is not 1), and datetimes offset for offset."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset() and a.tzinfo == b.tzinfo
    if isinstance(a, float) and a != a:
        return b != b
    return bool(a == b)


@settings(max_examples=3000, deadline=None)
@given(documents)
@example("title: Send leaflets\nstatus: open\ntags: [web]\ndue: 2026-06-06\n"
         "created: 2025-12-17T04:45:27+00:00\nknocked: 268\n")
def test_every_answer_is_pyyaml_s(text):
    fast = simpleyaml.load(text)
    if fast is simpleyaml.FALLBACK:
        return
    assert same(fast, yaml.load(text, Loader=Loader)), text  # noqa: S506 - a safe loader


def test_the_common_shapes_take_the_fast_path():
    text = ("title: Send leaflets in sector 12\nstatus: done\npriority: normal\n"
            "assignee: mob-92-012\ntags: [web, print]\ndue: 2026-06-06\n"
            "created: 2025-12-17T04:45:27+00:00\nknocked: 268\nratio: 0.25\nnote: 'a: b'\n"
            "# a comment line\nempty:\nflag: true\n")
    loaded = simpleyaml.load(text)
    assert loaded == {"title": "Send leaflets in sector 12", "status": "done",
                      "priority": "normal", "assignee": "mob-92-012", "tags": ["web", "print"],
                      "due": date(2026, 6, 6),
                      "created": datetime.fromisoformat("2025-12-17T04:45:27+00:00"),
                      "knocked": 268, "ratio": 0.25, "note": "a: b", "empty": None,
                      "flag": True}


def test_anything_unusual_steps_aside():
    for text in ("a: 012", "a: yes\na: no", "a:\n  b: 1", "a: |\n  x", "a: 1 # c", "a: &x 1",
                 "a: 2026-02-30", "- a", "yes: 1", "a: 'x''y'", 'a: "\\n"', "a: 1:30"):
        assert simpleyaml.load(text) is simpleyaml.FALLBACK, text


friendly = st.lists(st.tuples(st.sampled_from(["title", "status", "knocked", "not-home", "x_1"]),
                              scalars), min_size=1, max_size=4, unique_by=lambda kv: kv[0]
                    ).map(lambda pairs: "\n".join(f"{k}: {v}" for k, v in pairs))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(friendly, scalars.map(lambda v: f"k: {v}"),
                 st.lists(scalars, max_size=3).map(lambda vs: f"k: [{', '.join(vs)}]")))
def test_every_answer_on_mostly_simple_documents_is_pyyaml_s(text):
    test_every_answer_is_pyyaml_s.hypothesis.inner_test(text)


def test_each_tricky_scalar_alone():
    answered = 0
    for value in TRICKY:
        for text in (f"k: {value}", f"k: [{value}]"):
            fast = simpleyaml.load(text)
            if fast is simpleyaml.FALLBACK:
                continue
            answered += 1
            assert same(fast, yaml.load(text, Loader=Loader)), text  # noqa: S506
    assert answered > 40  # the fast path is really exercised
