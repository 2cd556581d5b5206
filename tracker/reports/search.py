"""The static site's search: one index written into search.html, one script allowed by hash.

The site opens from the file system, where a page can fetch nothing and the CSP allows no
script but those it names by hash; so the index travels inside search.html as a JSON data
block (`<script type="application/json">`, which never runs) and the search script is
inline, its hash in the page's Content-Security-Policy. Each item is kept as its href,
title, kind label, id and the set of its words folded (any case, any accent, as
`list --grep` compares: `fetes` finds "fêtes"); a query's words must each be found in an
item's words. Built from the records already in memory: no file is read again.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Iterable, Iterator, Mapping, Sequence

from tracker.model.text import fold

_SKIP = frozenset({"href", "path", "kind", "body", "title", "id"})
# Up to this many items every word of an item is indexed (about 0.4 KB and 35 µs an item);
# above it, a national site of 158k items, titles and ids only: the page stays near 100
# bytes an item, a few seconds to load on a phone.
FULL_TEXT_UP_TO = 20_000

# Reads the index and the query (?q= or typed), and lists the items holding every word.
# The fold is that of model/text.py in JavaScript; results are built with textContent.
SEARCH_SCRIPT = (
    "(function(){var d=document.getElementById('search-index');if(!d)return;"
    "var idx=JSON.parse(d.textContent),box=document.getElementById('search-box'),"
    "out=document.getElementById('search-results'),count=document.getElementById('search-count');"
    "function fold(s){return s.toLowerCase().normalize('NFKD').replace(/\\p{Mn}/gu,'')"
    ".replace(/\\u00df/g,'ss').replace(/\\u03c2/g,'\\u03c3');}"
    "function run(){var words=fold(box.value).split(/[^\\p{L}\\p{N}_]+/u).filter(Boolean);"
    "out.textContent='';if(!words.length){count.textContent='';return;}var first=[],rest=[];"
    "idx.items.forEach(function(e){for(var i=0;i<words.length;i++)"
    "{if(e[4].indexOf(words[i])<0)return;}var t=fold(e[1]);"
    "(words.every(function(w){return t.indexOf(w)>=0;})?first:rest).push(e);});"
    "var found=first.concat(rest);count.textContent=found.length+' '+"
    "(found.length===1?idx.one:idx.many);found.slice(0,200).forEach(function(e){"
    "var li=document.createElement('li'),a=document.createElement('a');a.href=e[0];"
    "a.textContent=e[1];var s=document.createElement('small');"
    "s.textContent=' '+e[2]+' \\u00b7 '+e[3];"
    "li.appendChild(a);li.appendChild(s);out.appendChild(li);});}"
    "box.value=new URLSearchParams(location.search).get('q')||'';"
    "box.addEventListener('input',run);run();})();")


def script_context() -> dict[str, Any]:
    """The search script and its hash, as base.html.j2 and search.html.j2 use them."""
    from tracker.expr import jinja as sandbox  # noqa: PLC0415

    digest = hashlib.sha256(SEARCH_SCRIPT.encode("utf-8")).digest()
    return {"search_script": sandbox.mark_safe(SEARCH_SCRIPT),
            "search_script_hash": base64.b64encode(digest).decode()}


def words(texts: Iterable[str]) -> str:
    """The distinct folded words of the texts (split at spaces: a query's word is looked
    for inside them, so punctuation left on a word hides nothing), in their first order."""
    return " ".join(dict.fromkeys(fold("\n".join(texts)).split()))


def _texts(record: Mapping[str, Any], full: bool = True) -> Iterator[str]:
    yield str(record.get("title") or "")
    yield str(record["id"])
    if not full:
        return
    for key, value in record.items():
        if key in _SKIP:
            continue
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))
    yield str(record.get("body") or "")


def index_json(records: Sequence[Mapping[str, Any]], labels: Mapping[str, str],
               one: str = "result", many: str = "results") -> str:
    """The index as JSON safe inside a <script> element: no `<`, `>` or `&` in it. Every
    field and the body are indexed up to FULL_TEXT_UP_TO items, titles and ids above."""
    full = len(records) <= FULL_TEXT_UP_TO
    items = [[r["href"], str(r.get("title") or r["id"]), labels.get(r["kind"], r["kind"]),
              str(r["id"]), words(_texts(r, full))] for r in records]
    text = json.dumps({"one": one, "many": many, "full": full, "items": items},
                      ensure_ascii=False,
                      separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
