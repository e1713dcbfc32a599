"""The deployment files, checked without Docker: docker-compose.yml, .env.example, Dockerfiles."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

# Official images of the Milvus standalone stack, by service role.
OFFICIAL_IMAGES = {
    "etcd": "quay.io/coreos/etcd",
    "minio": "minio/minio",
    "milvus": "milvusdb/milvus",
}
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?err}` and bare `$NAME`;
# `$$` is Compose's escaped dollar. Matched in the parsed file, so comments don't count.
VAR_RE = re.compile(r"(?<!\$)\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)|(?P<bare>[A-Za-z_]\w*))")
DEFAULT_RE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):?-(?P<default>[^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = compose.get("services")
    assert isinstance(found, dict) and found
    return found


def service_by_image(services: dict[str, dict[str, Any]], repo: str) -> tuple[str, dict[str, Any]]:
    """The one service whose image is `repo:<tag>`."""
    matches = [
        (name, svc)
        for name, svc in services.items()
        if str(svc.get("image", "")).rsplit(":", 1)[0] == repo
    ]
    assert len(matches) == 1, f"expected one service running {repo}, got {matches}"
    return matches[0]


def milvus_service(services: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    return service_by_image(services, OFFICIAL_IMAGES["milvus"])


def env_dict(svc: dict[str, Any]) -> dict[str, str]:
    """A service's `environment`, from either the mapping or the list form."""
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def container_ports(svc: dict[str, Any]) -> set[int]:
    """Container-side ports of `ports`, short (`[ip:]host:container[/proto]`) or long form."""
    result = set()
    for entry in svc.get("ports", []):
        if isinstance(entry, dict):
            result.add(int(entry["target"]))
        else:
            result.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    return result


def is_long_running(svc: dict[str, Any]) -> bool:
    """One-shot jobs say so with `restart: "no"`; everything else stays up."""
    return str(svc.get("restart", "")).lower() not in {"no", "false"}


