"""The packaging files, checked by the tools that read them (issue 18, item 1). No container
engine or cluster runs here, so: hadolint lints the Dockerfile; the compose file is validated
against the compose-spec JSON schema (check-jsonschema's copy), and what it refers to and the
topology it describes are checked on the YAML; the Helm chart is linted and rendered by Helm's
own Go SDK (helm-python-sdk) and each manifest validated against the
Kubernetes schemas of the oldest and newest supported versions (kubernetes-validate, strict).
The image's healthcheck script runs against a real server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml
from kubernetes_validate import utils as kubernetes

from modelyard.settings import Settings
from tests.conftest import make_settings
from tests.support import RunningServer, free_port, running_server

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "modelyard"
BIN = Path(sys.executable).parent
SECRETS = {
    "databaseUrl": "postgresql+psycopg://modelyard:pw@postgres:5432/modelyard",
    "secretKey": "fernet-key",
    "redisUrl": "redis://redis:6379/0",
}
DEADLINE = Settings.model_fields["request_deadline"].default
KUBERNETES_VERSIONS = ["1.25.0", kubernetes.latest_version()]


def _run(
    *command: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    return subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=environment | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _variable_names(text: str) -> set[str]:
    return set(re.findall(r"\bMODELYARD_([A-Z_]+)\b", text))


def _assert_settings(names: set[str], where: str) -> None:
    """Every MODELYARD_ variable set is a setting (a misspelt one would be ignored)."""
    unknown = {name for name in names if name.lower() not in Settings.model_fields}
    assert not unknown, f"{where} sets variables no setting reads: {sorted(unknown)}"


# --- Dockerfile ----------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_the_dockerfile_lints_clean() -> None:
    linted = _run(BIN / "hadolint", "--failure-threshold", "info", "Dockerfile")
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_image_is_multi_stage_slim_non_root_and_configured_by_the_environment() -> None:
    instructions = _instructions()
    stages = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert len(stages) == 2 and stages[1].endswith("AS runtime")
    base = next(rest for keyword, rest in instructions if keyword == "ARG")
    assert base.startswith("PYTHON_IMAGE=python:") and "-slim" in base
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and all(not user.startswith(("0", "root")) for user in users)
    assert ("ENTRYPOINT", '["modelyard", "serve"]') in instructions
    check = next(rest for keyword, rest in instructions if keyword == "HEALTHCHECK")
    assert check.endswith('CMD ["python", "/opt/modelyard/healthcheck.py"]')
    copied = [rest.split()[-2] for keyword, rest in instructions if keyword == "COPY"]
    assert "deploy/docker/healthcheck.py" in copied
    # Configuration from the environment only: no file of settings, and no secret baked in.
    environment = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    names = _variable_names(environment)
    _assert_settings(names, "the Dockerfile")
    assert not names & {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "METRICS_TOKEN"}
    # The build context (.dockerignore: an allow-list) holds everything the build copies.
    allowed = [
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    for source in [
        s
        for keyword, rest in instructions
        if keyword == "COPY" and "--from" not in rest
        for s in rest.split()[:-1]
    ]:
        assert any(source == a or source.startswith(a + "/") for a in allowed), source


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    settings = make_settings(tmp_path_factory.mktemp("healthcheck"), None)
    with running_server(settings, "sqlite") as running:
        yield running


def test_the_healthcheck_asks_readyz(server: RunningServer) -> None:
    script = ROOT / "deploy" / "docker" / "healthcheck.py"
    port = server.base_url.rsplit(":", 1)[1]
    assert _run(sys.executable, script, env={"MODELYARD_PORT": port}).returncode == 0
    nobody = _run(sys.executable, script, env={"MODELYARD_PORT": str(free_port())})
    assert nobody.returncode == 1


# --- compose.yaml --------------------------------------------------------------------------


def test_compose_matches_the_compose_spec_schema() -> None:
    checked = _run(
        BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", "compose.yaml"
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _compose() -> dict[str, Any]:
    """compose.yaml as Compose reads it before interpolation (anchors and ``<<`` merged)."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def _seconds(duration: str) -> int:
    """A compose duration (``2m20s``) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)([hms])", duration)
    assert "".join(n + u for n, u in parts) == duration, duration
    return sum(int(n) * units[u] for n, u in parts)


def test_compose_refers_only_to_what_it_defines() -> None:
    """What the schema cannot see: services depended on and named volumes exist."""
    loaded = _compose()
    services, volumes = loaded["services"], set(loaded["volumes"])
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services) - {name}, name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith("./") or source in volumes, (name, volume)
            if source.startswith("./"):
                assert (ROOT / source).is_file(), source


def test_compose_is_the_topology() -> None:
    services: dict[str, Any] = _compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "modelyard-1",
        "modelyard-2",
        "haproxy",
    }
    migrate = services["migrate"]
    assert migrate["entrypoint"][:3] == ["modelyard", "init", "--if-needed"]
    assert migrate["restart"] == "no"
    for name in ("modelyard-1", "modelyard-2"):
        replica = services[name]
        assert replica["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        environment = replica["environment"]
        assert environment["MODELYARD_DATABASE_URL"].endswith("@postgres:5432/modelyard")
        assert environment["MODELYARD_REDIS_URL"] == "redis://redis:6379/0"
        # The secrets are required: compose refuses to start without them, naming them.
        assert environment["MODELYARD_SECRET_KEY"].startswith("${MODELYARD_SECRET_KEY:?")
        assert ":${POSTGRES_PASSWORD:?" in environment["MODELYARD_DATABASE_URL"]
        _assert_settings({key.removeprefix("MODELYARD_") for key in environment}, "compose.yaml")
        assert replica["volumes"] == [f"{name}-data:/var/lib/modelyard"]
        # Docker's grace covers the drain and the longest call before it sends SIGKILL.
        drain = float(environment["MODELYARD_DRAIN_SECONDS"])
        deadline = float(environment.get("MODELYARD_REQUEST_DEADLINE", DEADLINE))
        assert _seconds(replica["stop_grace_period"]) >= drain + deadline
    assert migrate["environment"] == services["modelyard-1"]["environment"]
    haproxy = services["haproxy"]
    assert haproxy["volumes"] == [
        "./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"
    ]
    replicas = {haproxy["environment"][f"MODELYARD_REPLICA_{n}"] for n in (1, 2)}
    assert replicas == {"modelyard-1:8080", "modelyard-2:8080"}
    # HAProxy takes a draining replica out (two failed checks, haproxy.cfg) before it stops.
    interval = _seconds(haproxy["environment"]["MODELYARD_CHECK_INTERVAL"])
    assert "fall 2 " in (ROOT / "deploy/haproxy/haproxy.cfg").read_text()
    assert 2 * interval < float(services["modelyard-1"]["environment"]["MODELYARD_DRAIN_SECONDS"])


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="Debian's haproxy is not installed")
def test_the_haproxy_config_is_valid() -> None:
    env = {
        "MODELYARD_LB_STATIC": "1",  # addresses, so that the check looks no name up
        "MODELYARD_REPLICA_1": "127.0.0.1:18081",
        "MODELYARD_REPLICA_2": "127.0.0.1:18082",
    }
    checked = _run("haproxy", "-c", "-f", "deploy/haproxy/haproxy.cfg", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# --- the Helm chart ------------------------------------------------------------------------


def _render(values: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The chart's manifests by kind, rendered by Helm's Go SDK."""
    with helm.Chart.load(str(CHART)) as chart:
        rendered = chart.render(values, name="demo", namespace="prod")
    manifests: dict[str, list[dict[str, Any]]] = {}
    for path, text in rendered.items():
        if path.endswith(".yaml"):
            for document in yaml.safe_load_all(text):
                if document:
                    manifests.setdefault(document["kind"], []).append(document)
    return manifests


