"""Reads feeds with Universal Feed Parser (Debian's python3-feedparser) and prints what it
understood as JSON, for the end-to-end tests to compare with what was submitted.

stdin: {"urls": [...], "conditional": true|false}
stdout: [{"url", "status", "href", "bozo", "bozo_exception", "version", "etag", "modified",
          "headers", "feed": {...}, "entries": [...], "conditional_status"}]
Run with /usr/bin/python3 (where Debian installs feedparser).
"""
import calendar
import json
import sys

import feedparser


def iso(struct):
    if not struct:
        return None
    return calendar.timegm(struct)


def person(p):
    return {k: p.get(k) for k in ("name", "href", "email") if p.get(k) is not None}


def links(items):
    return [{k: l.get(k) for k in ("rel", "type", "href", "length", "title") if l.get(k) is not None} for l in items or []]


def entry(e):
    return {
        "id": e.get("id"),
        "title": e.get("title"),
        "title_type": e.get("title_detail", {}).get("type"),
        "link": e.get("link"),
        "links": links(e.get("links")),
        "published": iso(e.get("published_parsed")),
        "updated": iso(e.get("updated_parsed")),
        "published_raw": e.get("published"),
        "author": e.get("author"),
        "authors": [person(a) for a in e.get("authors", [])],
        "tags": [{k: t.get(k) for k in ("term", "scheme", "label")} for t in e.get("tags", [])],
        "enclosures": [{k: x.get(k) for k in ("href", "type", "length")} for x in e.get("enclosures", [])],
        "summary": e.get("summary"),
        "content": [{"type": c.get("type"), "value": c.get("value"), "language": c.get("language")} for c in e.get("content", [])],
        "source": {k: v for k, v in (e.get("source") or {}).items() if isinstance(v, (str, int, float))},
        "language": e.get("language"),
        "media_content": [{k: m.get(k) for k in ("url", "type", "medium")} for m in e.get("media_content", [])],
    }


def main():
    request = json.load(sys.stdin)
    out = []
    for url in request["urls"]:
        d = feedparser.parse(url, agent="tagfeed-e2e feedparser/" + feedparser.__version__)
        f = d.get("feed", {})
        result = {
            "url": url,
            "status": d.get("status"),
            "href": d.get("href"),
            "bozo": d.get("bozo"),
            "bozo_exception": repr(d.get("bozo_exception")) if d.get("bozo") else None,
            "version": d.get("version"),
            "encoding": d.get("encoding"),
            "etag": d.get("etag"),
            "modified": d.get("modified"),
            "headers": {k.lower(): v for k, v in (d.get("headers") or {}).items()},
            "feed": {
                "title": f.get("title"),
                "link": f.get("link"),
                "links": links(f.get("links")),
                "subtitle": f.get("subtitle"),
                "language": f.get("language"),
                "updated": iso(f.get("updated_parsed")),
                "id": f.get("id"),
            },
            "entries": [entry(e) for e in d.get("entries", [])],
        }
        if request.get("conditional"):
            again = feedparser.parse(url, etag=d.get("etag"), modified=d.get("modified"),
                                     agent="tagfeed-e2e feedparser/" + feedparser.__version__)
            result["conditional_status"] = again.get("status")
            result["conditional_entries"] = len(again.get("entries", []))
        out.append(result)
    json.dump(out, sys.stdout, ensure_ascii=False)


main()
