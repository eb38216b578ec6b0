"""The container files agree with the code they deploy (Docker cannot run here; see docs/deployment.md).

The same topology runs for real with processes in tests/test_chroma_server.py; these checks catch
drift: a renamed setting, a package the image leaves out, a proxy that points nowhere.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from assistant.config import Settings

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "deploy" / "compose.yaml"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (service.get("environment") or {}).items() if k != "<<"}


def test_every_setting_the_compose_file_sets_exists() -> None:
    fields = {f"ASSISTANT_{name.upper()}" for name in Settings.model_fields}
    for name, service in _compose()["services"].items():
        unknown = {key for key in _environment(service) if key.startswith("ASSISTANT_")} - fields
        assert not unknown, f"service {name} sets {unknown}, which Settings does not read"


def test_instances_share_the_store_and_the_limit_and_trust_only_the_proxy() -> None:
    services = _compose()["services"]
    api = _environment(services["api"])
    assert api["ASSISTANT_STORE"] == "http" and api["ASSISTANT_CHROMA_HOST"] == "chroma"
    assert api["ASSISTANT_REDIS_URL"].startswith("redis://redis:")
    assert services["api"]["deploy"]["replicas"] >= 2
    proxy_address = ipaddress.ip_address(services["proxy"]["networks"]["backend"]["ipv4_address"])
    trusted = [ipaddress.ip_network(n.strip()) for n in api["ASSISTANT_FORWARDED_ALLOW_IPS"].split(",")]
    assert any(proxy_address in network for network in trusted)
    subnet = ipaddress.ip_network(_compose()["networks"]["backend"]["ipam"]["config"][0]["subnet"])
    assert proxy_address in subnet
    # Every service can reach the others: one network for all.
    assert all("backend" in (s.get("networks") or {}) for s in services.values())


def test_only_the_indexer_writes_and_everything_waits_for_health() -> None:
    services = _compose()["services"]
    assert services["indexer"]["command"][:3] == ["assistant", "index", "build"]
    assert "api" not in services["indexer"].get("depends_on", {})
    for name in ("api", "indexer", "proxy"):
        for dependency in services[name]["depends_on"].values():
            assert dependency["condition"] == "service_healthy", name
    for name in ("chroma", "redis", "proxy"):
        assert services[name]["healthcheck"]["test"], name
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "HEALTHCHECK" in dockerfile and "/readyz" in dockerfile  # the api image's own check


def test_the_image_carries_every_package_and_exports_its_models() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for pattern in packages["include"]:
        package = pattern.rstrip("*")
        assert re.search(rf"^COPY {package} {package}$", dockerfile, re.M), package
    assert "torch==2.13.0" in dockerfile and "assistant index export" in dockerfile


def test_the_proxy_forwards_to_the_api_port_with_the_client_chain_and_no_buffering() -> None:
    conf = (REPO / "deploy" / "nginx.conf").read_text()
    port = re.search(r"^EXPOSE (\d+)$", (REPO / "Dockerfile").read_text(), re.M)
    assert port and f"http://api:{port.group(1)}" in conf
    assert "$proxy_add_x_forwarded_for" in conf and "proxy_buffering off" in conf
