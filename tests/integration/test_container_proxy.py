"""The container trusts X-Forwarded-For from its proxy's address only, never from anyone."""

import ipaddress
import re

import pytest
import yaml

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
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    value = compose["services"]["app"]["environment"]["IDMEVENTS_FORWARDED_ALLOW_IPS"]
    default = re.fullmatch(r"\$\{IDMEVENTS_FORWARDED_ALLOW_IPS:-(.+)\}", value).group(1)
    (network,) = compose["networks"]["default"]["ipam"]["config"]
    assert default == network["gateway"]
    assert ipaddress.ip_address(default) in ipaddress.ip_network(network["subnet"])
    for service in compose["services"].values():
        for name, setting in (service.get("environment") or {}).items():
            assert "*" not in str(setting) or name != "IDMEVENTS_FORWARDED_ALLOW_IPS"
