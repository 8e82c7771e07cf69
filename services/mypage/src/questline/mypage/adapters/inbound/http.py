"""HTTP routes of My Page: reads from the read model only, never from other services."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse

from questline.mypage.adapters.inbound.schemas import MyPageResponse, render
from questline.mypage.application.ports import MyPageReader, PageChanges, PageWatch
from questline.mypage.application.project import my_page
from questline.mypage.domain.view import MyPage
from questline.service_kit.caller import AUTH_RESPONSES, BEARER, caller_of
from questline.service_kit.ids import CustomerIdPath
from questline.service_kit.lean import json_response
from questline.service_kit.logs import get_logger
from questline.service_kit.problems import PROBLEM_JSON, Problem

log = get_logger(__name__)

EVENT_STREAM = "text/event-stream"
# How long a client waits before reconnecting after the stream ends (sent first).
RETRY = b"retry: 2000\n\n"
KEEP_ALIVE = b": keep-alive\n\n"

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "required": ["type", "title", "status"],
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}}}


_STREAM_DOC = """Server-Sent Events: the page now, then again every time it changes.

The stream opens with `retry: 2000`, then sends the page at once as one message:
`id: <page version>`, `event: page`, `data: <the JSON of GET /mypage/{customerId}>`.
Every change of the page sends it again the same way; a comment `: keep-alive` comes
every 15 s when nothing changed. The version changes with every change of the page and
is never reused for a customer (not even when the read model is rebuilt): a client that
reconnects with `Last-Event-ID` equal to the current version gets no immediate message,
only the next change. The stream ends when the access token expires or the service
stops; reconnect with a fresh token and `Last-Event-ID`. Authorization: a Bearer token
of the page's player or of an operator (no cookies). Refusals are problem+json, sent
before the stream starts."""


class EventStream(StreamingResponse):
    media_type = EVENT_STREAM


def _message(page: MyPage) -> bytes:
    return b"id: %d\nevent: page\ndata: %s\n\n" % (page.version, render(page))


def router(pages: MyPageReader, changes: PageChanges, keep_alive_s: float = 15.0) -> APIRouter:
    api = APIRouter(tags=["mypage"])

    # The hot read: a lean route (the caller asked directly instead of through a
    # dependency, no response model validation); the page comes from the cache.
    @api.get(
        "/mypage/{customer_id}",
        summary="A customer's missions and wallet, from the read model",
        openapi_extra=BEARER,
        responses={
            200: {"model": MyPageResponse, "description": "The page (empty if no activity)"},
            401: AUTH_RESPONSES[401],
            403: {"description": "Not your page"},
            422: {"description": "Not a valid customer id"},
            503: {"description": "The read model is not reachable right now; retry"},
        },
    )
    async def get_my_page(customer_id: CustomerIdPath, request: Request) -> Response:
        caller = await caller_of(request)
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own page.")
        return json_response(render(await my_page(customer_id, pages)))

    @api.get(
        "/mypage/{customer_id}/stream",
        summary="A customer's page, pushed every time it changes (Server-Sent Events)",
        description=_STREAM_DOC,
        openapi_extra=BEARER,
        response_class=EventStream,
        responses={
            200: {
                "description": "An endless text/event-stream of `page` messages; the `data` "
                "of each is a MyPageResponse (the JSON of GET /mypage/{customerId})",
                "content": {
                    EVENT_STREAM: {
                        # One event of the stream (as OpenAPI 3.2's itemSchema has it).
                        "schema": {
                            "type": "object",
                            "properties": {
                                "event": {"const": "page"},
                                "id": {"type": "string", "pattern": "^[0-9]+$"},
                                "data": {
                                    "type": "string",
                                    "contentMediaType": "application/json",
                                    "description": "A MyPageResponse",
                                },
                            },
                            "required": ["event", "id", "data"],
                        },
                        "example": 'retry: 2000\n\nid: 7\nevent: page\ndata: {"customerId":'
                        '"alice","missions":[],"wallet":[],"updatedAt":null}\n\n'
                        ": keep-alive\n\n",
                    }
                },
            },
            401: _problem("No token, or not a valid one"),
            403: _problem("Not your page"),
            422: _problem("Not a valid customer id"),
            503: _problem("The read model is not reachable right now; retry"),
        },
    )
    async def stream_my_page(
        customer_id: CustomerIdPath,
        request: Request,
        last_event_id: Annotated[
            str | None,
            Header(
                alias="Last-Event-ID",
                description="The last version received: no message until the page changes",
            ),
        ] = None,
    ) -> Response:
        caller = await caller_of(request)
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "You may only read your own page.")
        # Watch before the first read: a change committed meanwhile is not missed.
        watch = changes.watch(customer_id)
        try:
            # Read before answering, so that a database away is a 503, not a dead stream.
            page = await my_page(customer_id, pages)
        except BaseException:
            watch.close()
            raise
        messages = _messages(
            page, watch, pages, last_event_id, caller.expires_at or None, keep_alive_s
        )
        return EventStream(
            messages,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return api


async def _messages(
    page: MyPage,
    watch: PageWatch,
    pages: MyPageReader,
    sent: str | None,
    expires_at: float | None,
    keep_alive_s: float,
) -> AsyncIterator[bytes]:
    """The stream's body. At rest it waits on its watch (woken by the notices) or for
    the next keep-alive; it reads the page again only once told it changed."""
    try:
        yield RETRY
        while True:
            if str(page.version) != sent:
                sent = str(page.version)
                yield _message(page)
            while True:
                wait = keep_alive_s
                if expires_at is not None:
                    wait = min(wait, expires_at - time.time())
                if wait <= 0 or watch.closed:
                    return  # token expired or process stopping: the client reconnects
                if await watch.changed(wait):
                    break
                if expires_at is not None and time.time() >= expires_at:
                    return
                yield KEEP_ALIVE
            if watch.closed:
                return
            page = await my_page(watch.customer_id, pages)
    except Exception as error:  # the database went away: end, the client comes back
        log.warning("page_stream_ended", error=str(error))
    finally:
        watch.close()
