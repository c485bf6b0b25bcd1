"""The deployment (Containerfile, deploy/*.yaml; docs/deployment.md) agrees with the code and with Kubernetes.

- Every manifest is valid for the pinned Kubernetes version, strictly (an unknown field fails), with
  kubernetes-validate's bundled schemas (no network).
- The manifests provide what the settings need: every environment variable settings.py reads is mapped (ConfigMap,
  Secret reference, the image, or deliberately left at its default), and Django starts in production mode with
  exactly the environment a pod gets (`manage.py check --deploy`).
- The commands of the Deployments and the Job exist and parse (Django's management commands, gunicorn's options).
- The image runs as a numeric non-root user; every container is locked down the same way and writes only to the
  var volume and /tmp; the probes point at URLs the app serves and answer 200 with the probes' own headers.
"""

from __future__ import annotations

import ast
import copy
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.management import get_commands, load_command_class
from django.urls import resolve
from gunicorn.config import Config as GunicornConfig

from rondom.config import readiness

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CONTAINERFILE = ROOT / "Containerfile"
#: The Kubernetes version the manifests are checked against: within the three minor versions Haven accepts.
KUBERNETES_VERSION = "1.33.0"

#: Environment variables settings.py reads that the manifests deliberately leave out, and why. A variable the
#: settings start reading fails test_every_environment_variable_the_settings_read_is_mapped until it is placed
#: here or in the manifests.
LEFT_AT_DEFAULT = {
    "RONDOM_DEBUG": "never in production",
    "RONDOM_TEST_SQLITE": "tests only",
    "RONDOM_SSL_REDIRECT": "default on when RONDOM_SECURE=1",
    "RONDOM_HSTS_SECONDS": "default one year",
    "RONDOM_TASKS_BACKEND": "the queue stays in PostgreSQL",
    "RONDOM_EMAIL_FILE_PATH": "only for the file e-mail backend (development)",
    "RONDOM_OIDC_ISSUER_ID": "only when the broker's iss differs from its URL",
    "RONDOM_STAFF_OIDC_ISSUER_ID": "idem for the staff provider",
}
#: The domain settings (limits, rates, periods, calendar, OIDC details): their defaults are the documented ones
#: (docs/production.md); a municipality adds the ones it changes to the ConfigMap.
DOMAIN_DEFAULTS = re.compile(
    r"^RONDOM_(SESSION_SECONDS|SESSION_RENEW_SECONDS|LOGIN_.*|VERIFY_.*|NEW_CODE_RATE|API_.*|DOUBLE_SUBMIT_SECONDS|EMERGENCY_.*|"
    r"CASE_DECISION_WORKING_DAYS|SWV_DECISION_WORKING_DAYS|SIGNAL_DAILY_LIMIT.*|LIBERATION_DAY_.*|"
    r"SCHOOL_HOLIDAY_REGION|MAX_ACTIVE_HELPERS|ACCESS_GRANT_MAX_DAYS|RETENTION_YEARS|FAMILY_UPLOAD_MAX_MB|"
    r"RESEARCH_LEGAL_BASES|RESEARCH_MIN_CELL|MONITORING_MIN_CELL|ABSENCE_UPLOAD_MAX_MB|"
    r"OIDC_(BSN_CLAIM|CLAIM_SOURCE|LOA_CLAIM|MIN_LOA|LOA_REQUIRED|AUTHORIZATION_ENDPOINT|TOKEN_ENDPOINT|"
    r"USERINFO_ENDPOINT|JWKS_ENDPOINT)|"
    r"STAFF_OIDC_(CLIENT_ID|AUTHORIZATION_ENDPOINT|TOKEN_ENDPOINT|USERINFO_ENDPOINT|JWKS_ENDPOINT|SCOPES|"
    r"CLAIM_SOURCE|ORGANISATION_CLAIM|ROLE_CLAIM|ROLE_MAP|MFA_ACR_VALUES|MFA_AMR_VALUES))$"
)
#: Required in production (settings.py refuses to start without the first two when RONDOM_SECURE=1; the others are
#: what a cluster with several web pods and an external PostgreSQL needs): a non-optional Secret reference.
REQUIRED_SECRETS = {"RONDOM_SECRET_KEY", "RONDOM_FIELD_KEYS", "RONDOM_BSN_INDEX_KEY", "DATABASE_URL", "REDIS_URL"}
#: Names that hold a secret: never a literal value in a manifest.
SECRET_NAME = re.compile(r"(SECRET|_KEY|KEYS|DATABASE_URL|REDIS_URL|PASSWORD)")


