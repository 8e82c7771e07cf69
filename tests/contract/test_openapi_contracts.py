"""Every service answers as its OpenAPI document says: Schemathesis generates requests
from each running service's document (valid and invalid ones), sends them to the
service on its own port, and checks every answer: no server error, a documented
status, a documented content type, a body that fits the documented schema.

Callers hold real tokens from the running auth service, so requests get past the token
check: the game backend reports achievements, wallet calls gift's internal exchange,
a player exchanges from their own wallet and reads their own data (valid requests),
an operator does the rest."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from questline.devstack.stack import Stack

pytestmark = pytest.mark.e2e

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SERVICES = ["mission", "reward", "wallet", "gift", "mypage", "auth"]
# Generated requests per operation, besides the coverage phase's boundary cases: the
# whole run stays within a minute or two on two busy cores.
EXAMPLES = 25
PLAYER = "contract-player"
EXCHANGE = ("POST", "/wallets/{customer_id}/rewards/{reward_id}/exchange")
# Where a player's own customer id goes in the operations a player calls.
OWN_CUSTOMER = {
    EXCHANGE: "customer_id",
    ("GET", "/wallets/{customer_id}"): "customer_id",
    ("GET", "/mypage/{customer_id}"): "customer_id",
    ("GET", "/missions"): "customerId",
    ("GET", "/rewards"): "customerId",
    ("GET", "/exchanges"): "customerId",
}


@dataclass(frozen=True)
class Callers:
    """A bearer token for each kind of caller."""

    operator: str
    player: str
    game_backend: str
    wallet: str

    def sign(self, case: schemathesis.Case) -> dict[str, str]:
        """The case as its caller sends it: the caller's token, and a player's own
        customer id where a player calls (only operators may exchange for nobody)."""
        operation = (case.operation.method.upper(), case.operation.path)
        token = {
            ("POST", "/missions"): self.game_backend,
            ("POST", "/exchanges"): self.wallet,
        }.get(operation, self.operator)
        valid = case.meta is None or case.meta.generation.mode.is_positive
        if operation in OWN_CUSTOMER and (valid or operation == EXCHANGE):
            name = OWN_CUSTOMER[operation]
            if name in (case.path_parameters or {}):
                case.path_parameters = {**case.path_parameters, name: PLAYER}
            elif name in (case.query or {}):
                case.query = {**case.query, name: PLAYER}
            token = self.player
        return {"Authorization": f"Bearer {token}"}


def client_credentials(stack: Stack, client_id: str, scope: str) -> str:
    response = httpx.post(
        stack.url("auth") + "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client_id, stack.client_secret(client_id)),
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def callers(stack: Stack) -> Callers:
    tokens = stack.tokens()
    return Callers(
        operator=tokens.operator(),
        player=tokens.player(PLAYER),
        game_backend=client_credentials(stack, "game-backend", "missions:report"),
        wallet=client_credentials(stack, "wallet", "gift:exchange"),
    )


@pytest.fixture(params=SERVICES)
def service_document(request: pytest.FixtureRequest, stack: Stack) -> object:
    return schemathesis.openapi.from_url(stack.url(request.param) + "/openapi.json")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # Schemathesis 4.32 reads and rewrites `_nodeid`, an attribute pytest 9.2 no longer
    # has (it keeps `_id`): give it one. Only its report labels use it.
    request.node._nodeid = request.node.nodeid


documents = schemathesis.pytest.from_fixture("service_document")


@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure is a regression
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
@documents.parametrize()
def test_every_service_answers_as_its_openapi_document_says(
    case: schemathesis.Case, callers: Callers
) -> None:
    case.call_and_validate(headers=callers.sign(case), checks=CHECKS)
