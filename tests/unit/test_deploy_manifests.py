"""deploy/production checked offline with real schemas and against the code:

- every Kubernetes manifest in k8s/ against the Kubernetes JSON schemas kubernetes-validate
  ships (strict: an unknown field is an error), for two recent Kubernetes versions;
- compose.yaml against the Compose Specification's JSON schema, as vendored by check-jsonschema
  (`vendor.compose-spec`, from compose-spec/compose-spec's schema/compose-spec.json);
- consistency: every service of ours in compose.yaml has a Deployment and a Service; every
  variable given to a service is one of its settings (the pydantic-settings classes
  deploy/settings_reference.py documents), secrets come from the Secret only; the settings the
  services read from the manifests give the ports that are probed, exposed and scraped; the
  autoscalers stay within the partitions; create-topics.sh names every topic the services use.

Each check is also run on a broken copy, to show that it can fail."""

from __future__ import annotations

import copy
import importlib
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from check_jsonschema.builtin_schemas import get_builtin_schema
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from tests.support.built_services import SERVICES, built_runtimes

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ROOT / "deploy" / "production"
K8S = PRODUCTION / "k8s"
KUBERNETES_VERSIONS = ("1.33", kubernetes_validate.utils.latest_version())
"""A version clusters commonly run, and the newest whose schemas kubernetes-validate ships."""

Doc = dict[str, Any]


# --------------------------------------------------------------------------- loading


@cache
def manifests() -> dict[str, list[Doc]]:
    """File name -> the documents in it, for every manifest in k8s/ (the kustomization aside)."""
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


def resources(kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for docs in manifests().values() for d in docs if d["kind"] == kind}


def config_map() -> dict[str, str]:
    return resources("ConfigMap")["reelflow-config"]["data"]


def secret() -> dict[str, str]:
    return resources("Secret")["reelflow-secrets"]["stringData"]


def container(deployment: Doc) -> Doc:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    return containers[0]


def compose() -> Doc:
    return yaml.safe_load((PRODUCTION / "compose.yaml").read_text())