def _validate(manifests: dict[str, list[dict[str, Any]]]) -> None:
    for documents in manifests.values():
        for document in documents:
            for version in KUBERNETES_VERSIONS:
                kubernetes.validate(document, version, strict=True)


def test_the_chart_lints_without_errors() -> None:
    linted = helm.lint(str(CHART), {"secret": SECRETS})
    assert linted["errors"] == [], linted
    assert all(m["severity"] <= 1 for m in linted["messages"]), linted["messages"]  # info


def test_the_chart_renders_valid_kubernetes_manifests() -> None:
    manifests = _render({"secret": SECRETS})
    _validate(manifests)
    expected = {
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
    }
    assert set(manifests) == expected
    (deployment,) = manifests["Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert "replicas" not in deployment["spec"]  # the HPA sets them
    (config,) = manifests["ConfigMap"]
    _assert_settings({k.removeprefix("MODELYARD_") for k in config["data"]}, "the ConfigMap")
    assert config["data"]["MODELYARD_REPLICAS"] == "6"  # the HPA's maximum
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    drain = float(config["data"]["MODELYARD_DRAIN_SECONDS"])
    assert grace >= drain + float(config["data"]["MODELYARD_REQUEST_DEADLINE"])
    # The Service drops a draining pod (failed readiness probes) before the drain ends.
    probe = container["readinessProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] < drain
    (secret,) = manifests["Secret"]
    assert set(secret["stringData"]) == {
        "MODELYARD_DATABASE_URL",
        "MODELYARD_SECRET_KEY",
        "MODELYARD_REDIS_URL",
    }
    (job,) = manifests["Job"]
    hooks = job["metadata"]["annotations"]
    assert hooks["helm.sh/hook"] == "pre-install,pre-upgrade"
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert migrate["command"][:3] == ["modelyard", "init", "--if-needed"]
    assert migrate["envFrom"] == container["envFrom"]
    # The Job's settings exist before it runs: hooks of a lower weight.
    for kind in ("ConfigMap", "Secret"):
        annotations = manifests[kind][0]["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == hooks["helm.sh/hook"]
        assert int(annotations["helm.sh/hook-weight"]) < int(hooks["helm.sh/hook-weight"])
    (hpa,) = manifests["HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    (pdb,) = manifests["PodDisruptionBudget"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (service,) = manifests["Service"]
    assert service["spec"]["selector"].items() <= labels.items()


def test_the_chart_with_an_existing_secret_and_fixed_replicas() -> None:
    values = {
        "secret": {"existingSecret": "modelyard-env"},
        "autoscaling": {"enabled": False},
        "replicaCount": 3,
    }
    manifests = _render(values)
    _validate(manifests)
    assert "Secret" not in manifests and "HorizontalPodAutoscaler" not in manifests
    (deployment,) = manifests["Deployment"]
    assert deployment["spec"]["replicas"] == 3
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert {"secretRef": {"name": "modelyard-env"}} in container["envFrom"]
    assert manifests["ConfigMap"][0]["data"]["MODELYARD_REPLICAS"] == "3"


def test_the_chart_names_the_value_it_misses() -> None:
    with pytest.raises(helm.HelmError, match=r"secret\.databaseUrl"):
        _render({})
