"""The deployment files, checked without a cluster.

- every Kubernetes manifest validates against the API's OpenAPI schema (kubernetes-validate, strict: an
  unknown or misspelt field fails), the Prometheus operator's CRDs against a small schema of our own;
- the kustomize overlays build (`kubectl kustomize`, when kubectl is installed) and validate too;
- the manifests agree with each other and with the code: ports, roles, settings, Secrets, selectors,
  Ingress prefixes vs the routers' OpenAPI, RabbitMQ definitions vs the topology and its queue names;
- the Grafana dashboard and the alert rules use only metric names and labels the code defines.

Each checker has a negative test, so that a check that silently passes everything is caught too.
"""

from __future__ import annotations

import ast
import copy
import functools
import importlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
RABBITMQ = ROOT / "deploy" / "rabbitmq"
DASHBOARD = ROOT / "deploy" / "grafana" / "ent-backoffice.json"
RULES = K8S / "prometheus-rules.yaml"

KUBERNETES_VERSION = "1.30"
NAMESPACE = "ent-backoffice"
SERVICES = {"members": 8001, "orders": 8002, "billing": 8003}
WORKER_REPLICAS = 2

# The public prefixes of each service: the Ingress must route exactly these, and every /v1 prefix of a
# service's OpenAPI document must be among its own (the code may lag behind this list, never lead it).
ROUTED_PREFIXES: dict[str, frozenset[str]] = {
    "members": frozenset(
        {
            "/v1/members",
            "/v1/adhesions",
            "/v1/deliberations",
            "/v1/schools",
            "/v1/tariffs",
            "/v1/subsidies",
            "/v1/support-requests",
            "/v1/usage-statistics",
            "/v1/notifications",
            "/v1/entitlements",
            "/v1/members-audit",
        }
    ),
    "orders": frozenset(
        {
            "/v1/catalogue",
            "/v1/quotes",
            "/v1/purchase-orders",
            "/v1/quote-eligibility",
            "/v1/contractor",
            "/v1/orders-audit",
        }
    ),
    "billing": frozenset(
        {
            "/v1/supplier-invoices",
            "/v1/invoices",
            "/v1/credit-notes",
            "/v1/numbering",
            "/v1/billing",
            "/v1/members-statements",
            "/v1/campaigns",
            "/v1/payments",
            "/v1/chorus",
            "/v1/billing-audit",
            "/v1/dunning",
            "/v1/members-balances",
            "/v1/overdue-invoices",
            "/v1/reminders",
            "/v1/supplier-payments",
        }
    ),
}

# Metrics that do not come from our code: the rabbitmq_prometheus plugin's and Prometheus' own, with
# the labels they carry. Everything else in a query must be defined in shared/ or services/.
EXTERNAL_METRICS: dict[str, frozenset[str]] = {
    "rabbitmq_queue_messages": frozenset({"vhost", "queue"}),
    "rabbitmq_queue_messages_ready": frozenset({"vhost", "queue"}),
    "rabbitmq_queue_messages_unacked": frozenset({"vhost", "queue"}),
    "rabbitmq_queue_consumers": frozenset({"vhost", "queue"}),
    "rabbitmq_identity_info": frozenset(
        {"rabbitmq_node", "rabbitmq_cluster", "rabbitmq_cluster_permanent_id"}
    ),
    "up": frozenset(),
}
# Added by Prometheus to every series it scrapes (PodMonitor defaults, plus our `component` relabeling).
TARGET_LABELS = frozenset({"job", "instance", "namespace", "pod", "container", "endpoint", "component"})

CRD_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("monitoring.coreos.com/v1", "PodMonitor"): {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "metadata": {"type": "object", "required": ["name", "namespace"]},
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "required": ["selector", "podMetricsEndpoints"],
                "properties": {
                    "selector": {"type": "object"},
                    "podMetricsEndpoints": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["port"],
                            "properties": {
                                "port": {"type": "string"},
                                "path": {"type": "string", "pattern": "^/"},
                                "interval": {"type": "string", "pattern": r"^\d+[smh]$"},
                                "scrapeTimeout": {"type": "string", "pattern": r"^\d+[smh]$"},
                                "relabelings": {"type": "array", "items": {"type": "object"}},
                            },
                        },
                    },
                },
            },
        },
    },
    ("monitoring.coreos.com/v1", "PrometheusRule"): {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "metadata": {"type": "object", "required": ["name", "namespace"]},
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "required": ["groups"],
                "properties": {
                    "groups": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name", "rules"],
                            "properties": {
                                "name": {"type": "string"},
                                "rules": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "required": ["alert", "expr", "labels", "annotations"],
                                        "properties": {
                                            "alert": {"type": "string", "pattern": "^[A-Z][A-Za-z0-9]+$"},
                                            "expr": {"type": "string", "minLength": 1},
                                            "for": {"type": "string", "pattern": r"^\d+[smh]$"},
                                            "labels": {
                                                "type": "object",
                                                "required": ["severity"],
                                                "properties": {
                                                    "severity": {"enum": ["info", "warning", "critical"]}
                                                },
                                            },
                                            "annotations": {"type": "object", "required": ["summary"]},
                                        },
                                    },
                                },
                            },
                        },
                    }
                },
            },
        },
    },
}