# --- reading the files ------------------------------------------------------------------------------------------


def _manifest_files() -> list[Path]:
    return sorted(p for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml")


def _documents() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc)
        for path in _manifest_files()
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def _of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in _documents() if doc["kind"] == kind}


def _workloads() -> dict[str, dict[str, Any]]:
    """Pod specs of the Deployments and the Job, by name."""
    found = {name: doc["spec"]["template"]["spec"] for name, doc in _of_kind("Deployment").items()}
    found.update({name: doc["spec"]["template"]["spec"] for name, doc in _of_kind("Job").items()})
    return found


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def _configmap() -> dict[str, str]:
    return dict(_of_kind("ConfigMap")["rondom-config"]["data"])


def _containerfile_final_stage() -> list[str]:
    """The instructions of the Containerfile's last stage, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", CONTAINERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


def _image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in _containerfile_final_stage():
        if line.upper().startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", line[4:])))
    return env


def _image_cmd() -> list[str]:
    (cmd,) = [line for line in _containerfile_final_stage() if line.upper().startswith("CMD ")]
    return list(yaml.safe_load(cmd[4:]))


def _settings_env_names() -> set[str]:
    """Every environment variable settings.py reads: os.environ.get/[...], env_bool and env_list."""
    tree = ast.parse((ROOT / "src" / "rondom" / "config" / "settings.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if func in {"os.environ.get", "env_bool", "env_list", "os.getenv"}:
                names.add(node.args[0].value)
        if (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.slice, ast.Constant)
        ):
            names.add(node.slice.value)
    return names


def _secret_refs(container: dict[str, Any]) -> dict[str, bool]:
    """Variable name -> optional, for every secretKeyRef of the container."""
    return {
        item["name"]: bool(item["valueFrom"]["secretKeyRef"].get("optional", False))
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }


def _pod_environment(container: dict[str, Any], var_dir: Path) -> dict[str, str]:
    """The environment a pod's container gets: the image's ENV, the ConfigMap, a made-up value for every required
    Secret reference (a real Fernet key, a long random secret key), the var dir replaced by a writable folder."""
    env = {**_image_env(), "RONDOM_VAR_DIR": str(var_dir)}
    for source in container.get("envFrom", []):
        assert source["configMapRef"]["name"] == "rondom-config"
        env.update(_configmap())
    made_up = {
        "RONDOM_SECRET_KEY": os.urandom(32).hex(),
        "RONDOM_FIELD_KEYS": Fernet.generate_key().decode(),
        "RONDOM_BSN_INDEX_KEY": os.urandom(32).hex(),
        "DATABASE_URL": "postgres://rondom@db.invalid:5432/rondom",
        "REDIS_URL": "redis://redis.invalid:6379/0",
    }
    for name, optional in _secret_refs(container).items():
        if not optional:
            env[name] = made_up[name]
    return env


# --- schema validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "doc"), _documents(), ids=[name for name, _ in _documents()])
def test_every_manifest_is_valid_for_the_pinned_kubernetes_version_strictly(name: str, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_strict_validation_refuses_an_unknown_field() -> None:
    web = copy.deepcopy(_of_kind("Deployment")["rondom-web"])
    web["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {"path": "/ready"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest_and_names_no_namespace() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in _manifest_files())
    assert "namespace" not in kustomization
    assert all("namespace" not in doc["metadata"] for _, doc in _documents())


def test_the_documents_cover_what_the_deployment_needs() -> None:
    kinds = {doc["kind"] for _, doc in _documents()}
    assert {"Deployment", "Job", "Service", "Ingress", "ConfigMap", "PersistentVolumeClaim"} <= kinds
    assert {"PodDisruptionBudget", "NetworkPolicy", "ServiceAccount"} <= kinds
    assert "Secret" not in kinds  # secrets are referenced, never kept in the repository
    assert set(_of_kind("Deployment")) == {"rondom-web", "rondom-worker", "rondom-scheduler"}


# --- the image ----------------------------------------------------------------------------------------------------


def test_the_image_runs_as_a_numeric_non_root_user_that_the_pods_also_demand() -> None:
    users = [line.split()[1] for line in _containerfile_final_stage() if line.upper().startswith("USER ")]
    assert len(users) == 1, users
    uid, _, gid = users[0].partition(":")
    assert uid.isdigit() and int(uid) > 0 and (not gid or (gid.isdigit() and int(gid) > 0))
    for name, pod in _workloads().items():
        assert pod["securityContext"]["runAsUser"] == int(uid), name


def test_the_base_images_are_pinned_python_3_11_slim() -> None:
    froms = [line.split()[1] for line in CONTAINERFILE.read_text().splitlines() if line.upper().startswith("FROM ")]
    assert froms[-1].startswith("python:3.11.") and froms[-1].endswith("-slim-bookworm"), froms
    assert all(":" in image and not image.endswith(":latest") for image in froms), froms


def test_the_image_installs_the_lock_builds_static_files_and_messages() -> None:
    text = CONTAINERFILE.read_text()
    assert "pip install --no-compile -r /app/requirements.lock" in text
    assert "manage.py collectstatic --noinput" in text
    assert "msgfmt --check" in text and "django.po" in text
    # collectstatic finds every folder of STATICFILES_DIRS under node_modules, which the assets stage installs.
    for entry in django_settings.STATICFILES_DIRS:
        folder = Path(entry[1] if isinstance(entry, tuple) else entry)
        assert folder.is_relative_to(ROOT / "src") or folder.is_relative_to(ROOT / "node_modules"), folder


def test_the_web_command_is_the_images_default_command() -> None:
    web = _of_kind("Deployment")["rondom-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["command"] == _image_cmd()


def test_the_two_ignore_files_are_the_same() -> None:
    assert (ROOT / ".containerignore").read_text() == (ROOT / ".dockerignore").read_text()


# --- what the pods get --------------------------------------------------------------------------------------------


def test_every_environment_variable_the_settings_read_is_mapped() -> None:
    read = _settings_env_names()
    assert {"RONDOM_SECRET_KEY", "DATABASE_URL", "RONDOM_OIDC_CLIENT_ID"} <= read  # the scan finds them
    provided = set(_configmap()) | set(_image_env())
    for pod in _workloads().values():
        for container in _containers(pod):
            provided |= set(_secret_refs(container))
    unmapped = {name for name in read - provided - set(LEFT_AT_DEFAULT) if not DOMAIN_DEFAULTS.match(name)}
    assert unmapped == set()
    # Nothing in the manifests that the settings do not read (a typo would be silently ignored).
    assert (provided - set(_image_env())) - read == set()
    assert set(LEFT_AT_DEFAULT) <= read


def test_secrets_come_from_secret_references_in_every_container() -> None:
    assert not [name for name in _configmap() if SECRET_NAME.search(name) and not name.endswith("CLIENT_ID")]
    env_lists = []
    for name, pod in _workloads().items():
        for container in _containers(pod):
            refs = _secret_refs(container)
            required = {key for key, optional in refs.items() if not optional}
            assert required == REQUIRED_SECRETS, (name, container["name"])
            assert [source["configMapRef"]["name"] for source in container["envFrom"]] == ["rondom-config"]
            assert all("value" not in item for item in container["env"]), (name, container["name"])
            env_lists.append(container["env"])
    assert all(env == env_lists[0] for env in env_lists)  # the same settings for every process


# A subprocess waited for with a timeout: under libfaketime (CI's moved clock) Python's time.sleep fails with EINVAL
# while waiting, so it runs with the tests that start servers (marker "server": real clock only, .ci/run).
@pytest.mark.server
def test_django_starts_in_production_mode_with_exactly_the_pods_environment(tmp_path: Path) -> None:
    web = _of_kind("Deployment")["rondom-web"]["spec"]["template"]["spec"]["containers"][0]
    env = {"PATH": os.environ["PATH"], **_pod_environment(web, tmp_path)}
    assert env["RONDOM_SECURE"] == "1"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Settings refuse to start without their required secrets (RuntimeError); Django's deployment checks (HSTS,
    # secure cookies, SSL redirect, a strong secret key, DEBUG off) all pass. (Other apps' own warnings are theirs.)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(security." not in result.stdout + result.stderr, result.stdout + result.stderr


def test_the_commands_of_the_deployments_and_the_job_exist_and_parse() -> None:
    commands = get_commands()
    seen = set()
    for name, pod in _workloads().items():
        for container in _containers(pod):
            argv = container["command"] + container.get("args", [])
            if argv[0] == "gunicorn":
                parsed = GunicornConfig("%(prog)s [OPTIONS] [APP_MODULE]").parser().parse_args(argv[1:])
                assert parsed.args == ["rondom.config.wsgi"] and parsed.pythonpath == "src"
                assert (ROOT / parsed.pythonpath / "rondom" / "config" / "wsgi.py").is_file()
                seen.add("gunicorn")
                continue
            assert argv[:2] == ["python", "manage.py"], (name, argv)
            command = argv[2]
            assert command in commands, (name, command)
            load_command_class(commands[command], command).create_parser("manage.py", command).parse_args(argv[3:])
            seen.add(command)
    assert seen == {"gunicorn", "db_worker", "run_scheduler", "migrate"}


def test_the_scheduler_is_one_pod_replaced_not_rolled() -> None:
    scheduler = _of_kind("Deployment")["rondom-scheduler"]["spec"]
    assert scheduler["replicas"] == 1
    assert scheduler["strategy"] == {"type": "Recreate"}
    assert not [p for p in _of_kind("PodDisruptionBudget").values() if "scheduler" in str(p["spec"]["selector"])]


# --- security and file system ----------------------------------------------------------------------------------------


def test_every_pod_and_container_is_locked_down() -> None:
    for name, pod in _workloads().items():
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in _containers(pod):
            where = (name, container["name"])
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"] == {"drop": ["ALL"]}, where
            for kind in ("requests", "limits"):
                assert set(container["resources"][kind]) == {"cpu", "memory"}, where


def test_containers_write_only_to_the_var_volume_and_tmp() -> None:
    var_dir = _image_env()["RONDOM_VAR_DIR"]
    assert var_dir.startswith("/var/lib/")
    for name, pod in _workloads().items():
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        for container in _containers(pod):
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert "/tmp" in mounts and "emptyDir" in volumes[mounts["/tmp"]], (name, container["name"])
            assert set(mounts) <= {"/tmp", var_dir}, (name, container["name"])
        for container in pod["containers"]:
            assert var_dir in {mount["mountPath"] for mount in container["volumeMounts"]}, name
    # Web, worker and scheduler share one ReadWriteMany volume: uploads wait there for the worker, progress files
    # are read by the web, and the scheduler's state survives a restart.
    for name in ("rondom-web", "rondom-worker", "rondom-scheduler"):
        (volume,) = [v for v in _workloads()[name]["volumes"] if v["name"] == "var"]
        assert volume["persistentVolumeClaim"]["claimName"] == "rondom-var"
    assert _of_kind("PersistentVolumeClaim")["rondom-var"]["spec"]["accessModes"] == ["ReadWriteMany"]


# Every module that writes a file, and where: all under settings.VAR_DIR (the shared volume); anything else goes
# through tempfile (/tmp). Found by scanning the source: a new writer fails until it is looked at and listed here
# and in docs/deployment.md.
FILE_WRITERS = {
    # module that writes: (module that names the place under settings.VAR_DIR, what is written)
    "attendance/services.py": ("attendance/importer.py", "imports/<id>.upload: an absence upload, read by the worker"),
    "config/scheduler.py": ("config/scheduler.py", "scheduler.json: when each scheduled job was last enqueued"),
    "progress.py": ("progress.py", "<kind>/<id>.progress.json: the worker writes, the web page reads"),
    "roster/uploads.py": ("roster/uploads.py", "roster/<id>.upload: a roster upload, read by the worker"),
    "opp/models.py": ("opp/models.py", "uploads/: OPP attachments (FileSystemStorage)"),
    "portal/models.py": ("portal/models.py", "uploads/: families' documents (FileSystemStorage)"),
    "demo/absence.py": ("demo/absence.py", "demo/: the demo's absence file (load_demo only)"),
    "demo/rosters.py": ("demo/rosters.py", "demo/: the demo's roster file (load_demo only)"),
}
_WRITE = re.compile(
    r"\.write_text\(|\.write_bytes\(|\.mkdir\(|\.open\(\s*[\"'][wa]|FileSystemStorage\(|open\([^)]*[\"'][wa]"
)


def test_every_file_the_application_writes_is_listed_and_under_the_var_dir() -> None:
    source = ROOT / "src" / "rondom"
    writers = {
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and _WRITE.search(path.read_text())
    }
    assert writers == set(FILE_WRITERS)
    for module, (place, _what) in FILE_WRITERS.items():
        assert "settings.VAR_DIR" in (source / place).read_text(), module


# --- probes, Service, Ingress ---------------------------------------------------------------------------------------


def _web_container() -> dict[str, Any]:
    return _of_kind("Deployment")["rondom-web"]["spec"]["template"]["spec"]["containers"][0]


def test_the_probes_point_at_the_health_and_readiness_urls_the_app_serves() -> None:
    web = _web_container()
    probes = {kind: web[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert resolve(probes["livenessProbe"]["path"]).func is readiness.health
    assert resolve(probes["startupProbe"]["path"]).func is readiness.health
    assert resolve(probes["readinessProbe"]["path"]).func is readiness.ready
    ports = {port["name"]: port["containerPort"] for port in web["ports"]}
    assert all(probe["port"] in ports for probe in probes.values())
    assert web["command"][web["command"].index("--bind") + 1] == f"0.0.0.0:{ports['http']}"


@pytest.mark.django_db
def test_the_probes_get_200_with_their_own_headers_from_a_production_configured_app(client, settings) -> None:  # type: ignore[no-untyped-def]
    # As in production (RONDOM_SECURE=1): only the ConfigMap's hosts, HTTP redirected to HTTPS unless the proxy
    # header says HTTPS. A probe without the right Host or X-Forwarded-Proto would get 400 or 301, never 503.
    settings.ALLOWED_HOSTS = _configmap()["RONDOM_ALLOWED_HOSTS"].split(",")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    web = _web_container()
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        probe = web[kind]["httpGet"]
        headers = {f"HTTP_{h['name'].upper().replace('-', '_')}": h["value"] for h in probe["httpHeaders"]}
        assert client.get(probe["path"], **headers).status_code == 200, kind
    assert client.get("/ready", HTTP_HOST=settings.ALLOWED_HOSTS[0]).status_code == 301  # the headers matter


def test_the_service_and_ingress_reach_the_web_pods_on_the_configured_host() -> None:
    service = _of_kind("Service")["rondom-web"]
    web = _of_kind("Deployment")["rondom-web"]["spec"]["template"]
    assert service["spec"]["selector"].items() <= web["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    ingress = _of_kind("Ingress")["rondom"]
    hosts = _configmap()["RONDOM_ALLOWED_HOSTS"].split(",")
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == hosts
    assert ingress["spec"]["tls"][0]["hosts"] == hosts
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "rondom-web"
    body_mb = int(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"].rstrip("m"))
    assert body_mb >= django_settings.ABSENCE_UPLOAD_MAX_MB >= django_settings.FAMILY_UPLOAD_MAX_MB
    assert _configmap()["RONDOM_CSRF_TRUSTED_ORIGINS"] == ",".join(f"https://{host}" for host in hosts)


def test_the_network_policies_let_through_dns_postgresql_and_the_ingress_only() -> None:
    policies = _of_kind("NetworkPolicy")
    default = policies["rondom-default"]["spec"]
    assert default["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "rondom"}}
    assert default["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in default
    ports = {(port["protocol"], port["port"]) for rule in default["egress"] for port in rule["ports"]}
    assert {("UDP", 53), ("TCP", 53), ("TCP", 5432)} <= ports
    web = policies["rondom-web"]["spec"]
    assert [port["port"] for rule in web["ingress"] for port in rule["ports"]] == [8000]
