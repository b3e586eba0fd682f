"""Wiring of the digest pipeline (discovery → planning → queue → delivery) from the services."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from bot.app.composition import Services
from bot.core.delivery import Sender
from scheduler.discovery import Discovery
from scheduler.queue import DeliveryQueue
from scheduler.rounds import RoundPlanner
from scheduler.worker import Deliverer


@dataclass
class Pipeline:
    """Everything the scheduler and worker roles need."""

    discovery: Discovery
    queue: DeliveryQueue
    planner: RoundPlanner
    deliverer: Deliverer
    sender: Sender

    async def aclose(self) -> None:
        """Close the platform connection."""
        await self.sender.aclose()


def consumer_name() -> str:
    """A name unique to this worker process (host and pid)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def build_discovery(services: Services) -> Discovery:
    """Discovery of new papers on top of the services."""
    return Discovery(
        services.feeds,
        services.arxiv,
        services.papers,
        redis=services.redis,
        keys=services.keys,
        metrics=services.metrics,
    )


def build_pipeline(
    services: Services, sender: Sender, *, consumer: str | None = None, pacing: bool = True
) -> Pipeline:
    """Build the pipeline on top of the services."""
    settings = services.settings
    discovery = build_discovery(services)
    queue = DeliveryQueue(
        services.redis,
        services.keys.prefix,
        consumer or consumer_name(),
        claim_idle_seconds=settings.delivery_claim_idle_seconds,
    )
    return Pipeline(
        discovery=discovery,
        queue=queue,
        planner=RoundPlanner(services, discovery, queue, sender),
        deliverer=Deliverer(services, queue, sender, pacing=pacing),
        sender=sender,
    )
