"""A further instance of a service in the dev stack: its own HTTP port, behind the
gateway with the first, and a drain before it stops; the others unchanged. Nothing is
started here: the stack's plan is read back."""

from __future__ import annotations

from pathlib import Path

from questline.devstack.stack import REPLICA_DRAIN_S, SERVICES, Stack, StackConfig

REPO_ROOT = Path(__file__).resolve().parents[3]


def _stack(tmp_path: Path, extra: dict[str, list[int]]) -> Stack:
    stack = Stack(StackConfig(REPO_ROOT, tmp_path, extra_http_ports=extra))
    stack.database_urls = {name: f"postgresql+asyncpg://{name}@/{name}" for name in SERVICES}
    return stack


def test_a_second_mission_instance_has_its_own_port_behind_the_gateway(tmp_path: Path) -> None:
    stack = _stack(tmp_path, {"mission": [18081]})

    assert stack.instances("mission") == ["0", "1"]
    assert stack.url("mission", "1") == "http://127.0.0.1:18081"
    assert stack.service_env("mission", replica="1")["QUESTLINE_MISSION_HTTP_PORT"] == "18081"
    gateway = stack.gateway_settings()
    assert gateway.endpoints("mission") == [("127.0.0.1", 8081), ("127.0.0.1", 18081)]
    assert gateway.endpoints("reward") == [("127.0.0.1", 8082)]


def test_instances_of_a_replicated_service_drain_and_lone_ones_do_not(tmp_path: Path) -> None:
    stack = _stack(tmp_path, {"mission": [18081]})

    for replica in ("0", "1"):
        env = stack.service_env("mission", replica=replica)
        assert env["QUESTLINE_MISSION_DRAIN_SECONDS"] == str(REPLICA_DRAIN_S)
    assert "QUESTLINE_REWARD_DRAIN_SECONDS" not in stack.service_env("reward")


def test_by_default_every_service_runs_once(tmp_path: Path) -> None:
    stack = _stack(tmp_path, {})

    assert all(stack.instances(name) == ["0"] for name in SERVICES)
    assert all(len(stack.gateway_settings().endpoints(name)) == 1 for name in SERVICES)
