"""The committed JSON Schemas and AsyncAPI document are exactly what the models generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from questline.contracts import EVENT_TYPES, TOPICS
from questline.contracts.__main__ import main
from questline.contracts.envelope import HEADERS
from questline.contracts.generate import artefacts, check, default_dir, write


def test_committed_schemas_match_the_models() -> None:
    problems = check(default_dir())
    assert problems == [], (
        "contract artefacts are out of date; run `python -m questline.contracts generate`: "
        + ", ".join(problems)
    )


def test_generation_is_deterministic(tmp_path: Path) -> None:
    assert artefacts() == artefacts()
    write(tmp_path)
    assert write(tmp_path) == []
    assert check(tmp_path) == []


def test_check_names_a_changed_a_missing_and_a_stale_file(tmp_path: Path) -> None:
    write(tmp_path)
    (tmp_path / "asyncapi.json").write_text("{}\n")
    (tmp_path / "schemas/questline.reward.issued.v1.json").unlink()
    (tmp_path / "schemas/questline.reward.issued.v0.json").write_text("{}\n")
    assert check(tmp_path) == [
        "schemas/questline.reward.issued.v1.json (missing)",
        "asyncapi.json (differs)",
        "schemas/questline.reward.issued.v0.json (no longer generated)",
    ]
    write(tmp_path)
    assert check(tmp_path) == []
    assert not (tmp_path / "schemas/questline.reward.issued.v0.json").exists()


def test_the_check_command_fails_naming_the_differing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "--out", str(tmp_path)]) == 0
    assert main(["check", "--out", str(tmp_path)]) == 0
    (tmp_path / "schemas/questline.gift.exchanged.v1.json").write_text("{}\n")
    assert main(["check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "schemas/questline.gift.exchanged.v1.json (differs)" in err
    assert "python -m questline.contracts generate" in err


def test_the_command_line_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "generate" in capsys.readouterr().out


def test_each_schema_is_identified_by_its_type_and_uses_camel_case() -> None:
    files = artefacts()
    for type_, model in EVENT_TYPES.items():
        schema = json.loads(files[f"schemas/{type_}.json"])
        assert (schema["$id"], schema["title"]) == (type_, model.__name__)
        assert set(schema["properties"]) == {f.alias for f in model.model_fields.values()}
        assert "additionalProperties" not in schema  # readers are tolerant


def test_the_asyncapi_document_has_a_channel_per_topic_and_a_message_per_type() -> None:
    doc = json.loads(artefacts()["asyncapi.json"])
    assert doc["asyncapi"] == "3.0.0"
    assert sorted(doc["channels"]) == sorted(TOPICS)
    messages = doc["components"]["messages"]
    assert sorted(m["name"] for m in messages.values()) == sorted(EVENT_TYPES)
    for model in EVENT_TYPES.values():
        channel = doc["channels"][model.TOPIC]
        assert model.__name__ in channel["messages"]
        assert "Record key" in channel["description"]
    assert {op["action"] for op in doc["operations"].values()} == {"send"}
    headers = doc["components"]["schemas"]["CloudEventsHeaders"]
    assert set(headers["required"]) == set(HEADERS)
    assert {"ce_id", "ce_type", "ce_correlationid", "ce_causationid", "content-type"} <= set(
        HEADERS
    )


def test_every_asyncapi_reference_resolves() -> None:
    doc = json.loads(artefacts()["asyncapi.json"])

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(doc):
        target: object = doc
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(target, dict) and part in target, ref
            target = target[part]
