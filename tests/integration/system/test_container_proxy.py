"""The container trusts X-Forwarded-For from its proxy's address only, never from anyone."""

import ipaddress
import re

import pytest

from idmevents.settings import DEFAULT_FORWARDED_ALLOW_IPS, PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


@pytest.fixture
def clean_database():
    yield


def test_dockerfile_does_not_trust_every_address():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "FORWARDED_ALLOW_IPS=*" not in dockerfile
    assert not re.search(r"FORWARDED_ALLOW_IPS\s*=?\s*[\"']?\*", dockerfile)
    # Without a value of its own, the container keeps the settings' default: its own loopback.
    assert DEFAULT_FORWARDED_ALLOW_IPS == "127.0.0.1,::1"


def test_compose_trusts_its_network_gateway_only():
    compose = (DEPLOY / "compose.yaml").read_text()
    values = re.findall(r"IDMEVENTS_FORWARDED_ALLOW_IPS: (.+)", compose)
    assert len(values) == 1
    default = re.fullmatch(r"\$\{IDMEVENTS_FORWARDED_ALLOW_IPS:-(.+)\}", values[0]).group(1)
    subnet = re.search(r"- subnet: (\S+)", compose).group(1)
    gateway = re.search(r"  gateway: (\S+)", compose).group(1)
    assert default == gateway
    assert ipaddress.ip_address(default) in ipaddress.ip_network(subnet)
