"""The SMS gateway's settings: each bad value refused with one line naming the variable."""

from __future__ import annotations

import pytest

from jingban.errors import BadInput
from jingban.settings import Settings


@pytest.mark.parametrize(
    ("env", "value", "words"),
    [
        ("JINGBAN_SMS_URL", "sms.example.cn/send", ["JINGBAN_SMS_URL", "http"]),
        ("JINGBAN_SMS_METHOD", "DELETE", ["JINGBAN_SMS_METHOD", "POST"]),
        ("JINGBAN_SMS_CONTENT_TYPE", "text/xml", ["JINGBAN_SMS_CONTENT_TYPE"]),
        ("JINGBAN_SMS_BODY", '{"to": "${mobile}"}', ["JINGBAN_SMS_BODY", "mobile"]),
        ("JINGBAN_SMS_BODY", "price $5", ["JINGBAN_SMS_BODY", "$$"]),
        ("JINGBAN_SMS_HOURS", "20:00-08:00", ["JINGBAN_SMS_HOURS", "HH:MM-HH:MM"]),
        ("JINGBAN_SMS_HOURS", "8点到20点", ["JINGBAN_SMS_HOURS"]),
        ("JINGBAN_SMS_TIMEOUT_SECONDS", "0", ["JINGBAN_SMS_TIMEOUT_SECONDS"]),
    ],
)
def test_bad_values_are_refused(env: str, value: str, words: list[str]) -> None:
    with pytest.raises(BadInput) as caught:
        Settings.from_env({env: value})
    for word in words:
        assert word in caught.value.message


def test_good_values() -> None:
    config = Settings.from_env(
        {
            "JINGBAN_SMS_URL": "https://sms.example.cn/send/",
            "JINGBAN_SMS_METHOD": "put",
            "JINGBAN_SMS_BODY": "to=${phone}&text=${text}&cost=$$0",
            "JINGBAN_SMS_HOURS": "07:30-21:00",
        }
    )
    assert config.sms_url == "https://sms.example.cn/send"
    assert (config.sms_method, config.sms_hours) == ("PUT", "07:30-21:00")
    assert Settings().sms_url is None and Settings().sms_hours == "08:00-20:00"