# ------------------------------------------------------------------------------------------ loading
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def _parse(path: Path) -> tuple[dict[str, Any], ...]:
    return tuple(doc for doc in yaml.load_all(path.read_text(), Loader=_Loader) if doc)


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    """The file's documents (parsed once per session; copies, so a test may change them)."""
    return copy.deepcopy(list(_parse(path)))


def manifest_files() -> list[Path]:
    """Every Kubernetes manifest we own (kustomization files are kustomize's, not the API's)."""
    files = sorted(K8S.rglob("*.yaml")) + sorted(RABBITMQ.rglob("*.yaml"))
    return [f for f in files if f.name != "kustomization.yaml"]


@functools.cache
def all_documents() -> tuple[tuple[Path, dict[str, Any]], ...]:
    """Every manifest, parsed once: treat as read-only (copy.deepcopy before changing one)."""
    return tuple((path, doc) for path in manifest_files() for doc in load_yaml_documents(path))


def kinds(kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in all_documents() if doc["kind"] == kind]


def by_name(kind: str, name: str) -> dict[str, Any]:
    matches = [doc for doc in kinds(kind) if doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def validate_manifest(doc: dict[str, Any]) -> None:
    """Raises if the document is not a valid object of its kind (strict: no unknown fields)."""
    schema = CRD_SCHEMAS.get((doc.get("apiVersion", ""), doc.get("kind", "")))
    if schema is not None:
        jsonschema.validate(doc, schema)
        return
    # SchemaNotFoundError for an unknown kind: nothing is skipped silently.
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(doc)
    return list(spec.get("initContainers", [])) + list(spec["containers"])


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


def labels_match(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def workloads() -> list[dict[str, Any]]:
    return kinds("Deployment") + kinds("StatefulSet") + kinds("Job")


def service_deployments() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name in SERVICES:
        for component in ("api", "worker"):
            yield name, component, by_name("Deployment", f"{name}-{component}")


# ------------------------------------------------------------------------------------ schema checks
@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_manifest_validates_against_its_schema(path: Path) -> None:
    documents = load_yaml_documents(path)
    assert documents, f"{path} is empty"
    for doc in documents:
        validate_manifest(doc)


def test_the_schema_check_rejects_a_misspelt_field_and_an_unknown_kind() -> None:
    deployment = copy.deepcopy(by_name("Deployment", "orders-api"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_manifest(deployment)
    job = copy.deepcopy(by_name("Job", "orders-migrate"))
    job["spec"]["backoffLimit"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_manifest(job)
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        validate_manifest({"apiVersion": "example.org/v1", "kind": "Gizmo", "metadata": {"name": "x"}})
    rule = copy.deepcopy(by_name("PrometheusRule", "ent-backoffice"))
    rule["spec"]["groups"][0]["rules"][0]["labels"] = {}
    with pytest.raises(jsonschema.ValidationError):
        validate_manifest(rule)


def kustomize_build(directory: Path) -> list[dict[str, Any]]:
    kubectl, kustomize = shutil.which("kubectl"), shutil.which("kustomize")
    if kubectl:
        command = [kubectl, "kustomize", str(directory)]
    elif kustomize:
        command = [kustomize, "build", str(directory)]
    else:
        pytest.skip("neither kubectl nor kustomize is installed")
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.mark.parametrize("overlay", ["production", "staging"])
def test_overlays_build_and_validate(overlay: str) -> None:
    documents = kustomize_build(K8S / "overlays" / overlay)
    for doc in documents:
        validate_manifest(doc)
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, doc["metadata"]["name"]
    present = {(doc["kind"], doc["metadata"]["name"]) for doc in documents}
    for name in SERVICES:
        for kind, resource in [
            ("Deployment", f"{name}-api"),
            ("Deployment", f"{name}-worker"),
            ("Job", f"{name}-migrate"),
            ("Service", name),
        ]:
            assert (kind, resource) in present
    assert ("StatefulSet", "rabbitmq") in present
    # The generated ConfigMap's hashed name reached the StatefulSet's volume.
    config_maps = {doc["metadata"]["name"] for doc in documents if doc["kind"] == "ConfigMap"}
    statefulset = next(doc for doc in documents if doc["kind"] == "StatefulSet")
    volume = next(v for v in pod_spec(statefulset)["volumes"] if v["name"] == "config")
    assert volume["configMap"]["name"] in config_maps
    assert volume["configMap"]["name"].startswith("rabbitmq-config-")


def test_kustomizations_reference_existing_files() -> None:
    for kustomization in [*sorted(K8S.rglob("kustomization.yaml")), RABBITMQ / "kustomization.yaml"]:
        content = yaml.safe_load(kustomization.read_text())
        for resource in content.get("resources", []):
            assert (kustomization.parent / resource).exists(), f"{kustomization}: {resource}"
        for generator in content.get("configMapGenerator", []) + content.get("secretGenerator", []):
            for file in generator.get("files", []):
                assert (kustomization.parent / file.split("=")[-1]).exists(), f"{kustomization}: {file}"
    base = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    listed = {(K8S / "base" / r).resolve() for r in base["resources"]}
    assert listed == {p.resolve() for p in (K8S / "base").glob("*.yaml") if p.name != "kustomization.yaml"}


# ------------------------------------------------------------------------------- service workloads
def test_api_and_worker_deployments_run_the_right_roles_with_probes() -> None:
    from shared.runtime import Roles

    for name, component, deployment in service_deployments():
        upper = name.upper()
        spec = pod_spec(deployment)
        [container] = spec["containers"]
        env = env_of(container)
        roles = Roles.parse(env[f"{upper}_ROLES"]["value"])
        if component == "api":
            assert (roles.api, roles.relay, roles.consumers) == (True, False, False), name
            assert "replicas" not in deployment["spec"], f"{name}-api: the HPA owns replicas"
        else:
            assert (roles.api, roles.relay, roles.consumers) == (False, True, True), name
            assert deployment["spec"]["replicas"] == WORKER_REPLICAS
        assert container["args"] == ["serve"], "never --migrate: the Job migrates"
        assert env["SERVICE"]["value"] == name
        assert env[f"{upper}_HOST"]["value"] == "0.0.0.0"
        assert env[f"{upper}_PORT"]["value"] == str(SERVICES[name])
        assert container["ports"] == [{"name": "http", "containerPort": SERVICES[name], "protocol": "TCP"}]
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        template_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert labels_match(deployment["spec"]["selector"], template_labels)
        assert template_labels["app.kubernetes.io/component"] == component
        assert template_labels["app.kubernetes.io/part-of"] == "ent-backoffice"


def test_migration_jobs_migrate_as_the_schema_owner() -> None:
    for name in SERVICES:
        job = by_name("Job", f"{name}-migrate")
        [container] = pod_spec(job)["containers"]
        assert container["args"] == ["migrate"]
        assert pod_spec(job)["restartPolicy"] == "Never"
        env = env_of(container)
        assert env["SERVICE"]["value"] == name
        ref = env[f"{name.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": f"{name}-db-migrator", "key": "url"}
        assert "ENT_AMQP_URL" not in env, "migrating needs no broker"
        image = pod_spec(by_name("Deployment", f"{name}-api"))["containers"][0]["image"]
        assert container["image"] == image


def test_every_pod_runs_non_root_with_a_read_only_root_filesystem_and_limits() -> None:
    for workload in workloads():
        spec = pod_spec(workload)
        name = workload["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        for container in containers(workload):
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), name
            assert "memory" in resources["limits"], name
        if (
            workload["metadata"]["labels"].get("app.kubernetes.io/part-of") == "ent-backoffice"
            and workload["metadata"]["name"] != "rabbitmq"
        ):
            assert spec["automountServiceAccountToken"] is False, name


def container_environment(container: dict[str, Any]) -> dict[str, str]:
    """The variables the process would see, with the Secrets' example values."""
    config_maps = {cm["metadata"]["name"]: cm["data"] for cm in kinds("ConfigMap")}
    secrets = {s["metadata"]["name"]: s["stringData"] for s in kinds("Secret")}
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        environment.update(config_maps[source["configMapRef"]["name"]])
    for name, item in env_of(container).items():
        if "value" in item:
            environment[name] = item["value"]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            environment[name] = secrets[ref["name"]][ref["key"]]
    return environment


def test_the_services_settings_accept_the_manifests_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import CommonSettings

    common = by_name("ConfigMap", "ent-common")["data"]
    unknown = {key for key in common if key.removeprefix("ENT_").lower() not in CommonSettings.model_fields}
    assert not unknown, f"ConfigMap keys no setting reads: {unknown}"
    for name, component, deployment in service_deployments():
        config = importlib.import_module(f"services.{name}.config")
        settings_class = getattr(config, f"{name.capitalize()}Settings")
        [container] = pod_spec(deployment)["containers"]
        environment = container_environment(container)
        for key in [k for k in os.environ if k.startswith(("ENT_", f"{name.upper()}_"))]:
            monkeypatch.delenv(key)
        for key, value in environment.items():
            monkeypatch.setenv(key, value)
        settings = settings_class(_env_file=None)
        assert settings.host == "0.0.0.0", name
        assert settings.port == SERVICES[name], name
        assert settings.roles == environment[f"{name.upper()}_ROLES"], (name, component)
        assert settings.environment == "production"
        assert settings.broker == "rabbitmq"
        assert settings.database_url.startswith("postgresql+asyncpg://")
        assert settings.amqp_url.endswith("/ent-backoffice")


def test_every_referenced_secret_and_config_map_exists() -> None:
    secrets = {s["metadata"]["name"]: set(s["stringData"]) for s in kinds("Secret")}
    config_maps = {cm["metadata"]["name"]: set(cm.get("data", {})) for cm in kinds("ConfigMap")}
    rabbitmq_kustomization = yaml.safe_load((RABBITMQ / "kustomization.yaml").read_text())
    for generator in rabbitmq_kustomization.get("configMapGenerator", []):
        config_maps[generator["name"]] = {Path(f).name for f in generator["files"]}
    for workload in workloads():
        for container in containers(workload):
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets.get(ref["name"], set()), ref
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps
        for volume in pod_spec(workload).get("volumes", []):
            if "secret" in volume:
                keys = {item["key"] for item in volume["secret"].get("items", [])}
                assert keys <= secrets.get(volume["secret"]["secretName"], set()), volume
            if "configMap" in volume:
                keys = {item["key"] for item in volume["configMap"].get("items", [])}
                assert keys <= config_maps.get(volume["configMap"]["name"], set()), volume


def test_example_secrets_hold_placeholders_only() -> None:
    for secret in kinds("Secret"):
        assert secret["metadata"]["namespace"] == NAMESPACE
        assert "data" not in secret, "no base64 blobs that could hide a real value"
        for key, value in secret["stringData"].items():
            assert "CHANGE_ME" in value, f"{secret['metadata']['name']}.{key} looks like a real secret"
    assert not any(
        doc["kind"] == "Secret" for path, doc in all_documents() if path.name != "secrets.example.yaml"
    ), "Secrets live in secrets.example.yaml only"
    for name in SERVICES:
        amqp = by_name("Secret", f"{name}-amqp")["stringData"]["url"]
        assert amqp.startswith(f"amqp://ent-{name}:")
        assert "@rabbitmq.ent-backoffice.svc.cluster.local:5672/" in amqp


def test_services_pdbs_and_hpas_point_at_existing_pods() -> None:
    pods = [
        (w["metadata"]["name"], w["spec"]["template"]["metadata"]["labels"], w)
        for w in kinds("Deployment") + kinds("StatefulSet")
    ]
    for service in kinds("Service"):
        selected = [
            w for _, labels, w in pods if labels_match({"matchLabels": service["spec"]["selector"]}, labels)
        ]
        assert selected, service["metadata"]["name"]
        for port in service["spec"]["ports"]:
            for workload in selected:
                names = {p["name"] for c in pod_spec(workload)["containers"] for p in c.get("ports", [])}
                assert port["targetPort"] in names, (service["metadata"]["name"], port)
        if service["metadata"]["name"] in SERVICES:
            assert [w["metadata"]["name"] for w in selected] == [f"{service['metadata']['name']}-api"]
            assert service["spec"]["ports"][0]["port"] == SERVICES[service["metadata"]["name"]]
    for pdb in kinds("PodDisruptionBudget"):
        assert [n for n, labels, _ in pods if labels_match(pdb["spec"]["selector"], labels)], pdb["metadata"]
    deployments = {d["metadata"]["name"] for d in kinds("Deployment")}
    for hpa in kinds("HorizontalPodAutoscaler"):
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
        assert hpa["spec"]["minReplicas"] >= 2


def test_network_policies_let_in_only_the_ingress_controller_and_prometheus() -> None:
    policies = kinds("NetworkPolicy")
    deny = by_name("NetworkPolicy", "default-deny-all")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}

    def rules_for(labels: dict[str, str], direction: str) -> list[dict[str, Any]]:
        return [
            rule
            for policy in policies
            if labels_match(policy["spec"]["podSelector"], labels)
            for rule in policy["spec"].get(direction, [])
        ]

    def peers(rules: list[dict[str, Any]]) -> set[str]:
        found = set()
        for rule in rules:
            for peer in rule.get("from", rule.get("to", [{"ipBlock": {"cidr": "any"}}])):
                namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {})
                if "kubernetes.io/metadata.name" in namespace:
                    found.add(namespace["kubernetes.io/metadata.name"])
                elif "ipBlock" in peer:
                    found.add("ip:" + peer["ipBlock"]["cidr"])
                else:
                    found.add("pods:" + json.dumps(peer.get("podSelector"), sort_keys=True))
        return found

    def ports(rules: list[dict[str, Any]]) -> set[Any]:
        return {port["port"] for rule in rules for port in rule.get("ports", [])}

    for name, component, deployment in service_deployments():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        ingress = rules_for(labels, "ingress")
        expected = {"ingress-nginx", "monitoring"} if component == "api" else {"monitoring"}
        assert peers(ingress) == expected, (name, component)
        assert ports(ingress) == {"http"}
        egress = rules_for(labels, "egress")
        assert {53, 5432, 5672} <= ports(egress), (name, component)
    for name in SERVICES:
        job_labels = by_name("Job", f"{name}-migrate")["spec"]["template"]["metadata"]["labels"]
        assert not rules_for(job_labels, "ingress")
        assert ports(rules_for(job_labels, "egress")) == {53, 5432}, "a Job talks to its database only"
    rabbit_labels = by_name("StatefulSet", "rabbitmq")["spec"]["template"]["metadata"]["labels"]
    assert {5672, 4369, 25672, 15692} <= ports(rules_for(rabbit_labels, "ingress"))
    assert "ingress-nginx" not in peers(rules_for(rabbit_labels, "ingress"))


def test_pod_monitors_select_every_service_pod_and_rabbitmq() -> None:
    monitors = kinds("PodMonitor")
    for _, _, deployment in service_deployments():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        [monitor] = [m for m in monitors if labels_match(m["spec"]["selector"], labels)]
        assert {e["port"] for e in monitor["spec"]["podMetricsEndpoints"]} == {"http"}
    rabbit_labels = by_name("StatefulSet", "rabbitmq")["spec"]["template"]["metadata"]["labels"]
    [monitor] = [m for m in monitors if labels_match(m["spec"]["selector"], rabbit_labels)]
    assert monitor["spec"]["podMetricsEndpoints"][0]["port"] == "prometheus"


# ------------------------------------------------------------------------------------------ Ingress
def ingress_routes() -> dict[str, str]:
    ingress = by_name("Ingress", "ent-backoffice")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    routes: dict[str, str] = {}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            assert path["pathType"] == "Prefix"
            assert path["path"] not in routes, f"{path['path']} routed twice"
            backend = path["backend"]["service"]
            assert backend["port"] == {"name": "http"}
            routes[path["path"]] = backend["name"]
    return routes


def test_ingress_routes_exactly_the_public_prefixes_to_their_services() -> None:
    routes = ingress_routes()
    expected = {prefix: service for service, prefixes in ROUTED_PREFIXES.items() for prefix in prefixes}
    assert routes == expected
    assert not any(p in routes for p in ("/healthz", "/readyz", "/metrics", "/"))


def openapi_prefixes(service: str) -> set[str]:
    """The /v1/<first segment> prefixes of the service's routes, from its OpenAPI document."""
    from shared.service import service_app

    definition = importlib.import_module(f"services.{service}.bootstrap").DEFINITION
    settings_class = getattr(
        importlib.import_module(f"services.{service}.config"), f"{service.capitalize()}Settings"
    )
    # Building the app connects to nothing: the engine and the in-process broker are lazy.
    settings = settings_class(
        database_url="postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none",
        broker="inprocess",
        roles="api",
        _env_file=None,
    )
    app = service_app(definition, settings)
    paths = app.openapi()["paths"]
    return {"/".join(path.split("/")[:3]) for path in paths if path.startswith("/v1/")}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_prefix_the_service_serves_is_routed_to_it(service: str) -> None:
    served = openapi_prefixes(service)
    assert served, f"{service} serves no /v1 route?"
    routes = ingress_routes()
    unrouted = {prefix for prefix in served if routes.get(prefix) != service}
    assert not unrouted, f"{service} serves {sorted(unrouted)}, which the Ingress does not send to it"


# ----------------------------------------------------------------------------------------- RabbitMQ
def definitions() -> dict[str, Any]:
    return json.loads((RABBITMQ / "definitions.json").read_text())


def rabbitmq_conf() -> dict[str, str]:
    conf: dict[str, str] = {}
    for line in (RABBITMQ / "rabbitmq.conf").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert key.strip() not in conf, f"{key} set twice"
            conf[key.strip()] = value.strip()
    return conf


def queue_names() -> dict[str, str]:
    """Every queue the code declares, with the x-queue-type it declares it with."""
    from shared.contracts.topology import system_topology
    from shared.messaging.rabbitmq import PARKING_QUEUE_ARGUMENTS, main_queue_arguments, retry_queue_arguments

    topology = system_topology()
    names: dict[str, str] = {}
    for queue in topology.queues:
        names[queue.name] = main_queue_arguments(queue, topology)["x-queue-type"]
        names[queue.retry_queue] = retry_queue_arguments(queue)["x-queue-type"]
        names[queue.parking_queue] = PARKING_QUEUE_ARGUMENTS["x-queue-type"]
    return names


def test_definitions_declare_the_exchanges_of_the_code() -> None:
    from shared.messaging.topology import EVENTS_EXCHANGE, RETRY_EXCHANGE, Topology

    content = definitions()
    [vhost] = [v["name"] for v in content["vhosts"]]
    exchanges = {
        (e["name"], e["type"], e["durable"], e["auto_delete"], e["vhost"]) for e in content["exchanges"]
    }
    assert exchanges == {
        (EVENTS_EXCHANGE, "topic", True, False, vhost),
        (RETRY_EXCHANGE, "direct", True, False, vhost),
    }
    assert (Topology().events_exchange, Topology().retry_exchange) == (EVENTS_EXCHANGE, RETRY_EXCHANGE)
    # The code declares its queues and bindings with arguments of its own; declaring them here too
    # would only risk a PRECONDITION_FAILED the day one side changes.
    assert content["queues"] == [] and content["bindings"] == []


def test_the_code_declares_every_queue_type_explicitly() -> None:
    types = queue_names()
    assert set(types.values()) <= {"quorum", "classic"}
    assert all(types[name] == "quorum" for name in types if not name.endswith(".parking"))
    assert "default_queue_type" not in rabbitmq_conf(), "not needed: the code sets x-queue-type"


def policy_for(name: str, queue_type: str, policies: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The policy RabbitMQ would apply: the highest priority among those whose pattern and apply-to match."""
    applies = {"quorum": {"all", "queues", "quorum_queues"}, "classic": {"all", "queues", "classic_queues"}}
    matching = [p for p in policies if p["apply-to"] in applies[queue_type] and re.search(p["pattern"], name)]
    return max(matching, key=lambda p: p["priority"]) if matching else None


def test_policies_cover_every_queue_as_the_code_expects() -> None:
    content = definitions()
    max_attempts_limit = 50  # CommonSettings.max_attempts' upper bound
    for name, queue_type in queue_names().items():
        policy = policy_for(name, queue_type, content["policies"])
        assert policy is not None, f"no policy for {name}"
        definition = policy["definition"]
        assert not any(key.startswith("ha-") for key in definition), "no classic mirroring"
        # The code's own arguments must stay in charge: a policy's dead-letter-exchange or overflow would
        # be overridden anyway, and a max-length would make publishes fail.
        assert not {"dead-letter-exchange", "dead-letter-routing-key", "overflow", "max-length"} & set(
            definition
        )
        if queue_type == "quorum":
            assert definition["queue-leader-locator"] == "balanced", name
            # Redeliveries after a crash must never dead-letter a message before our own retries do:
            # unset (3.13) or far above any max_attempts (RabbitMQ 4 defaults it to 20).
            assert definition.get("delivery-limit", 10**9) > 10 * max_attempts_limit, name


def test_the_policy_checker_notices_an_uncovered_queue() -> None:
    policies = copy.deepcopy(definitions()["policies"])
    for policy in policies:
        policy["pattern"] = policy["pattern"].replace("(orders|billing)", "(orders)")
    assert policy_for("billing.orders", "quorum", policies) is None


def test_each_service_user_may_do_what_its_code_does_and_no_more() -> None:
    from shared.contracts.topology import system_topology
    from shared.messaging.topology import EVENTS_EXCHANGE, RETRY_EXCHANGE

    content = definitions()
    users = {u["name"] for u in content["users"]}
    [vhost] = [v["name"] for v in content["vhosts"]]
    permissions = {p["user"]: p for p in content["permissions"] if p["vhost"] == vhost}
    for user in content["users"]:
        assert user["password_hash"].startswith("CHANGE_ME"), "placeholders only"
    queues = queue_names()
    consumed = {queue.name: queue.name.split(".", 1)[0] for queue in system_topology().queues}
    for service in SERVICES:
        user = f"ent-{service}"
        assert user in users
        permission = permissions[user]
        # Every service declares the whole topology at start and publishes events and parked messages.
        for name in [EVENTS_EXCHANGE, RETRY_EXCHANGE, *queues]:
            assert re.match(permission["configure"], name), (user, "configure", name)
        for name in [EVENTS_EXCHANGE, "amq.default", *queues]:
            assert re.match(permission["write"], name), (user, "write", name)
        for name in [EVENTS_EXCHANGE, RETRY_EXCHANGE]:
            assert re.match(permission["read"], name), (user, "read", name)
        for queue, owner in consumed.items():
            readable = bool(re.match(permission["read"], queue))
            assert readable == (owner == service), (user, "read", queue)
            assert bool(re.match(permission["read"], f"{queue}.parking")) == (owner == service)


def test_rabbitmq_conf_forms_the_cluster_the_statefulset_runs() -> None:
    conf = rabbitmq_conf()
    statefulset = by_name("StatefulSet", "rabbitmq")
    assert statefulset["spec"]["replicas"] == 3
    headless = by_name("Service", statefulset["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    assert conf["cluster_formation.peer_discovery_backend"] == "rabbit_peer_discovery_k8s"
    assert conf["cluster_formation.k8s.service_name"] == headless["metadata"]["name"]
    assert (
        conf["cluster_formation.k8s.hostname_suffix"]
        == f".{headless['metadata']['name']}.{NAMESPACE}.svc.cluster.local"
    )
    assert conf["quorum_queue.continuous_membership_reconciliation.target_group_size"] == "3"
    assert conf["prometheus.return_per_object_metrics"] == "true", "the dashboard needs per-queue series"
    [container] = pod_spec(statefulset)["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert conf["load_definitions"] == f"{mounts['definitions']}/definitions.json"
    env = {k: v.get("value") for k, v in env_of(container).items()}
    assert env["RABBITMQ_CONFIG_FILES"] == f"{mounts['config']}/conf.d"
    assert env["RABBITMQ_ENABLED_PLUGINS_FILE"] == f"{mounts['config']}/enabled_plugins"
    assert env["K8S_SERVICE_NAME"] == headless["metadata"]["name"]
    plugins = (RABBITMQ / "enabled_plugins").read_text().strip().strip("[].").split(",")
    assert {"rabbitmq_peer_discovery_k8s", "rabbitmq_prometheus"} <= set(plugins)
    assert int(conf["listeners.tcp.default"]) == 5672
    assert int(conf["prometheus.tcp.port"]) == 15692


# ---------------------------------------------------------------------------- metrics in PromQL
def code_metrics() -> dict[str, frozenset[str]]:
    """Every series name the code exposes (prometheus_client naming), with its labels."""
    metrics: dict[str, frozenset[str]] = {}
    for source in sorted((ROOT / "shared").rglob("*.py")) + sorted((ROOT / "services").rglob("*.py")):
        text = source.read_text()
        if "prometheus_client" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            kind = node.func.id
            if kind not in {"Counter", "Gauge", "Histogram", "Summary"} or not node.args:
                continue
            if not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                continue
            name = node.args[0].value
            label_node = node.args[2] if len(node.args) > 2 else None
            for keyword in node.keywords:
                if keyword.arg == "labelnames":
                    label_node = keyword.value
            labels = frozenset(ast.literal_eval(label_node)) if label_node is not None else frozenset()
            if kind == "Counter":
                base = name.removesuffix("_total")
                metrics[f"{base}_total"] = labels
                metrics[f"{base}_created"] = labels
            elif kind == "Gauge":
                metrics[name] = labels
            else:
                metrics[f"{name}_sum"] = metrics[f"{name}_count"] = metrics[f"{name}_created"] = labels
                if kind == "Histogram":
                    metrics[f"{name}_bucket"] = labels | {"le"}
                else:
                    metrics[name] = labels | {"quantile"}
    return metrics


PROMQL_WORDS = frozenset(
    {
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "group",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "rate",
        "irate",
        "increase",
        "delta",
        "idelta",
        "deriv",
        "changes",
        "resets",
        "histogram_quantile",
        "abs",
        "ceil",
        "floor",
        "round",
        "clamp",
        "clamp_min",
        "clamp_max",
        "absent",
        "absent_over_time",
        "avg_over_time",
        "min_over_time",
        "max_over_time",
        "sum_over_time",
        "count_over_time",
        "last_over_time",
        "quantile_over_time",
        "predict_linear",
        "time",
        "timestamp",
        "vector",
        "scalar",
        "sort",
        "sort_desc",
        "label_replace",
        "label_join",
        "inf",
        "nan",
        "label_values",
    }
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^{}]*)\}")
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")


def check_promql(expr: str, known: dict[str, frozenset[str]]) -> list[str]:
    """Problems in `expr`: metric names and label names that nothing exposes. A small PromQL reader,
    enough for our queries: selectors, grouping clauses, functions, Grafana variables."""
    problems: list[str] = []
    expr = re.sub(r"\$\{[^}]*\}|\$\w+", "VAR", expr)
    used_metrics: list[str] = []
    for metric, body in _SELECTOR.findall(expr):
        labels = {label for label, _, _ in _MATCHER.findall(body)}
        leftover = _MATCHER.sub("", body).replace(",", "").strip()
        if leftover:
            problems.append(f"unparsed matcher {leftover!r}")
        if metric:
            used_metrics.append(metric)
            allowed = known.get(metric, frozenset()) | TARGET_LABELS
            problems += [f"{metric} has no label {label!r}" for label in sorted(labels - allowed)]
    stripped = _SELECTOR.sub(lambda m: f" {m.group(1) or ''} ", expr)
    stripped = _STRING.sub(" ", stripped)
    stripped = re.sub(r"\[[^\]]*\]", " ", stripped)
    grouping_labels = {
        label.strip() for _, group in _GROUPING.findall(stripped) for label in group.split(",")
    }
    stripped = _GROUPING.sub(" ", stripped)
    stripped = re.sub(r"\b\d+(\.\d+)?(e[+-]?\d+)?\b", " ", stripped)
    for word in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", stripped):
        if word not in PROMQL_WORDS and word != "VAR":
            used_metrics.append(word)
    for metric in used_metrics:
        if metric not in known:
            problems.append(f"unknown metric {metric!r}")
    available = set(TARGET_LABELS).union(*(known.get(m, frozenset()) for m in used_metrics))
    problems += [
        f"no metric here has label {label!r}" for label in sorted(grouping_labels - {""} - available)
    ]
    return problems


def known_metrics() -> dict[str, frozenset[str]]:
    return {**code_metrics(), **EXTERNAL_METRICS}


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())

    def walk(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for panel in panels:
            yield panel
            yield from walk(panel.get("panels", []))

    queries = [target["expr"] for panel in walk(dashboard["panels"]) for target in panel.get("targets", [])]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            match = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", variable["definition"])
            assert match, variable["definition"]
            queries.append(f"sum by ({match.group(2)}) ({match.group(1)})")
    return queries


def test_code_metrics_are_found() -> None:
    metrics = code_metrics()
    assert metrics["http_request_duration_seconds_bucket"] == {"service", "method", "route", "status", "le"}
    assert metrics["consumer_messages_total"] == {"consumer", "outcome"}
    assert "outbox_pending" in metrics and "outbox_relay_lag_seconds_bucket" in metrics


def test_the_promql_checker_rejects_unknown_metrics_and_labels() -> None:
    known = known_metrics()
    assert check_promql('sum by (service) (rate(http_requests_total{status=~"5.."}[5m]))', known) == []
    assert check_promql("rate(http_request_total[5m])", known) == ["unknown metric 'http_request_total'"]
    assert check_promql('outbox_pending{servce="orders"}', known) == ["outbox_pending has no label 'servce'"]
    assert check_promql("sum by (queue) (outbox_pending)", known) == ["no metric here has label 'queue'"]
    assert check_promql("max(outbox_pending_rows)", known) == ["unknown metric 'outbox_pending_rows'"]


def test_dashboard_parses_and_uses_only_real_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    known = known_metrics()
    problems = {query: check_promql(query, known) for query in dashboard_queries()}
    assert {q: p for q, p in problems.items() if p} == {}


def test_dashboard_shows_what_the_issue_asks_for() -> None:
    text = " ".join(dashboard_queries())
    for metric in [
        "http_request_duration_seconds_bucket",
        "http_requests_total",
        "outbox_pending",
        "outbox_oldest_pending_age_seconds",
        "outbox_relay_lag_seconds_bucket",
        "outbox_publish_failures_total",
        "consumer_messages_total",
        "consumer_handle_seconds_bucket",
        "rabbitmq_queue_messages",
    ]:
        assert re.search(rf"\b{metric}\b", text), metric
    assert 'rabbitmq_queue_messages{queue=~".*parking"}' in text
    assert "by (le, service, method, route)" in text, "latency by route"


def consumer_outcomes() -> set[str]:
    """The `outcome` label values the inbox records."""
    source = (ROOT / "shared" / "messaging" / "inbox.py").read_text()
    calls = re.findall(r"CONSUMED\.labels\(([^)]*)\)", source)
    return {value for call in calls for value in re.findall(r'"(\w+)"', call)}


def test_outcome_filters_name_outcomes_the_inbox_records() -> None:
    outcomes = consumer_outcomes()
    assert outcomes == {"applied", "duplicate", "retried", "parked", "unreadable", "ignored"}
    rules = [
        rule["expr"]
        for group in by_name("PrometheusRule", "ent-backoffice")["spec"]["groups"]
        for rule in group["rules"]
    ]
    for query in dashboard_queries() + rules:
        for operator, value in re.findall(r'outcome\s*(=~|=)\s*"([^"]*)"', query):
            values = value.split("|") if operator == "=~" else [value]
            assert set(values) <= outcomes, query


def test_alert_rules_use_only_real_metrics_and_cover_the_issue() -> None:
    rule = by_name("PrometheusRule", "ent-backoffice")
    known = known_metrics()
    alerts: dict[str, str] = {}
    for group in rule["spec"]["groups"]:
        for item in group["rules"]:
            assert item["alert"] not in alerts
            alerts[item["alert"]] = item["expr"]
            assert check_promql(item["expr"], known) == [], item["alert"]
    assert re.search(
        r'rabbitmq_queue_messages\{queue=~"\.\*\\\\\.parking"\}\) > 0', alerts["EntParkedMessages"]
    )
    assert "outbox_oldest_pending_age_seconds" in alerts["EntOutboxStalled"]
    assert alerts["EntOutboxStalled"].rstrip().endswith("> 60")
    assert 'status=~"5.."' in alerts["EntHttp5xxRate"]
