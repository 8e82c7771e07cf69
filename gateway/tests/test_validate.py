"""Envoy 1.40 itself accepts the rendered config (`envoy --mode validate`: every field,
type and extension checked, nothing served), and the command line around it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from questline.gateway.__main__ import main
from questline.gateway.process import GatewayError, validate, write_config
from questline.gateway.settings import GatewaySettings


@pytest.mark.parametrize(
    "settings",
    [
        GatewaySettings(),
        GatewaySettings(web_upstream="127.0.0.1:3000"),
        GatewaySettings(web_upstream="localhost:5173", access_log="/tmp/questline-access.log"),
        GatewaySettings(
            mission_endpoints=["127.0.0.1:8081", "127.0.0.1:18081"],
            mypage_endpoints=["127.0.0.1:8085", "mypage-b.internal:8085"],
        ),
    ],
    ids=[
        "defaults",
        "with-web-app",
        "web-app-by-name-and-access-log",
        "several-instances-health-checked",
    ],
)
def test_envoy_accepts_the_rendered_config(settings: GatewaySettings, tmp_path: Path) -> None:
    validate(write_config(settings, tmp_path / "envoy.json"))


def test_envoy_refusing_a_config_is_reported_with_its_reason(tmp_path: Path) -> None:
    path = write_config(GatewaySettings(), tmp_path / "envoy.json")
    config = json.loads(path.read_text())
    config["static_resources"]["clusters"][0]["connect_timeout"] = "soon"
    path.write_text(json.dumps(config))
    with pytest.raises(GatewayError, match="soon"):
        validate(path)


def test_render_prints_the_config_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render"]) == 0
    config = json.loads(capsys.readouterr().out)
    assert config["static_resources"]["listeners"][0]["name"] == "public"


def test_validate_exits_0_for_the_configured_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_exits_1_when_the_settings_are_not_valid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUESTLINE_GATEWAY_WEB_UPSTREAM", "no-port")
    assert main(["validate"]) == 1
    assert "QUESTLINE_GATEWAY_" in capsys.readouterr().err
