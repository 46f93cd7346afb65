"""Fixtures for the accounts tests: teams with a supervisor, TOTP devices and codes."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from rapport.accounts.models import RoleSecurityPolicy
from rapport.accounts.tests.factories import TeamFactory


def totp_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows for this device right now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"


@pytest.fixture
def team_of(db):
    """team_of(supervisor) -> a new team led by that supervisor."""

    def make(supervisor=None, **fields):
        return TeamFactory(supervisor=supervisor, **fields)

    return make


@pytest.fixture
def require_second_factor(db):
    """require_second_factor("agent") -> everyone holding that role must verify TOTP."""

    def require(role: str) -> RoleSecurityPolicy:
        return RoleSecurityPolicy.objects.create(role=role, require_second_factor=True)

    return require


@pytest.fixture
def totp_device(db):
    """totp_device(user) -> a confirmed TOTP device, as after enrolment."""

    def make(user, *, confirmed: bool = True) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=confirmed)

    return make


@pytest.fixture
def client_api_as(db):
    """client_api_as(user) -> an APIClient authenticated as an existing user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make
