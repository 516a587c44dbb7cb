"""Alert channels against real loopback servers, and the alert and digest messages."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import time
import urllib.parse
from email.message import EmailMessage
from typing import TYPE_CHECKING

import pytest

from jingban.errors import BadInput
from jingban.scheduler.notify import (
    WECOM_MARKDOWN_LIMIT,
    ChannelConfigError,
    DeliveryError,
    DigestRow,
    EmailChannel,
    Message,
    WebhookChannel,
    alert_message,
    backoff,
    channel_from_config,
    digest_message,
)

if TYPE_CHECKING:  # fixtures' types, from this directory's conftest.py
    from conftest import RobotServer, SmtpServer

# The AUTH server is loopback-only, so AUTH without TLS is deliberate there.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

UTC = dt.UTC
DUE = dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 20:00 Beijing time
ID_NUMBER = re.compile(r"\d{17}[\dX]")
SENDER = "经办系统 <jingban@ybj.example.cn>"
RECIPIENTS = ("kezhang@ybj.example.cn", "zhuguan@ybj.example.cn")


def red_alert() -> Message:
    return alert_message(
        level="red",
        case_no="KS-20261123-00042-K",
        item_name="门诊费用报销",
        region_name="喀什地区",
        due_kind="statutory",
        due_at=DUE,
        working_days_left=-2,
        office="喀什市医疗保障事务中心",
    )


def email_channel(server: SmtpServer, **overrides: object) -> EmailChannel:
    settings: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "sender": SENDER,
        "recipients": RECIPIENTS,
        "timeout": 5.0,
    }
    settings.update(overrides)
    return EmailChannel(**settings)  # type: ignore[arg-type]


def html_part(mail: EmailMessage) -> str:
    part = mail.get_body(("html",))
    assert part is not None
    return str(part.get_content())


# --- e-mail ---------------------------------------------------------------------------


def test_email_arrives_with_utf8_subject_both_parts_and_every_recipient(
    smtp_server: SmtpServer,
) -> None:
    message = red_alert()
    email_channel(smtp_server).send(message)

    (got,) = smtp_server.received
    assert got.mail_from == "jingban@ybj.example.cn"
    assert got.rcpt_tos == list(RECIPIENTS)
    assert b"=?utf-8?" in got.raw.split(b"\r\n\r\n", 1)[0]  # headers travel RFC 2047-encoded
    mail = got.message
    assert mail["Subject"] == "【红牌】KS-20261123-00042-K 门诊费用报销 已超过法定时限"
    assert mail["From"].addresses[0].display_name == "经办系统"
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",))
    assert plain is not None and plain.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == message.text
    html = html_part(mail)
    assert "<strong>办件编号</strong>：KS-20261123-00042-K" in html
    assert "<li>" in html and "2026-11-23 20:00" in html


def test_email_html_escapes_text_and_renders_bold_lists_paragraphs(
    smtp_server: SmtpServer,
) -> None:
    markdown = "### 标题 & 说明\n\n**注意** <script>alert(1)</script>\n第二行\n\n- 一\n- **二**"
    email_channel(smtp_server).send(Message("测试", markdown, "测试"))
    html = html_part(smtp_server.received[0].message)
    assert "<script>" not in html
    assert "<h3>标题 &amp; 说明</h3>" in html
    assert "<p><strong>注意</strong> &lt;script&gt;alert(1)&lt;/script&gt;<br>第二行</p>" in html
    assert "<ul><li>一</li><li><strong>二</strong></li></ul>" in html


def test_email_refused_recipient_is_a_permanent_failure(smtp_server: SmtpServer) -> None:
    smtp_server.rcpt_reply = "554 5.7.1 Recipient address rejected"
    with pytest.raises(DeliveryError) as caught:
        email_channel(smtp_server).send(red_alert())
    assert not caught.value.retryable
    assert "kezhang@ybj.example.cn" in caught.value.message
    assert smtp_server.received == []


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [("554 5.6.0 Message rejected", False), ("451 4.3.0 Try again later", True)],
)
def test_email_refused_data(smtp_server: SmtpServer, reply: str, retryable: bool) -> None:
    smtp_server.data_reply = reply
    with pytest.raises(DeliveryError) as caught:
        email_channel(smtp_server).send(red_alert())
    assert caught.value.retryable is retryable
    assert reply[:3] in caught.value.message


def test_email_connection_refused_is_retryable(closed_port: int) -> None:
    channel = EmailChannel("127.0.0.1", closed_port, SENDER, RECIPIENTS, timeout=2.0)
    with pytest.raises(DeliveryError) as caught:
        channel.send(red_alert())
    assert caught.value.retryable


def test_email_starttls_on_a_server_without_it_is_a_permanent_failure(
    smtp_server: SmtpServer,
) -> None:
    with pytest.raises(DeliveryError) as caught:
        email_channel(smtp_server, starttls=True).send(red_alert())
    assert not caught.value.retryable
    assert smtp_server.received == []


def test_email_login(smtp_auth_server: SmtpServer) -> None:
    assert smtp_auth_server.credentials is not None
    user, password = smtp_auth_server.credentials
    channel = email_channel(smtp_auth_server, username=user, password=password)
    channel.send(red_alert())
    assert len(smtp_auth_server.received) == 1
    assert password not in repr(channel)


def test_email_password_smtplib_cannot_send_is_a_permanent_failure(
    smtp_auth_server: SmtpServer,
) -> None:
    channel = email_channel(smtp_auth_server, username="jingban", password="口令")
    with pytest.raises(DeliveryError) as caught:
        channel.send(red_alert())
    assert not caught.value.retryable


def test_email_wrong_password_is_a_permanent_failure(smtp_auth_server: SmtpServer) -> None:
    assert smtp_auth_server.credentials is not None
    user = smtp_auth_server.credentials[0]
    channel = email_channel(smtp_auth_server, username=user, password="wrong")
    with pytest.raises(DeliveryError) as caught:
        channel.send(red_alert())
    assert not caught.value.retryable
    assert "535" in caught.value.message
    assert smtp_auth_server.received == []


# --- group robots -------------------------------------------------------------------------


def test_wecom_body(robot: RobotServer) -> None:
    message = red_alert()
    channel = WebhookChannel(robot.url(), "wecom", timeout=5.0)
    channel.send(message)
    (posted,) = robot.posts
    assert posted.body == {"msgtype": "markdown", "markdown": {"content": message.markdown}}
    assert posted.path == "/cgi-bin/webhook/send" and posted.query == "key=test-key"
    assert posted.headers["Content-Type"] == "application/json; charset=utf-8"
    assert channel.kind == "wecom"


def test_wecom_long_markdown_is_cut_to_the_robot_limit(robot: RobotServer) -> None:
    lines = "\n".join(f"- KS-20261123-{n:05d}-K 门诊费用报销 已超期" for n in range(300))
    WebhookChannel(robot.url(), "wecom", timeout=5.0).send(Message("汇总", lines, lines))
    content = robot.posts[0].body["markdown"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_MARKDOWN_LIMIT
    assert content.startswith("- KS-20261123-00000-K")
    assert content.endswith("请登录经办系统查看全部。")


def test_dingtalk_body_without_secret(robot: RobotServer) -> None:
    message = red_alert()
    url = robot.url("/robot/send?access_token=tok")
    WebhookChannel(url, "dingtalk", timeout=5.0).send(message)
    (posted,) = robot.posts
    assert posted.body == {
        "msgtype": "markdown",
        "markdown": {"title": message.subject, "text": message.markdown},
    }
    assert posted.query == "access_token=tok"


def test_dingtalk_signature(robot: RobotServer) -> None:
    secret = "SEC0123456789abcdef+/="
    url = robot.url("/robot/send?access_token=tok")
    before = round(time.time() * 1000)
    WebhookChannel(url, "dingtalk", secret=secret, timeout=5.0).send(red_alert())
    after = round(time.time() * 1000)

    raw = dict(pair.split("=", 1) for pair in robot.posts[0].query.split("&"))
    assert raw["access_token"] == "tok"
    timestamp = raw["timestamp"]
    assert before <= int(timestamp) <= after
    # DingTalk: sign = urlEncode(Base64(HmacSHA256(secret, timestamp + "\n" + secret)))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    assert urllib.parse.unquote_plus(raw["sign"]) == expected
    assert raw["sign"] == urllib.parse.quote_plus(expected)


def test_failing_robot_fails_twice_then_delivers(robot: RobotServer) -> None:
    robot.answer(503, "busy")
    robot.answer(503, "busy")
    robot.answer(200)
    channel = WebhookChannel(robot.url(), "wecom", timeout=5.0)
    for _ in range(2):
        with pytest.raises(DeliveryError) as caught:
            channel.send(red_alert())
        assert caught.value.retryable and "503" in caught.value.message
    channel.send(red_alert())
    assert len(robot.posts) == 3


@pytest.mark.parametrize(
    ("errcode", "retryable"), [(310000, False), (93000, False), (45009, True), (130101, True)]
)
def test_robot_errcode_is_a_failure(robot: RobotServer, errcode: int, retryable: bool) -> None:
    robot.answer(200, {"errcode": errcode, "errmsg": "refused"})
    with pytest.raises(DeliveryError) as caught:
        WebhookChannel(robot.url(), "dingtalk", timeout=5.0).send(red_alert())
    assert caught.value.retryable is retryable
    assert str(errcode) in caught.value.message


def test_robot_400_is_not_retryable(robot: RobotServer) -> None:
    robot.answer(400, {"errcode": 40008, "errmsg": "invalid message type"})
    with pytest.raises(DeliveryError) as caught:
        WebhookChannel(robot.url(), "wecom", timeout=5.0).send(red_alert())
    assert not caught.value.retryable


def test_robot_answer_that_is_not_json_is_a_failure(robot: RobotServer) -> None:
    robot.answer(200, "<html>portal</html>")
    with pytest.raises(DeliveryError) as caught:
        WebhookChannel(robot.url(), "wecom", timeout=5.0).send(red_alert())
    assert not caught.value.retryable


def test_robot_timeout_is_retryable(robot: RobotServer) -> None:
    robot.answer(200, delay=3.0)
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        WebhookChannel(robot.url(), "wecom", timeout=0.2).send(red_alert())
    assert caught.value.retryable
    assert time.monotonic() - started < 2.0


def test_robot_connection_refused_is_retryable(closed_port: int) -> None:
    channel = WebhookChannel(f"http://127.0.0.1:{closed_port}/send", "wecom", timeout=2.0)
    with pytest.raises(DeliveryError) as caught:
        channel.send(red_alert())
    assert caught.value.retryable


# --- configuration and backoff ------------------------------------------------------------


def test_channel_from_config_email() -> None:
    channel = channel_from_config(
        "email",
        "kezhang@ybj.example.cn， zhuguan@ybj.example.cn",
        {"host": "smtp.ybj.example.cn", "sender": SENDER, "starttls": "true", "password": "p"},
    )
    assert channel == EmailChannel(
        "smtp.ybj.example.cn", 587, SENDER, RECIPIENTS, starttls=True, password="p"
    )
    assert channel.kind == "email"
    plain = channel_from_config("email", RECIPIENTS[0], {"host": "h.example.cn", "sender": SENDER})
    assert isinstance(plain, EmailChannel) and plain.port == 25 and not plain.starttls


def test_channel_from_config_robots() -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=tok"
    assert channel_from_config("dingtalk", url, {"secret": "SECabc"}) == WebhookChannel(
        url, "dingtalk", secret="SECabc"
    )
    wecom = channel_from_config("wecom", "https://qyapi.weixin.qq.com/x?key=k", {})
    assert wecom.kind == "wecom"


@pytest.mark.parametrize(
    ("kind", "target", "options", "words"),
    [
        ("email", "not-an-address", {"host": "h", "sender": SENDER}, "收件人邮箱地址无效"),
        ("email", RECIPIENTS[0], {"host": "h", "sender": "nobody"}, "发件人邮箱地址无效"),
        ("email", RECIPIENTS[0], {"sender": SENDER}, "SMTP 服务器"),
        ("email", " , ", {"host": "h", "sender": SENDER}, "没有收件人"),
        ("email", RECIPIENTS[0], {"host": "h", "sender": SENDER, "port": "x"}, "端口"),
        ("email", RECIPIENTS[0], {"host": "h", "sender": SENDER, "smtp_host": "h"}, "不认识"),
        ("email", RECIPIENTS[0], {"host": "h", "sender": SENDER, "password": "口令"}, "ASCII"),
        ("wecom", "ftp://qyapi.weixin.qq.com/send", {}, "http(s)"),
        ("dingtalk", "oapi.dingtalk.com/robot/send", {}, "http(s)"),
        ("wecom", "https://qyapi.weixin.qq.com/x", {"secret": "s"}, "不认识"),
        ("sms", "13800000000", {}, "未知的通知渠道"),
    ],
)
def test_channel_from_config_rejects_bad_config(
    kind: str, target: str, options: dict[str, str], words: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(words)) as caught:
        channel_from_config(kind, target, options)
    assert isinstance(caught.value, ChannelConfigError) and isinstance(caught.value, BadInput)


def test_backoff_doubles_from_one_minute_up_to_an_hour() -> None:
    minutes = [backoff(n) / dt.timedelta(minutes=1) for n in (0, 1, 2, 3, 4, 5, 6, 7, 8, 1000)]
    assert minutes == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert backoff(3) == backoff(3)
    with pytest.raises(ValueError):
        backoff(-1)


# --- messages -------------------------------------------------------------------------------


def test_alert_message_red_overdue() -> None:
    message = red_alert()
    assert message.subject == "【红牌】KS-20261123-00042-K 门诊费用报销 已超过法定时限"
    for body in (message.markdown, message.text):
        for words in (
            "办件编号",
            "喀什地区",
            "喀什市医疗保障事务中心",
            "法定时限",
            "到期时间(北京时间)",
            "2026-11-23 20:00",
            "已超期 2 个工作日",
            "经办系统",
        ):
            assert words in body
    assert "**办件编号**" in message.markdown and "**" not in message.text


@pytest.mark.parametrize(
    ("level", "kind", "left", "subject_end", "status"),
    [
        ("yellow", "promised", 3, "距承诺时限还剩 3 个工作日", "还剩 3 个工作日"),
        ("orange", "promised", -1, "已超过承诺时限", "已超期 1 个工作日"),
        ("red", "stage", 0, "环节时限今日到期", "今日到期"),
        ("yellow", "accept", 1, "距受理时限(一次性告知)还剩 1 个工作日", "还剩 1 个工作日"),
    ],
)
def test_alert_message_levels_and_due_kinds(
    level: str, kind: str, left: int, subject_end: str, status: str
) -> None:
    message = alert_message(
        level=level,
        case_no="SC-20260105-00001-A",
        item_name="异地就医备案",
        region_name="四川省",
        due_kind=kind,
        due_at=dt.datetime(2026, 1, 5, 23, 30, tzinfo=UTC),  # next day in Beijing
        working_days_left=left,
        office=None,
    )
    label = {"yellow": "黄牌预警", "orange": "橙牌", "red": "红牌"}[level]
    assert message.subject == f"【{label}】SC-20260105-00001-A 异地就医备案 {subject_end}"
    assert "2026-01-06 07:30" in message.text and status in message.markdown
    assert "经办机构" not in message.text


def test_messages_never_carry_an_identity_number() -> None:
    message = alert_message(
        level="red",
        case_no="KS-20261123-00042-K",
        item_name="门诊费用报销 110105194912310021",
        region_name="喀什地区",
        due_kind="statutory",
        due_at=DUE,
        working_days_left=-1,
        office="窗口 65310119900101002X",
    )
    for text in (message.subject, message.markdown, message.text):
        assert not ID_NUMBER.search(text)
    assert "110105********0021" in message.text


def test_alert_message_rejects_unknown_values() -> None:
    base = {
        "level": "red",
        "case_no": "KS-20261123-00042-K",
        "item_name": "门诊费用报销",
        "region_name": "喀什地区",
        "due_kind": "statutory",
        "due_at": DUE,
        "working_days_left": 0,
        "office": None,
    }
    for change in ({"level": "purple"}, {"due_kind": "soon"}, {"due_at": DUE.replace(tzinfo=None)}):
        with pytest.raises(ValueError):
            alert_message(**{**base, **change})  # type: ignore[arg-type]


def test_digest_groups_red_orange_yellow_with_counts() -> None:
    rows = [
        DigestRow("yellow", "KS-20261120-00003-K", "门诊慢特病待遇认定", "promised", DUE, 2),
        DigestRow("red", "KS-20261101-00009-K", "门诊费用报销", "statutory", DUE, -3),
        DigestRow("red", "KS-20261102-00001-K", "生育津贴支付", "stage", DUE - dt.timedelta(1), 0),
    ]
    message = digest_message(
        supervisor="阿依古丽科长", region_name="喀什地区", day=dt.date(2026, 11, 23), rows=rows
    )
    assert message.subject == (
        "【每日汇总】喀什地区 2026-11-23 红牌 2 件、橙牌 0 件、黄牌预警 1 件"
    )
    for body in (message.markdown, message.text):
        assert "阿依古丽科长" in body and "共有 3 件" in body
        red, orange, yellow = (body.index(f"{label}(共") for label in ("红牌", "橙牌", "黄牌预警"))
        assert red < orange < yellow
        assert "红牌(共 2 件)" in body and "橙牌(共 0 件)" in body and "黄牌预警(共 1 件)" in body
        # within a group, earliest due first
        assert body.index("KS-20261102-00001-K") < body.index("KS-20261101-00009-K") < yellow
        assert orange < body.index("无", orange) < yellow
        assert "2026-11-22 20:00" in body and "已超期 3 个工作日" in body
        assert "环节时限" in body and not ID_NUMBER.search(body)


def test_digest_without_rows() -> None:
    message = digest_message(
        supervisor="王科长", region_name="四川省", day=dt.date(2026, 1, 5), rows=[]
    )
    assert "共有 0 件" in message.text and message.text.count("无") >= 3
