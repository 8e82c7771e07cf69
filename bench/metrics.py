"""Counters scraped from the services' Prometheus `/metrics`."""

from __future__ import annotations

import asyncio

import aiohttp

OUTBOX_PUBLISHED = "questline_outbox_published_total"


def counter_sum(text: str, name: str, labels: str = "") -> float:
    """Sum of a counter's samples (optionally only those whose labels contain `labels`)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        metric = head.split("{", 1)[0]
        if metric != name or (labels and labels not in head):
            continue
        try:
            total += float(value)
        except ValueError:
            continue
    return total


async def scrape(session: aiohttp.ClientSession, urls: dict[str, str]) -> dict[str, str]:
    async def one(url: str) -> str:
        try:
            async with session.get(url + "/metrics") as response:
                return await response.text() if response.status == 200 else ""
        except aiohttp.ClientError:
            return ""

    texts = await asyncio.gather(*(one(u) for u in urls.values()))
    return dict(zip(urls, texts, strict=True))


async def outbox_published(
    session: aiohttp.ClientSession, urls: dict[str, str]
) -> dict[str, float]:
    """Events each service's relay has published so far (since its process started)."""
    texts = await scrape(session, urls)
    return {name: counter_sum(text, OUTBOX_PUBLISHED) for name, text in texts.items()}
