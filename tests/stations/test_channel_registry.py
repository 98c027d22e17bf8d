"""Channels are routed by name through the registry: a third channel needs no branch anywhere."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from stations.alerts.channels import CHANNELS, AddressBook, Notice
from stations.alerts.config import AlertConfig
from stations.alerts.routing import AlertScope, recipients
from stations.timeutil import VN_TZ


class SmsKind:
    """A channel the code has never heard of: a text message with the one-line summary."""

    name: ClassVar[str] = "sms"

    def address(self, contact: AddressBook) -> str | None:
        return contact.address_for(self.name)

    def payload(self, notice: Notice) -> dict[str, Any]:
        return {"text": notice.subject[:160], "key": notice.key}


def _config() -> AlertConfig:
    return AlertConfig.model_validate(
        {
            "contacts": [
                {"id": "an", "email": "an@so.vn", "addresses": {"sms": "+84912000111"}},
                {"id": "binh", "addresses": {"sms": "+84912000222"}, "channels": ["sms"]},
            ],
            "routes": [{"notify": ["an", "binh"]}],
        }
    )


def test_an_unregistered_channel_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValidationError, match=r"unknown channel.*email, webhook"):
        _config()


def test_a_registered_channel_is_routed_addressed_and_paid_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(CHANNELS, "sms", SmsKind())
    got = recipients(_config(), AlertScope("S1", None, "air", "PM2.5", "major"), "opened")
    assert {(d.contact_id, d.channel, d.address) for d in got} == {
        ("an", "email", "an@so.vn"),
        ("binh", "sms", "+84912000222"),
    }
    notice = Notice("opened", 7, "qt-1-7-sms-binh", 0, "[Quan trắc] PM2.5", "body", {}, VN_TZ)
    assert CHANNELS["sms"].payload(notice) == {"text": "[Quan trắc] PM2.5", "key": notice.key}


def test_a_channel_without_an_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CHANNELS, "sms", SmsKind())
    with pytest.raises(ValidationError, match="channel sms needs an address"):
        AlertConfig.model_validate({"contacts": [{"id": "x", "channels": ["sms"]}]})
