"""Property-based tests of the whole HTTP API from its own OpenAPI document (schemathesis).

Every operation gets generated requests — valid and invalid — with an issuer key or a body key as
the operation needs; no response may be a 5xx, and every response must match the status codes,
content types and schemas the document declares.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import World, make_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    snapshot = world.chain.snapshot()
    app = make_app(world, Path(tmp_path_factory.mktemp("schemathesis")) / "api.sqlite", verify_rate=0)
    store = app.state.services.store
    keys = {"issuer": store.create_api_key("issuer", "acme")[1], "body": store.create_api_key("body", world.body)[1]}
    yield app, keys
    world.chain.revert(snapshot)


@pytest.fixture(scope="module")
def api_schema(live: tuple[Any, dict[str, str]]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", live[0])


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors_and_responses_match_the_document(case: Any, live: tuple[Any, dict[str, str]]) -> None:
    role = "body" if case.operation.path.startswith("/v1/accreditation") else "issuer"
    case.call_and_validate(headers={"X-API-Key": live[1][role]}, checks=CHECKS)


def test_the_document_describes_every_route_with_problem_responses(live: tuple[Any, dict[str, str]]) -> None:
    document = live[0].openapi()
    assert "Problem" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            if path not in ("/health",):
                problems = [
                    s for s, r in operation["responses"].items() if "application/problem+json" in r.get("content", {})
                ]
                assert problems, f"{method.upper()} {path} declares no problem responses"
