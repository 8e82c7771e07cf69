"""The Helm chart (deploy/helm/questline), checked without a cluster: `helm lint`, `helm
template` with the default and the production values, every rendered object against the
Kubernetes 1.33 schemas (kubernetes-validate), the Strimzi and CloudNativePG objects
against their operators' CRD schemas (deploy/helm/crd-check: Strimzi 1.0.0's CRDs for
kafka.strimzi.io/v1, CloudNativePG 1.29.0's API types for postgresql.cnpg.io/v1, from npm),
the operator settings Questline relies on (RF 3, min ISR 2, one database cluster per
service), and checkov on the rendered manifests (its skips are annotations with a reason
in the chart).

Helm v3.21.4, checkov and the CRD check's npm packages are installed into .cache or
deploy/helm/crd-check by `make install-test`.
"""

from __future__ import annotations

import copy
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from questline.contracts.topics import ALL_TOPICS

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "questline"
HELM = ROOT / ".cache" / "helm" / "helm"
CHECKOV = ROOT / ".cache" / "checkov" / "bin" / "checkov"
CRD_CHECK = ROOT / "deploy" / "helm" / "crd-check"
OPERATOR_GROUPS = {"kafka.strimzi.io", "postgresql.cnpg.io"}
KUBERNETES = "1.33.0"
SERVICES = ("mission", "reward", "wallet", "gift", "mypage", "auth")
VALUES = {"default": [], "production": ["-f", str(CHART / "values-production.yaml")]}


