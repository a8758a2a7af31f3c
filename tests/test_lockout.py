"""Login lockouts key on the client's address: REMOTE_ADDR, or behind our proxy the address it forwarded."""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from config.client_ip import forwarded_client_ip
from tests.conftest import settings_under

PROXY = "10.0.0.2"  # the reverse proxy: REMOTE_ADDR of every request behind it
CLIENT_A, CLIENT_B, ATTACKER = "198.51.100.7", "203.0.113.20", "192.0.2.66"


@pytest.fixture
def behind_proxy(settings):
    """The values DJANGO_BEHIND_PROXY=1 gives (test_it_is_what_the_proxy_setting_configures checks them)."""
    settings.AXES_CLIENT_IP_CALLABLE = "config.client_ip.forwarded_client_ip"
    settings.PROXY_COUNT = 1


def _login(client, password: str, forwarded_for: str | None, remote: str = PROXY):
    headers = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("admin:login"), {"username": "clerk", "password": password}, **headers)


def _fail_five_times(client, forwarded_for: str | None, remote: str = PROXY) -> None:
    codes = [_login(client, "wrong", forwarded_for, remote).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]


@pytest.mark.django_db
def test_behind_the_proxy_five_failures_lock_that_client_and_not_the_others(client, clerk, behind_proxy):
    _fail_five_times(client, CLIENT_A)
    assert _login(client, "x-test-password", CLIENT_A).status_code == 429
    assert _login(client, "x-test-password", CLIENT_B).status_code == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]


@pytest.mark.django_db
def test_a_forged_left_most_address_does_not_choose_whose_key_is_locked(client, clerk, behind_proxy):
    # The attacker sends "X-Forwarded-For: A"; our proxy appends the attacker's real address.
    _fail_five_times(client, f"{CLIENT_A}, {ATTACKER}")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ATTACKER]
    assert _login(client, "x-test-password", CLIENT_A).status_code == 302


@pytest.mark.django_db
def test_without_the_proxy_setting_the_header_is_ignored_and_remote_addr_is_the_key(client, clerk):
    _fail_five_times(client, CLIENT_A)
    assert _login(client, "x-test-password", CLIENT_B).status_code == 429  # same REMOTE_ADDR: as before
    assert _login(client, "x-test-password", CLIENT_B, remote="10.0.0.3").status_code == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [PROXY]


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (1, f"{CLIENT_A}", CLIENT_A),
        (1, f"{ATTACKER}, {CLIENT_A}", CLIENT_A),
        (2, f"{ATTACKER}, {CLIENT_A}, 10.0.0.9", CLIENT_A),  # two proxies: the outer one wrote A
        (1, "2001:DB8::1", "2001:db8::1"),  # one spelling per address, one key
        (2, f"{CLIENT_A}", PROXY),  # fewer hops than proxies: not through them, REMOTE_ADDR
        (1, "", PROXY),
        (1, f"{CLIENT_A}, unknown", PROXY),
        (1, None, PROXY),
    ],
)
def test_the_client_is_the_address_our_outermost_proxy_appended(settings, proxies, forwarded_for, expected):
    settings.PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert forwarded_client_ip(RequestFactory().get("/", **headers)) == expected


def test_it_is_what_the_proxy_setting_configures():
    def values(**env):
        names = settings_under(**env)
        return [names.get("AXES_CLIENT_IP_CALLABLE"), names.get("PROXY_COUNT"), names["AXES_LOCKOUT_PARAMETERS"]]

    lockout = [["username", "ip_address"]]
    assert values() == [None, None, lockout]
    assert values(DJANGO_BEHIND_PROXY="1") == ["config.client_ip.forwarded_client_ip", 1, lockout]
    assert values(DJANGO_BEHIND_PROXY="1", DJANGO_PROXY_COUNT="2") == [
        "config.client_ip.forwarded_client_ip",
        2,
        lockout,
    ]
    with pytest.raises(ImproperlyConfigured, match="DJANGO_PROXY_COUNT must be 1 or more behind a proxy"):
        settings_under(DJANGO_BEHIND_PROXY="1", DJANGO_PROXY_COUNT="0")
