"""Generate the committed contract artefacts from the models, and check they are current.

Artefacts (paths relative to the output directory, `libs/contracts/` by default):
- `schemas/<type>.json`: the JSON Schema of each event's `data`, camelCase;
- `asyncapi.json`: an AsyncAPI 3.0.0 document of the topics, messages and headers.

The output is deterministic (sorted keys, indent 2, trailing newline) so that CI can
compare it byte for byte with what is committed: a contract change is a reviewed diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import envelope
from .events import EventData
from .registry import EVENT_TYPES, TOPICS, dlq_topic

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
KAFKA_BINDING_VERSION = "0.5.0"
SCHEMA_DIR = "schemas"
ASYNCAPI_FILE = "asyncapi.json"
HEADERS_SCHEMA = "CloudEventsHeaders"

Json = dict[str, Any]


def default_dir() -> Path:
    """`libs/contracts/`, found from this file: src/questline/contracts/generate.py."""
    return Path(__file__).resolve().parents[3]


def render(document: Json) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _alias(model: type[EventData], field: str) -> str:
    return model.model_fields[field].alias or field


def _summary(model: type[EventData]) -> str:
    return (model.__doc__ or model.__name__).strip().splitlines()[0]


def _payload_schema(model: type[EventData]) -> Json:
    return model.model_json_schema(by_alias=True, mode="validation")


def json_schema(model: type[EventData]) -> Json:
    """The standalone JSON Schema file of one event type."""
    schema = _payload_schema(model)
    schema.update({"$schema": JSON_SCHEMA_DIALECT, "$id": model.TYPE, "title": model.__name__})
    return schema


def _headers_schema() -> Json:
    properties: Json = {
        name: {"type": "string", "description": text} for name, text in envelope.HEADERS.items()
    }
    properties[envelope.CE_ID]["minLength"] = 1
    properties[envelope.CE_SOURCE]["format"] = "uri-reference"
    properties[envelope.CE_TIME]["format"] = "date-time"
    properties[envelope.CE_SPECVERSION]["const"] = envelope.SPEC_VERSION
    properties[envelope.HEADER_CONTENT_TYPE]["const"] = envelope.CONTENT_TYPE
    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes in Kafka binary mode (values UTF-8).",
        "required": list(envelope.HEADERS),
        "properties": properties,
    }


def _message(model: type[EventData]) -> Json:
    key, correlation = _alias(model, model.KEY_FIELD), _alias(model, model.CORRELATION_FIELD)
    return {
        "name": model.TYPE,
        "title": model.__name__,
        "summary": _summary(model),
        "contentType": envelope.CONTENT_TYPE,
        "headers": {
            "allOf": [
                {"$ref": f"#/components/schemas/{HEADERS_SCHEMA}"},
                {"type": "object", "properties": {envelope.CE_TYPE: {"const": model.TYPE}}},
            ]
        },
        "payload": {"$ref": f"#/components/schemas/{model.__name__}"},
        "correlationId": {
            "description": f"The business transaction: equals data.{correlation}.",
            "location": f"$message.header#/{envelope.CE_CORRELATIONID}",
        },
        "bindings": {
            "kafka": {
                "bindingVersion": KAFKA_BINDING_VERSION,
                "key": {"type": "string", "description": f"The record key: data.{key}."},
            }
        },
    }


def _models_on(topic: str) -> list[type[EventData]]:
    return [model for model in EVENT_TYPES.values() if topic == model.TOPIC]


def _context(topic: str) -> str:
    return topic.split(".")[0]


def _channel(topic: str) -> Json:
    models = _models_on(topic)
    keys: dict[str, list[str]] = {}
    for model in models:
        keys.setdefault(_alias(model, model.KEY_FIELD), []).append(model.__name__)
    key_text = "; ".join(f"{key} for {', '.join(names)}" for key, names in keys.items())
    return {
        "address": topic,
        "title": topic,
        "description": (
            f"Events published by the {_context(topic)} context. Record key: {key_text}, "
            f"so the events of one key stay in order. Records a consumer cannot process "
            f"are moved to {dlq_topic(topic)}."
        ),
        "messages": {
            model.__name__: {"$ref": f"#/components/messages/{model.__name__}"} for model in models
        },
        "bindings": {"kafka": {"bindingVersion": KAFKA_BINDING_VERSION, "topic": topic}},
    }


def _operation(topic: str) -> Json:
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{topic}"},
        "summary": f"{_context(topic)} publishes its events through its transactional outbox.",
        "messages": [
            {"$ref": f"#/channels/{topic}/messages/{model.__name__}"} for model in _models_on(topic)
        ],
    }


def asyncapi() -> Json:
    """The AsyncAPI 3.0.0 document of every topic and event type."""
    schemas: Json = {model.__name__: _payload_schema(model) for model in EVENT_TYPES.values()}
    schemas[HEADERS_SCHEMA] = _headers_schema()
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Questline events",
            "version": "1.0.0",
            "description": (
                "Events between Questline services: CloudEvents 1.0 in Kafka binary mode, "
                "JSON data. Generated by `python -m questline.contracts generate`; "
                "do not edit by hand."
            ),
        },
        "defaultContentType": envelope.CONTENT_TYPE,
        "channels": {topic: _channel(topic) for topic in TOPICS},
        "operations": {
            f"send{_context(topic).capitalize()}Events": _operation(topic) for topic in TOPICS
        },
        "components": {
            "messages": {model.__name__: _message(model) for model in EVENT_TYPES.values()},
            "schemas": schemas,
        },
    }


def artefacts() -> dict[str, str]:
    """Every generated file: path relative to the output directory → exact contents."""
    files = {
        f"{SCHEMA_DIR}/{model.TYPE}.json": render(json_schema(model))
        for model in EVENT_TYPES.values()
    }
    files[ASYNCAPI_FILE] = render(asyncapi())
    return files


def _stale(out_dir: Path, expected: dict[str, str]) -> list[str]:
    # A schema whose model was removed (or renamed) must not linger as if still valid.
    found = (out_dir / SCHEMA_DIR).glob("*.json")
    return sorted(p for p in (f"{SCHEMA_DIR}/{f.name}" for f in found) if p not in expected)


def check(out_dir: Path) -> list[str]:
    """The files under `out_dir` that differ from the generated ones; empty when current."""
    expected = artefacts()
    problems = []
    for path, text in expected.items():
        target = out_dir / path
        if not target.is_file():
            problems.append(f"{path} (missing)")
        elif target.read_bytes() != text.encode():
            problems.append(f"{path} (differs)")
    problems += [f"{path} (no longer generated)" for path in _stale(out_dir, expected)]
    return problems


def write(out_dir: Path) -> list[str]:
    """Write every artefact under `out_dir`, remove stale schemas; return what changed."""
    expected = artefacts()
    changed = []
    for path, text in expected.items():
        target = out_dir / path
        if target.is_file() and target.read_bytes() == text.encode():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode())  # bytes: no newline translation on any OS
        changed.append(path)
    for path in _stale(out_dir, expected):
        (out_dir / path).unlink()
        changed.append(path)
    return changed