def compose_strings(node: Any) -> list[str]:
    """Every string of the parsed compose file, keys included: what Compose interpolates."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in compose_strings(k) + compose_strings(v)]
    if isinstance(node, list):
        return [s for item in node for s in compose_strings(item)]
    return [node] if isinstance(node, str) else []


def env_example() -> dict[str, str]:
    """NAME=value assignments of .env.example (comments and blank lines skipped)."""
    result = {}
    for raw in ENV_EXAMPLE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f".env.example: not NAME=value: {raw!r}"
        result[name.strip()] = value.strip()
    return result


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuations joined."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not current):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, args = current.strip().partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        current = ""
    return instructions


# --- services and images --------------------------------------------------------


def test_services_of_the_stack_exist(services):
    for role in ("etcd", "minio"):
        assert role in services
        assert str(services[role]["image"]).startswith(OFFICIAL_IMAGES[role] + ":")
    name, _ = milvus_service(services)
    assert name in {"standalone", "milvus"}
    assert {"api", "indexer"} <= services.keys()


def test_images_are_official_and_pinned(services):
    for repo in OFFICIAL_IMAGES.values():
        name, svc = service_by_image(services, repo)
        tag = str(svc["image"]).rsplit(":", 1)[1]
        assert tag and tag != "latest", f"{name}: unpinned image {svc['image']}"
    assert re.fullmatch(r"v2\.6\.\d+", str(milvus_service(services)[1]["image"]).split(":")[1])
    for name, svc in services.items():
        image = svc.get("image")
        if image is None:
            assert "build" in svc, f"{name}: neither image nor build"
            continue
        assert ":" in str(image).rsplit("/", 1)[-1], f"{name}: image without a tag: {image}"
        assert not str(image).endswith(":latest"), f"{name}: {image}"


def test_milvus_runs_standalone_with_its_dependencies(services):
    _, milvus = milvus_service(services)
    assert milvus["command"] == ["milvus", "run", "standalone"]
    assert container_ports(milvus) >= {19530, 9091}
    depends = milvus.get("depends_on", [])
    assert {"etcd", "minio"} <= set(depends if isinstance(depends, list) else depends.keys())
    env = env_dict(milvus)
    assert env["ETCD_ENDPOINTS"] == "etcd:2379"
    assert env["MINIO_ADDRESS"] == "minio:9000"
    for role in ("etcd", "minio", milvus_service(services)[0]):
        for volume in services[role]["volumes"]:
            assert str(volume).startswith("${DOCKER_VOLUME_DIRECTORY:-.}/volumes/"), volume


def test_health_checks_of_the_stack(services):
    assert services["etcd"]["healthcheck"]["test"] == ["CMD", "etcdctl", "endpoint", "health"]
    assert "http://localhost:9000/minio/health/live" in services["minio"]["healthcheck"]["test"]
    milvus_test = milvus_service(services)[1]["healthcheck"]["test"]
    assert "http://localhost:9091/healthz" in milvus_test


def test_every_long_running_service_has_a_healthcheck(services):
    long_running = [name for name, svc in services.items() if is_long_running(svc)]
    assert {"etcd", "minio", "api", milvus_service(services)[0]} <= set(long_running)
    for name in long_running:
        check = services[name].get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), name


# --- api and indexer --------------------------------------------------------------


def test_api_waits_for_healthy_milvus_and_maps_8000(services):
    api = services["api"]
    milvus_name, _ = milvus_service(services)
    assert api["depends_on"][milvus_name]["condition"] == "service_healthy"
    assert 8000 in container_ports(api)
    assert any(str(p).startswith("${CORPUSMAP_API_PORT:-8000}:") for p in api["ports"])
    assert api["build"]["context"] == "."
    assert (api["build"]["dockerfile"], api["build"]["target"]) == ("Dockerfile", "api")
    command = api["command"]
    command = command if isinstance(command, list) else str(command).split()
    assert command[:2] == ["corpusmap", "serve"]
    assert "--workers" in command and "0.0.0.0" in command
    check = " ".join(api["healthcheck"]["test"])
    assert ":8000/ready" in check


def test_indexer_is_a_one_shot_job_on_demand(services):
    indexer = services["indexer"]
    milvus_name, _ = milvus_service(services)
    assert indexer["profiles"] == ["index"]
    assert str(indexer["restart"]) == "no"
    assert indexer["depends_on"][milvus_name]["condition"] == "service_healthy"
    assert (indexer["build"]["dockerfile"], indexer["build"]["target"]) == ("Dockerfile", "indexer")
    assert "${CORPUS_DIR:-./corpus}:/corpus:ro" in indexer["volumes"]
    command = indexer["command"]
    command = command if isinstance(command, list) else str(command).split()
    assert command[:3] == ["corpusmap", "index", "/corpus"]
    assert "--preset" in command and "--collection" in command


@pytest.mark.parametrize("name", ["api", "indexer"])
def test_apps_reach_milvus_by_service_name(services, name):
    milvus_name, milvus = milvus_service(services)
    env = env_dict(services[name])
    uri = env["CORPUSMAP_MILVUS_URI"]
    aliases = {milvus_name, milvus.get("hostname"), milvus.get("container_name")}
    match = re.fullmatch(r"https?://(?P<host>[^:/]+):(?P<port>\d+)/?", uri)
    assert match, uri
    assert match["host"] in aliases and int(match["port"]) == 19530
    assert "CORPUSMAP_MILVUS_TOKEN" in env
    assert env["CORPUSMAP_DATA_DIR"] == "/data"
    assert any(str(v).endswith(":/data") for v in services[name]["volumes"])


def test_api_and_indexer_share_the_data_volume(compose, services):
    def data_source(name: str) -> str:
        (source,) = [str(v).split(":")[0] for v in services[name]["volumes"] if ":/data" in str(v)]
        return source

    assert data_source("api") == data_source("indexer")
    if not data_source("api").startswith((".", "/", "$")):
        assert data_source("api") in (compose.get("volumes") or {})


def test_default_network_is_defined(compose):
    assert "default" in compose["networks"]


# --- .env.example ------------------------------------------------------------------


def test_every_variable_is_documented_in_env_example(compose):
    used = {m["braced"] or m["bare"] for s in compose_strings(compose) for m in VAR_RE.finditer(s)}
    assert used, "the compose file reads no variables?"
    documented = env_example()
    missing = sorted(used - documented.keys())
    assert not missing, f"not in .env.example: {missing}"
    unused = sorted(documented.keys() - used)
    assert not unused, f".env.example documents variables the compose file never reads: {unused}"


def test_env_example_defaults_match_the_compose_file(compose):
    documented = env_example()
    defaults: dict[str, set[str]] = {}
    for m in (m for s in compose_strings(compose) for m in DEFAULT_RE.finditer(s)):
        defaults.setdefault(m["name"], set()).add(m["default"])
    for name, values in defaults.items():
        assert len(values) == 1, f"{name} has several defaults in the compose file: {values}"
        assert documented[name] == values.pop(), name


def test_env_example_comments_every_variable():
    """Each NAME=value stands in a paragraph (lines between blank ones) with a comment."""
    for paragraph in ENV_EXAMPLE.read_text().split("\n\n"):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if any(not line.startswith("#") for line in lines):
            assert any(line.startswith("#") for line in lines), f"uncommented: {lines}"


# --- Dockerfiles ------------------------------------------------------------------


def test_dockerfile_is_slim_cpu_and_non_root():
    path = DOCKERFILE
    assert path.is_file()
    instructions = dockerfile_instructions(path)
    froms = [args for kw, args in instructions if kw == "FROM"]
    bases = [f.split()[0] for f in froms]
    stages = {f.split()[-1] for f in froms if " AS " in f.upper()}
    assert bases and all(b == "python:3.11-slim" or b in stages for b in bases)
    assert {"api", "indexer"} <= stages
    runs = " ".join(args for kw, args in instructions if kw == "RUN")
    assert f"pip install torch==2.13.0 --index-url {CPU_TORCH_INDEX}" in runs
    assert re.search(r"pip install \.(\s|$)", runs)
    assert runs.index(CPU_TORCH_INDEX) < runs.index("pip install .")
    envs = " ".join(args for kw, args in instructions if kw == "ENV")
    assert "HF_HUB_OFFLINE=1" in envs
    users = [args for kw, args in instructions if kw == "USER"]
    assert users and users[-1] not in {"root", "0"}


def test_api_target_exposes_8000():
    exposed = [args for kw, args in dockerfile_instructions(DOCKERFILE) if kw == "EXPOSE"]
    assert "8000" in " ".join(exposed).split()


def test_dockerfile_copy_sources_exist():
    path = DOCKERFILE
    copied = []
    for keyword, args in dockerfile_instructions(path):
        if keyword not in {"COPY", "ADD"} or "--from=" in args:
            continue  # `COPY --from=stage` copies from a build stage, not the context
        *sources, _dest = [w for w in args.split() if not w.startswith("--")]
        copied += sources
        for source in sources:
            assert (ROOT / source).exists(), (
                f"{path.relative_to(ROOT)}: COPY source {source} is not in the repo"
            )
    assert {"pyproject.toml", "README.md", "src", "indexer", "api"} <= {
        s.rstrip("/") for s in copied
    }


def test_dockerignore_keeps_the_context_small():
    ignored = {
        line.strip().strip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "data", "models", ".git", ".pytest_cache", ".mypy_cache"} <= ignored
    # What the Dockerfiles copy must not be ignored.
    assert not ignored & {"pyproject.toml", "README.md", "src", "indexer", "api"}


# --- docker compose itself, when it is installed -------------------------------------


def test_docker_compose_config_validates():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker CLI not installed")
    version = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, timeout=60, check=False
    )
    if version.returncode != 0:
        reason = (version.stderr.strip().splitlines() or ["no output"])[0]
        pytest.skip(f"docker compose plugin not available ({reason})")
    # `config` only parses and interpolates: no daemon is needed. An empty env file
    # makes it use the compose file's own defaults, not a developer's .env.
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "--env-file", "/dev/null", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
