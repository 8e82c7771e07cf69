"""A service with nothing behind it, run by service_kit's runtime as a real process
(`python draining_service.py`), for the drain tests: `/hello` answers at once, `/slow`
after `?seconds=`. Settings: QUESTLINE_DRAINTEST_* (HTTP_PORT, DRAIN_SECONDS)."""

from __future__ import annotations

import asyncio
import sys

from fastapi import APIRouter
from pydantic_settings import SettingsConfigDict

from questline.service_kit.drain import Drain
from questline.service_kit.http import create_app
from questline.service_kit.logs import configure_logging
from questline.service_kit.runtime import Service, run
from questline.service_kit.settings import ServiceSettings


class DrainTestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_DRAINTEST_", extra="ignore")

    service: str = "draintest"


async def build(_roles: set[str]) -> Service:
    router = APIRouter()

    @router.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @router.get("/slow")
    async def slow(seconds: float) -> dict[str, float]:
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    async def always() -> bool:
        return True

    drain = Drain()
    app = create_app(
        title="drain test",
        description="",
        routers=[router],
        ready_checks={"nothing": always},
        max_body_bytes=1024,
        drain=drain,
    )
    return Service(settings=DrainTestSettings(), app=app, drain=drain)


if __name__ == "__main__":
    configure_logging("draintest")
    sys.exit(run(build, {"http"}))
