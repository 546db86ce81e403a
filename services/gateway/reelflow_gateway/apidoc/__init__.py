"""The OpenAPI document: FastAPI's, completed with every status the API answers and the links
between its operations (see document.py)."""

from reelflow_gateway.apidoc.document import openapi_schema, operation_id

__all__ = ["openapi_schema", "operation_id"]
