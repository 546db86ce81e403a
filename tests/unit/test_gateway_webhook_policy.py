"""Where webhooks may go: every non-public address refused, in every spelling the resolver reads."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from reelflow_gateway.webhooks.delivery import resolve_host
from reelflow_gateway.webhooks.policy import InvalidWebhookUrl, OutboundPolicy, parse_target, refusal

PUBLIC = OutboundPolicy()


@pytest.mark.parametrize(
    "address, reason",
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("192.0.0.8", "reserved"),
        ("192.88.99.1", "reserved"),
        ("198.18.0.1", "reserved"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "documentation"),
        ("198.51.100.10", "documentation"),
        ("203.0.113.10", "documentation"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("100::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.1.2.3", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::127.0.0.1", "loopback"),
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::a00:1", "private"),
        ("64:ff9b:1::1", "reserved"),
        ("2002:7f00:1::1", "loopback"),
        ("2002:a9fe:a9fe::1", "link-local"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused_with_their_kind(address, reason):
    assert refusal(ip_address(address)) == reason


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"],
)
def test_public_addresses_pass(address):
    assert refusal(ip_address(address)) is None
    assert PUBLIC.refusal(ip_address(address), 443) is None


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0x7F000001",
        "0177.0.0.1",
        "0177.1",
        "127.1",
        "0x7f.1",
        "017700000001",
        "::ffff:127.0.0.1",
        "::ffff:7f00:1",
        "::127.0.0.1",
        "localhost",
    ],
)
async def test_every_spelling_of_loopback_is_refused_once_resolved(host):
    addresses = await resolve_host(host, 80)
    assert addresses
    assert PUBLIC.first_refusal(addresses, 80) == "loopback"


@pytest.mark.parametrize(
    "url, host",
    [
        ("http://[::ffff:127.0.0.1]:27017/", "::ffff:127.0.0.1"),
        ("http://[::ffff:7f00:1]/", "::ffff:7f00:1"),
        ("http://2130706433/", "2130706433"),
        ("https://0x7f000001:9092/x", "0x7f000001"),
        ("http://127.1/", "127.1"),
        ("HTTP://LocalHost./hook", "localhost"),
    ],
)
async def test_urls_in_other_spellings_resolve_to_loopback_and_are_refused(url, host):
    target = parse_target(url)
    assert target.host == host
    assert PUBLIC.first_refusal(await resolve_host(target.host, target.port), target.port) == "loopback"


async def test_every_spelling_of_link_local_and_private_is_refused_once_resolved():
    for host, reason in [
        ("2852039166", "link-local"),
        ("0xa9fea9fe", "link-local"),
        ("169.254.43518", "link-local"),
        ("10.1", "private"),
        ("012.0.0.1", "private"),
        ("167772161", "private"),
        ("::ffff:a9fe:a9fe", "link-local"),
        ("0", "unspecified"),
    ]:
        assert PUBLIC.first_refusal(await resolve_host(host, 80), 80) == reason, host


def test_one_refused_address_among_public_ones_refuses_the_name():
    addresses = [ip_address("93.184.216.34"), ip_address("10.0.0.7")]
    assert PUBLIC.first_refusal(addresses, 443) == "private"


def test_allowed_networks_let_private_receivers_through_and_nothing_else():
    policy = OutboundPolicy(allowed_networks=(ip_network("10.20.0.0/16"), ip_network("127.0.0.0/8")))
    assert policy.refusal(ip_address("10.20.3.4"), 8000) is None
    assert policy.refusal(ip_address("::ffff:10.20.3.4"), 8000) is None
    assert policy.refusal(ip_address("127.0.0.1"), 8000) is None
    assert policy.refusal(ip_address("10.21.0.1"), 8000) == "private"
    assert policy.refusal(ip_address("169.254.169.254"), 80) == "link-local"
    assert policy.refusal(ip_address("::1"), 8000) == "loopback"  # an IPv4 network allows no IPv6 address


def test_the_gateway_itself_stays_refused_even_in_an_allowed_network():
    policy = OutboundPolicy(
        allowed_networks=(ip_network("127.0.0.0/8"), ip_network("10.0.0.0/8")),
        own_port=8080,
        own_addresses=frozenset({ip_address("10.0.0.5")}),
    )
    assert policy.refusal(ip_address("127.0.0.1"), 8080) == "the gateway's own"
    assert policy.refusal(ip_address("::ffff:127.0.0.1"), 8080) == "the gateway's own"
    assert policy.refusal(ip_address("0.0.0.0"), 8080) == "the gateway's own"
    assert policy.refusal(ip_address("10.0.0.5"), 8080) == "the gateway's own"
    assert policy.refusal(ip_address("127.0.0.1"), 8081) is None


@pytest.mark.parametrize(
    "url, problem",
    [
        ("ftp://example.com/x", "http or https"),
        ("file:///etc/passwd", "http or https"),
        ("gopher://127.0.0.1:6379/_INFO", "http or https"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://user@example.com/", "credentials"),
        ("http://example.com\\@127.0.0.1/", "credentials"),
        ("http:///path", "no host"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://[fe80::1%25eth0]/", "zone"),
    ],
)
def test_urls_that_cannot_be_webhooks_are_invalid(url, problem):
    with pytest.raises(InvalidWebhookUrl, match=problem):
        parse_target(url)


def test_a_target_keeps_what_the_request_needs():
    target = parse_target("https://Hooks.Example.com:8443/in/coming?token=a%20b")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.com",
        8443,
        "/in/coming?token=a%20b",
    )
    assert target.host_header == "hooks.example.com:8443"
    assert parse_target("http://[2606:4700::1]/").host_header == "[2606:4700::1]"
    assert parse_target("https://bücher.example/").host == "xn--bcher-kva.example"
    assert parse_target("http://example.com").path == "/"
