"""`/asyncapi.yaml` (the AsyncAPI 3 document of every topic and message) and `/asyncapi`, a page
to read it in a browser.

Both are made once, from `reelflow_contracts.asyncapi.build()`, when the app is built. The page
is plain HTML rendered here, with its style inline: no script, no other origin (the machine may
be offline, and the studio's Content-Security-Policy allows no CDN). Its own policy allows
nothing but that one style block, by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from html import escape
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reelflow_contracts.asyncapi import build

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header,main{max-width:70rem;margin:0 auto;padding:0 1.5rem}
header{padding-top:1.5rem}
h1{margin:.2rem 0}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}h3{margin:2rem 0 .3rem}
code,pre{font:13px/1.4 ui-monospace,monospace}
pre{background:#fff;border:1px solid #e3e3e3;border-radius:4px;padding:.6rem;overflow:auto;max-height:28rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #e3e3e3;padding:.3rem .5rem;text-align:left;vertical-align:top}
.tag{display:inline-block;border-radius:3px;padding:0 .35rem;margin-right:.3rem;background:#e8eefc;font-size:12px}
details{margin:.3rem 0}summary{cursor:pointer}
""".strip()


def to_yaml(doc: dict[str, Any]) -> str:
    """The document as YAML, in its own key order (the form committed as docs/asyncapi.yaml)."""
    return str(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False))


def _hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"style-src 'sha256-{_hash(STYLE)}'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)


def _pre(value: Any) -> str:
    return f"<pre>{escape(json.dumps(value, indent=2, ensure_ascii=False))}</pre>"


def _message_ref(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _channels(doc: dict[str, Any]) -> str:
    rows = []
    for channel in doc["channels"].values():
        names = ", ".join(
            f'<a href="#{escape(_message_ref(m["$ref"]))}">{escape(_message_ref(m["$ref"]))}</a>'
            for m in channel["messages"].values()
        )
        rows.append(
            f"<tr><td><code>{escape(channel['address'])}</code></td>"
            f"<td>{escape(channel.get('description', ''))}</td><td>{names}</td></tr>"
        )
    return "<table><tr><th>topic</th><th>what</th><th>messages</th></tr>" + "".join(rows) + "</table>"


def _operations(doc: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{escape(op['title'])}</td><td>{escape(op['action'])}</td>"
        f"<td>{', '.join(escape(m['$ref'].rsplit('/', 1)[-1]) for m in op['messages'])}</td></tr>"
        for op in doc["operations"].values()
    )
    return "<table><tr><th>operation</th><th>action</th><th>messages</th></tr>" + rows + "</table>"


def _message(name: str, message: dict[str, Any], schemas: dict[str, Any]) -> str:
    tags = "".join(f'<span class="tag">{escape(t["name"])}</span>' for t in message.get("tags", []))
    consumed = ", ".join(message.get("x-consumed-by", [])) or "nobody yet"
    parts = [
        f'<h3 id="{escape(name)}">{escape(name)}</h3>',
        f"<p>{tags}<code>{escape(message.get('x-ce-type', ''))}</code></p>",
        f"<p>{escape(message.get('description') or message.get('summary', ''))}</p>",
    ]
    if "x-ce-type" in message:
        parts.append(
            f"<p>subject: <code>{escape(message['x-subject-field'])}</code>; consumed by: {escape(consumed)}</p>"
        )
    payload = message.get("payload", {})
    schema = schemas.get(_message_ref(payload["$ref"])) if "$ref" in payload else payload
    parts.append(f"<details><summary>payload schema</summary>{_pre(schema)}</details>")
    for example in message.get("examples", []):
        parts.append(
            f"<details><summary>example</summary>{_pre({'headers': example['headers'], 'value': example['payload']})}"
            "</details>"
        )
    return "".join(parts)


def render_page(doc: dict[str, Any]) -> str:
    info = doc["info"]
    schemas = doc["components"]["schemas"]
    messages = "".join(_message(name, m, schemas) for name, m in doc["components"]["messages"].items())
    headers = schemas["CloudEventHeaders"]["properties"]
    header_rows = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(spec.get('description', spec.get('const', '')))}</td></tr>"
        for name, spec in headers.items()
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(info['title'])} {escape(info['version'])}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(info['title'])}</h1><p>AsyncAPI {escape(doc['asyncapi'])}, version "
        f"{escape(info['version'])}. {escape(info.get('description', ''))}</p>"
        '<p>The document itself: <a href="/asyncapi.yaml">/asyncapi.yaml</a>.</p></header><main>'
        f"<h2>Topics</h2>{_channels(doc)}"
        f"<h2>Headers (CloudEvents, Kafka binary mode)</h2><table>{header_rows}</table>"
        f"<h2>Who sends and receives what</h2>{_operations(doc)}"
        f"<h2>Messages</h2>{messages}</main></body></html>"
    )


def asyncapi_routes() -> list[Route]:
    doc = build()
    yaml_body = to_yaml(doc).encode()
    page = render_page(doc).encode()
    page_headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }

    async def asyncapi_yaml(request: Request) -> Response:
        return Response(
            yaml_body,
            media_type="application/yaml",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    async def asyncapi_page(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers=page_headers)

    return [
        Route("/asyncapi.yaml", asyncapi_yaml, methods=["GET", "HEAD"], include_in_schema=False),
        Route("/asyncapi", asyncapi_page, methods=["GET", "HEAD"], include_in_schema=False),
    ]


if __name__ == "__main__":  # make asyncapi
    sys.stdout.write(to_yaml(build()))
