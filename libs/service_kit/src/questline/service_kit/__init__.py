"""Plumbing shared by every Questline service: settings, logs, database, Kafka,
transactional outbox and inbox, HTTP (problem+json, health, metrics) and the runtime.

Nothing here knows a bounded context; services wire these pieces in their bootstrap.
"""