def compose_services() -> dict[str, Doc]:
    """Compose's services that are Reelflow services (built with a SERVICE argument)."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if "SERVICE" in (service.get("build") or {}).get("args", {})
    }


def settings_class(service: str) -> type[BaseSettings]:
    cls: type[BaseSettings] = importlib.import_module(f"reelflow_{service}.settings").Settings
    return cls


def variables_of(service: str) -> set[str]:
    return {f"REELFLOW_{name.upper()}" for name in settings_class(service).model_fields}


def secret_variables_of(service: str) -> set[str]:
    """The settings of `service` typed as secrets."""
    return {
        f"REELFLOW_{name.upper()}"
        for name, field in settings_class(service).model_fields.items()
        if SecretStr in (field.annotation, *getattr(field.annotation, "__args__", ()))
    }


# --------------------------------------------------------------------------- schemas


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("file", sorted(manifests()))
def test_every_manifest_is_valid_against_the_kubernetes_schemas(file: str, version: str) -> None:
    for doc in manifests()[file]:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_kubernetes_validation_refuses_broken_manifests() -> None:
    video = resources("Deployment")["video"]
    broken = []
    typo = copy.deepcopy(video)
    container(typo)["livenessprobe"] = container(typo).pop("livenessProbe")
    broken.append(typo)
    wrong_type = copy.deepcopy(video)
    container(wrong_type)["ports"][0]["containerPort"] = "8084"
    broken.append(wrong_type)
    no_selector = copy.deepcopy(video)
    del no_selector["spec"]["selector"]
    broken.append(no_selector)
    hpa = copy.deepcopy(resources("HorizontalPodAutoscaler")["video"])
    hpa["spec"]["maxReplicas"] = "twelve"
    broken.append(hpa)
    for doc in broken:
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)


def compose_errors(doc: Doc) -> list[str]:
    schema = get_builtin_schema("vendor.compose-spec")
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_is_valid_against_the_compose_specification() -> None:
    assert get_builtin_schema("vendor.compose-spec")["title"] == "Compose Specification"
    assert compose_errors(compose()) == []


def test_the_compose_validation_refuses_broken_files() -> None:
    typo = compose()
    typo["services"]["script"]["buld"] = typo["services"]["script"].pop("build")
    wrong_type = compose()
    wrong_type["services"]["gateway"]["ports"] = "8080:8080"
    bad_condition = compose()
    bad_condition["services"]["video"]["depends_on"]["kafka"]["condition"] = "service_ready"
    for doc in (typo, wrong_type, bad_condition):
        assert compose_errors(doc)


# --------------------------------------------------------------------------- consistency


def test_every_service_has_a_deployment_and_a_service_in_kubernetes_and_in_compose() -> None:
    assert sorted(compose_services()) == sorted(SERVICES)
    deployments, k8s_services = resources("Deployment"), resources("Service")
    assert sorted(deployments) == sorted(SERVICES)
    assert sorted(k8s_services) == sorted(SERVICES)
    for name, deployment in deployments.items():
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        # the dashboard selects by `service`, which the Kubernetes scrape job takes from this label
        assert pod_labels["app.kubernetes.io/name"] == name
        assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        assert k8s_services[name]["spec"]["selector"].items() <= pod_labels.items()
        assert compose_services()[name]["build"]["args"]["SERVICE"] == name
        assert container(deployment)["image"] == f"reelflow-{name}"


def test_every_variable_a_deployment_gives_is_a_setting_of_its_service() -> None:
    deployments = resources("Deployment")
    for name, deployment in deployments.items():
        spec = container(deployment)
        own = {variable["name"] for variable in spec.get("env", [])}
        unknown = own - variables_of(name)
        assert not unknown, f"{name}: {sorted(unknown)} are no settings of the {name} service"
        assert [source["configMapRef"]["name"] for source in spec["envFrom"]] == ["reelflow-config"]
    readers = set(deployments)
    for variable in config_map():
        assert any(variable in variables_of(s) for s in readers), f"ConfigMap: {variable} is no service's setting"


def test_every_variable_compose_gives_a_service_is_one_of_its_settings() -> None:
    for name, service in compose_services().items():
        unknown = set(service["environment"]) - variables_of(name)
        assert not unknown, f"compose {name}: {sorted(unknown)} are no settings of the {name} service"


def test_secrets_come_from_the_secret_which_holds_placeholders_only() -> None:
    held = secret()
    for value in held.values():
        assert value == "" or value.startswith("REPLACE_ME"), "secret.yaml holds placeholders, never a secret"
    for name, deployment in resources("Deployment").items():
        env = container(deployment).get("env", [])
        from_secret = {v["name"] for v in env if "secretKeyRef" in v.get("valueFrom", {})}
        for variable in env:
            if ref := variable.get("valueFrom", {}).get("secretKeyRef"):
                assert ref["name"] == "reelflow-secrets"
                assert ref["key"] == variable["name"] and ref["key"] in held
        plain = {v["name"] for v in env if "value" in v} | set(config_map())
        secrets_here = secret_variables_of(name) | {"REELFLOW_MONGO_URI"}
        assert not (plain & secrets_here), f"{name}: secrets given in plain text"
        needed = secret_variables_of(name) & set(held)
        assert needed <= from_secret, f"{name} does not read {sorted(needed - from_secret)} from the Secret"


def env_of(deployment: Doc) -> dict[str, str]:
    """What the container's environment holds: the ConfigMap, then its own variables (a
    Secret's placeholder where it reads the Secret)."""
    env = dict(config_map())
    for variable in container(deployment).get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        else:
            env[variable["name"]] = secret()[variable["valueFrom"]["secretKeyRef"]["key"]]
    return env


