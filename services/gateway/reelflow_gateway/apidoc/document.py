"""`/openapi.json`: FastAPI's document, made complete and true.

FastAPI documents what each route declares. What the gateway answers around the routes (the
body limit, malformed JSON, the write rate) and the links between operations are added here,
systematically, so no route can forget them.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from reelflow_gateway.apidoc.links import add_links
from reelflow_gateway.apidoc.statuses import document_statuses


def operation_id(route: APIRoute) -> str:
    """A stable operationId: the route function's name in camelCase (`create_script` -> `createScript`)."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def openapi_schema(app: FastAPI) -> dict:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    document_statuses(schema)
    add_links(schema)
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