def _tool(path: Path) -> str:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make install-test`")
    return str(path)


def _helm(*args: str) -> str:
    result = subprocess.run(
        [_tool(HELM), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@cache
def _rendered(values: str) -> tuple[str, tuple[dict[str, Any], ...]]:
    text = _helm(
        "template", "questline", str(CHART), "--namespace", "games",
        "--kube-version", KUBERNETES, *VALUES[values],
    )  # fmt: skip
    return text, tuple(doc for doc in yaml.safe_load_all(text) if doc)


def _crd_check(manifests: str) -> subprocess.CompletedProcess[str]:
    _tool(CRD_CHECK / "node_modules")
    return subprocess.run(
        ["node", str(CRD_CHECK / "check.mjs")],
        input=manifests, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _objects(values: str, kind: str) -> list[dict[str, Any]]:
    return [o for o in _rendered(values)[1] if o["kind"] == kind]


def _named(values: str, kind: str, name: str) -> dict[str, Any]:
    return next(o for o in _objects(values, kind) if o["metadata"]["name"] == name)


@pytest.mark.parametrize("values", VALUES)
def test_helm_lint_passes_with_the_default_and_the_production_values(values: str) -> None:
    _helm("lint", "--strict", str(CHART), "--kube-version", KUBERNETES, *VALUES[values])


def test_values_that_break_the_schema_are_refused() -> None:
    result = subprocess.run(
        [_tool(HELM), "template", str(CHART), "--kube-version", KUBERNETES,
         "--set", "postgresql.mode=oneBigOne"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "postgresql" in result.stderr and "mode" in result.stderr


@pytest.mark.parametrize("values", VALUES)
def test_every_kubernetes_object_is_valid_for_the_pinned_kubernetes_version(
    values: str,
) -> None:
    checked, without_schema = 0, set()
    for obj in _rendered(values)[1]:
        try:
            kubernetes_validate.validate(obj, KUBERNETES, strict=True)
            checked += 1
        except kubernetes_validate.SchemaNotFoundError:
            without_schema.add(f"{obj['apiVersion']}/{obj['kind']}")
    assert checked >= 60
    # Only the operators' kinds have no schema here; their CRDs check them below.
    assert all(k.split("/")[0] in OPERATOR_GROUPS for k in without_schema)


@pytest.mark.parametrize("values", VALUES)
def test_every_strimzi_and_cloudnativepg_object_passes_its_crd_schema(values: str) -> None:
    text, objects = _rendered(values)
    result = _crd_check(text)
    assert result.returncode == 0, result.stdout + result.stderr
    operators = [o for o in objects if o["apiVersion"].split("/")[0] in OPERATOR_GROUPS]
    valid = [line for line in result.stdout.splitlines() if line.startswith("valid ")]
    assert len(valid) == len(operators) >= 16  # Kafka, its pool, 8 topics, 6 clusters


@pytest.mark.parametrize(
    ("kind", "spec", "refusal"),
    [
        ("KafkaTopic", {"partitions": "three"}, "/spec/partitions must be integer"),
        ("Cluster", {"instances": None}, "/spec must have required property instances"),
        ("KafkaNodePool", {"replica": 3}, "/spec/replica is not in the schema"),
    ],
)
def test_an_operator_object_that_breaks_its_crd_schema_is_refused(
    kind: str, spec: dict[str, Any], refusal: str
) -> None:
    obj = copy.deepcopy(_objects("default", kind)[0])
    for field, value in spec.items():
        if value is None:
            del obj["spec"][field]
        else:
            obj["spec"][field] = value
    result = _crd_check(yaml.safe_dump(obj))
    assert result.returncode == 1, result.stdout + result.stderr
    assert refusal in result.stdout, result.stdout


def test_an_operator_kind_without_a_crd_schema_is_refused_not_skipped() -> None:
    # MirrorMaker 1: a kind Strimzi no longer defines.
    obj = {"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaMirrorMaker",
           "metadata": {"name": "mirror"}, "spec": {"replicas": 1}}  # fmt: skip
    result = _crd_check(yaml.safe_dump(obj))
    assert result.returncode == 1
    assert "no schema for kafka.strimzi.io/v1 KafkaMirrorMaker" in result.stdout


@pytest.mark.parametrize("values", VALUES)
def test_kafka_runs_kraft_with_rf_3_and_min_isr_2_on_every_questline_topic(values: str) -> None:
    (kafka,) = _objects(values, "Kafka")
    # v1: the API version Strimzi 1.0 and later serve (v1beta2 is gone there).
    assert {o["apiVersion"] for o in _rendered(values)[1] if o["kind"].startswith("Kafka")} == {
        "kafka.strimzi.io/v1"
    }
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert kafka["metadata"]["annotations"]["strimzi.io/node-pools"] == "enabled"
    spec = kafka["spec"]["kafka"]
    assert spec["config"]["min.insync.replicas"] == 2
    assert spec["config"]["default.replication.factor"] == 3
    (pool,) = _objects(values, "KafkaNodePool")
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    assert pool["spec"]["replicas"] == 3
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    topics = _objects(values, "KafkaTopic")
    assert sorted(t["spec"]["topicName"] for t in topics) == sorted(ALL_TOPICS)
    for topic in topics:
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"]["min.insync.replicas"] == 2


@pytest.mark.parametrize("values", VALUES)
def test_each_service_owns_its_database_cluster_and_production_backs_each_up(
    values: str,
) -> None:
    clusters = _objects(values, "Cluster")
    assert len(clusters) == len(SERVICES)  # one cluster per service, the default
    for cluster in clusters:
        initdb = cluster["spec"]["bootstrap"]["initdb"]
        assert initdb["database"] == initdb["owner"] and initdb["secret"]["name"]
    backups = _objects(values, "ScheduledBackup")
    if values == "production":
        assert {b["spec"]["cluster"]["name"] for b in backups} == {
            c["metadata"]["name"] for c in clusters
        }
        for cluster in clusters:
            store = cluster["spec"]["backup"]["barmanObjectStore"]
            assert store["destinationPath"] and store["s3Credentials"]["accessKeyId"]["name"]
    else:
        assert backups == [] and all("backup" not in c["spec"] for c in clusters)


def test_a_shared_postgresql_cluster_holds_one_database_and_role_per_service() -> None:
    text = _helm(
        "template", "questline", str(CHART), "--kube-version", KUBERNETES,
        "--set", "postgresql.mode=shared",
    )  # fmt: skip
    objects = [o for o in yaml.safe_load_all(text) if o]
    (cluster,) = [o for o in objects if o["kind"] == "Cluster"]
    databases = [o["spec"]["name"] for o in objects if o["kind"] == "Database"]
    roles = [r["name"] for r in cluster["spec"]["managed"]["roles"]]
    initdb = cluster["spec"]["bootstrap"]["initdb"]["database"]
    assert sorted([initdb, *databases]) == sorted(SERVICES) == sorted([initdb, *roles])
    result = _crd_check(text)  # the Database kind is rendered only here
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("values", VALUES)
def test_checkov_finds_no_failure_in_the_rendered_manifests(values: str, tmp_path: Path) -> None:
    (tmp_path / "questline.yaml").write_text(_rendered(values)[0])
    result = subprocess.run(
        [_tool(CHECKOV), "-d", str(tmp_path), "--framework", "kubernetes", "--quiet",
         "--compact", "--skip-download", "-o", "cli"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "Failed checks: 0" in result.stdout, result.stdout[-5000:]


@pytest.mark.parametrize("values", VALUES)
def test_every_service_runs_hardened_and_drains_before_it_stops(values: str) -> None:
    for name in SERVICES:
        deployment = _named(values, "Deployment", f"questline-{name}")
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        pod = deployment["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        (container,) = pod["containers"]
        assert container["args"] == ["python", "-m", f"questline.{name}", "run"]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
        assert container["lifecycle"]["preStop"]["sleep"]["seconds"] > 0
        job = _named(values, "Job", f"questline-{name}-migrate")
        assert "pre-upgrade" in job["metadata"]["annotations"]["helm.sh/hook"]
        assert job["spec"]["template"]["spec"]["containers"][0]["args"][-1] == "migrate"
        assert (
            _named(values, "ServiceAccount", f"questline-{name}")["automountServiceAccountToken"]
            is False
        )
        assert _named(values, "PodDisruptionBudget", f"questline-{name}")


@pytest.mark.parametrize("values", VALUES)
def test_each_service_drains_on_sigterm_within_a_grace_period_that_covers_its_stop(
    values: str,
) -> None:
    for name in SERVICES:
        config = _named(values, "ConfigMap", f"questline-{name}")["data"]
        prefix = f"QUESTLINE_{name.upper()}_"
        drain = int(config[prefix + "DRAIN_SECONDS"])
        grace = int(config[prefix + "SHUTDOWN_GRACE_SECONDS"])
        # Above the gateway's 4 s upstream idle timeout: its idle keep-alive connections
        # to the pod are gone before the pod stops accepting.
        assert drain > 4
        pod = _named(values, "Deployment", f"questline-{name}")["spec"]["template"]["spec"]
        pre_stop = pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pod["terminationGracePeriodSeconds"] >= pre_stop + drain + grace + 10


def test_a_grace_period_too_short_for_the_drain_is_refused() -> None:
    result = subprocess.run(
        [_tool(HELM), "template", str(CHART), "--kube-version", KUBERNETES,
         "--set", "services.gift.drainSeconds=30"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "services.gift.terminationGracePeriodSeconds" in result.stderr


def _callers(values: str, name: str) -> set[str]:
    policy = _named(values, "NetworkPolicy", f"questline-{name}")
    (rule,) = policy["spec"]["ingress"]
    return {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in rule["from"]}


def test_network_policies_let_in_only_the_callers_that_system_md_names() -> None:
    assert _callers("default", "gift") == {"gateway", "wallet"}
    for name in ("mission", "reward", "wallet", "mypage"):
        assert _callers("default", name) == {"gateway"}
    assert _callers("default", "auth") == {"gateway", *SERVICES} - {"auth"}
    for name in SERVICES:
        db = _named("default", "NetworkPolicy", f"questline-{name}-pg")
        clients = {
            peer["podSelector"]["matchLabels"].get("questline.io/database-client")
            for peer in db["spec"]["ingress"][0]["from"]
        }
        assert clients == {name, None}  # the service, and the cluster's own instances


def test_the_gateway_gets_one_upstream_host_per_service_and_the_public_issuer() -> None:
    config = _named("default", "ConfigMap", "questline-gateway")["data"]
    assert config["QUESTLINE_GATEWAY_UPSTREAM_HOST"] == "questline-{service}"
    assert config["QUESTLINE_GATEWAY_LISTEN_HOST"] == "0.0.0.0"
    assert config["QUESTLINE_GATEWAY_WEB_UPSTREAM"] == "questline-web:8087"
    wallet = _named("default", "ConfigMap", "questline-wallet")["data"]
    assert wallet["QUESTLINE_WALLET_GIFT_BASE_URL"] == "http://questline-gift:8084"


def test_production_runs_two_replicas_or_more_and_autoscales_on_cpu() -> None:
    for name in SERVICES:
        hpa = _named("production", "HorizontalPodAutoscaler", f"questline-{name}")
        assert hpa["spec"]["minReplicas"] >= 2
        assert [m["type"] for m in hpa["spec"]["metrics"]] == ["Resource"]
    assert all(c["spec"]["instances"] >= 2 for c in _objects("production", "Cluster"))
    assert _objects("default", "HorizontalPodAutoscaler") == []


def test_the_consumer_lag_hook_adds_an_external_metric_when_turned_on() -> None:
    text = _helm(
        "template", "questline", str(CHART), "--kube-version", KUBERNETES,
        "--set", "serviceDefaults.autoscaling.enabled=true",
        "--set", "serviceDefaults.autoscaling.consumerLag.enabled=true",
    )  # fmt: skip
    (hpa,) = [
        o for o in yaml.safe_load_all(text)
        if o and o["kind"] == "HorizontalPodAutoscaler"
        and o["metadata"]["name"] == "questline-reward"
    ]  # fmt: skip
    external = hpa["spec"]["metrics"][1]["external"]
    assert external["metric"]["selector"]["matchLabels"]["consumergroup"] == "questline.reward"
    kubernetes_validate.validate(hpa, KUBERNETES, strict=True)


def test_without_strimzi_the_services_use_the_given_kafka_and_no_kafka_is_made() -> None:
    text = _helm(
        "template", "questline", str(CHART), "--kube-version", KUBERNETES,
        "--set", "kafka.enabled=false", "--set", "kafka.bootstrapServers=kafka.infra:9092",
    )  # fmt: skip
    objects = [o for o in yaml.safe_load_all(text) if o]
    assert not [o for o in objects if o["apiVersion"].startswith("kafka.strimzi.io")]
    mission = next(
        o
        for o in objects
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "questline-mission"
    )
    assert mission["data"]["QUESTLINE_MISSION_KAFKA_BOOTSTRAP_SERVERS"] == "kafka.infra:9092"