def settings_from(service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in list(os.environ):
        if name.upper().startswith("REELFLOW_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return settings_class(service)()


def served_port(service: str, settings: Any) -> int:
    """Where the service serves /healthz and /metrics: the gateway on its HTTP port, the others
    on their health port."""
    port = settings.http_port if service == "gateway" else settings.health_port
    assert isinstance(port, int)
    return port


def test_the_settings_read_from_the_manifests_give_the_ports_exposed_probed_and_scraped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    k8s_services = resources("Service")
    for name, deployment in resources("Deployment").items():
        settings = settings_from(name, env_of(deployment), monkeypatch)
        port = served_port(name, settings)
        assert port > 0
        assert (settings.http_host if name == "gateway" else settings.health_host) == "0.0.0.0"
        spec = container(deployment)
        ports = {p["name"]: p["containerPort"] for p in spec["ports"]}
        assert list(ports.values()) == [port], f"{name} listens on {port}, exposes {ports}"
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = spec[probe]["httpGet"]
            assert get["path"] == "/healthz"
            assert ports.get(get["port"], get["port"]) == port, f"{name} {probe} on {get['port']}"
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        assert int(annotations["prometheus.io/port"]) == port
        (service_port,) = k8s_services[name]["spec"]["ports"]
        target = service_port["targetPort"]
        assert ports.get(target, target) == port


def test_a_probe_on_another_port_than_the_service_listens_on_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    deployment = copy.deepcopy(resources("Deployment")["scene"])
    for variable in container(deployment)["env"]:
        if variable["name"] == "REELFLOW_HEALTH_PORT":
            variable["value"] = "9000"
    settings = settings_from("scene", env_of(deployment), monkeypatch)
    assert served_port("scene", settings) != container(deployment)["ports"][0]["containerPort"]


def interpolated(value: str) -> str:
    """Compose's `${VAR:-default}` is its default, `${VAR:?message}` a stand-in (required)."""

    def one(match: re.Match[str]) -> str:
        kind, rest = match.group(2), match.group(3)
        return rest if kind == "-" else "set-by-the-operator"

    return re.sub(r"\$\{(\w+):?([-?])([^}]*)\}", one, value)


def compose_env(service: Doc) -> dict[str, str]:
    return {name: interpolated(str(value)) for name, value in service["environment"].items()}


def health_checked_port(env: dict[str, str]) -> int:
    """The port compose.yaml's healthcheck asks, as its command picks it."""
    return int(env.get("REELFLOW_HEALTH_PORT", env.get("REELFLOW_HTTP_PORT", "8080")))


def scrape_ports() -> dict[str, int]:
    """prometheus.yml: service label -> the port its targets are scraped on."""
    found = {}
    for job in yaml.safe_load((PRODUCTION / "prometheus.yml").read_text())["scrape_configs"]:
        (sd,) = job["dns_sd_configs"]
        (label,) = [r["replacement"] for r in job["relabel_configs"] if r["target_label"] == "service"]
        assert sd["names"] == [label] and job.get("metrics_path", "/metrics") == "/metrics"
        found[label] = sd["port"]
    return found


def test_compose_checks_and_scrapes_each_service_where_its_settings_make_it_listen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    healthcheck = compose()["x-service"]["healthcheck"]["test"]
    assert "REELFLOW_HEALTH_PORT" in healthcheck[-1] and "/healthz" in healthcheck[-1]
    assert sorted(scrape_ports()) == sorted(SERVICES)
    for name, service in compose_services().items():
        env = compose_env(service)
        port = served_port(name, settings_from(name, env, monkeypatch))
        assert health_checked_port(env) == port, f"compose's healthcheck of {name} asks another port than {port}"
        assert scrape_ports()[name] == port
    assert compose_services()["gateway"]["ports"] == ["8080:8080"]


def test_the_compose_check_finds_a_worker_without_its_health_port(monkeypatch: pytest.MonkeyPatch) -> None:
    env = compose_env(compose_services()["image"])
    del env["REELFLOW_HEALTH_PORT"]  # as compose.yaml had it: the image service listens on 8083
    assert health_checked_port(env) != served_port("image", settings_from("image", env, monkeypatch))


def test_the_video_service_renders_with_as_many_ffmpeg_processes_as_its_cpu_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    video = resources("Deployment")["video"]
    settings = settings_from("video", env_of(video), monkeypatch)
    limits, requests = container(video)["resources"]["limits"], container(video)["resources"]["requests"]
    assert settings.render_parallel_pieces == int(limits["cpu"]) == int(requests["cpu"])
    assert str(settings.workdir).startswith("/tmp/")  # on the emptyDir: the root file system is read-only
    assert any(m["mountPath"] == "/tmp" for m in container(video)["volumeMounts"])


def quantity(value: str) -> float:
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for unit, factor in units.items():
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def test_every_container_requests_and_limits_cpu_and_memory_and_the_video_service_gets_most() -> None:
    sized = {}
    for name, deployment in resources("Deployment").items():
        spec = container(deployment)
        assert spec["securityContext"]["readOnlyRootFilesystem"] is True
        res = spec["resources"]
        for what in ("cpu", "memory"):
            assert quantity(res["requests"][what]) <= quantity(res["limits"][what]), f"{name} {what}"
        sized[name] = (quantity(res["requests"]["cpu"]), quantity(res["limits"]["memory"]))
    cpu, memory = sized["video"]
    assert all(cpu >= other_cpu and memory >= other_memory for other_cpu, other_memory in sized.values())


def test_the_autoscalers_scale_the_image_and_video_services_within_the_partitions() -> None:
    partitions = int(config_map()["REELFLOW_KAFKA_PARTITIONS"])
    autoscalers = resources("HorizontalPodAutoscaler")
    assert sorted(autoscalers) == ["image", "video"]
    deployments = resources("Deployment")
    for name, hpa in autoscalers.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions
        assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
        assert "replicas" not in deployments[name]["spec"], f"{name}: the autoscaler owns replicas"
    for name in set(deployments) - set(autoscalers):
        assert deployments[name]["spec"]["replicas"] <= partitions


def test_the_kustomization_lists_every_manifest_but_the_placeholder_secret_and_every_image() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(set(manifests()) - {"secret.yaml"})
    images = {container(d)["image"] for d in resources("Deployment").values()}
    assert {i["name"] for i in kustomization["images"]} == images
    namespaces = {
        d["metadata"].get("namespace") for docs in manifests().values() for d in docs if d["kind"] != "Namespace"
    }
    assert namespaces == set(resources("Namespace"))


def test_create_topics_names_every_topic_the_services_use() -> None:
    script = (PRODUCTION / "create-topics.sh").read_text()
    listed = re.search(r"for topic in \\\n(.*?)\ndo\n", script, re.S)
    assert listed is not None
    topics = set(listed.group(1).replace("\\", " ").split())
    used = set().union(*(runtime.topics for runtime in built_runtimes().values()))
    assert topics == used
    assert f'PARTITIONS="${{PARTITIONS:-{config_map()["REELFLOW_KAFKA_PARTITIONS"]}}}"' in script


def test_the_kubernetes_scrape_job_finds_the_pods_by_the_annotations_and_labels_they_carry() -> None:
    (job,) = yaml.safe_load((PRODUCTION / "prometheus-kubernetes.yml").read_text())["scrape_configs"]
    (discovery,) = job["kubernetes_sd_configs"]
    assert discovery["role"] == "pod"
    assert discovery["namespaces"]["names"] == sorted(resources("Namespace"))
    read = {label for rule in job["relabel_configs"] for label in rule.get("source_labels", [])}
    written = {r["target_label"]: r.get("source_labels") for r in job["relabel_configs"] if "target_label" in r}
    for deployment in resources("Deployment").values():
        template = deployment["spec"]["template"]["metadata"]
        for annotation in template["annotations"]:
            # Prometheus names a pod's annotation `__meta_kubernetes_pod_annotation_<name, sanitized>`
            assert "__meta_kubernetes_pod_annotation_" + re.sub(r"\W", "_", annotation) in read
    (service_from,) = written["service"]
    assert service_from == "__meta_kubernetes_pod_label_" + re.sub(r"\W", "_", "app.kubernetes.io/name")
