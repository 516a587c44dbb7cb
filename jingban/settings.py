"""Operator settings: every environment variable jingban reads, and every constant an operator
may want to change, in one frozen record.

`Settings.from_env` reads a mapping (tests pass their own); `settings()` reads the process
environment and caches the result for as long as the environment's ``JINGBAN_*`` values stay
the same, so it is cheap to call and still follows a variable a test sets. A value that does
not parse raises `BadInput` naming the variable, in Chinese. Each field's metadata says which
variable sets it, its unit and what it means; `docs/configuration.md` documents every field
(a test holds the two together).

This module sits at the bottom of the layers: it imports nothing of jingban but its errors.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from jingban.errors import BadInput

PREFIX = "JINGBAN_"
_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _text(name: str, raw: str) -> str:
    return raw.strip()


def _integer(low: int, high: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise BadInput(f"环境变量 {name} 应为整数: {raw!r}") from None
        if not low <= value <= high:
            raise BadInput(f"环境变量 {name} 应在 {low}–{high} 之间: {value}")
        return value

    return parse


def _number(low: float, high: float) -> Callable[[str, str], float]:
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise BadInput(f"环境变量 {name} 应为数字: {raw!r}") from None
        if not low <= value <= high:  # also refuses nan
            raise BadInput(f"环境变量 {name} 应在 {low:g}–{high:g} 之间: {raw.strip()}")
        return value

    return parse


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise BadInput(f"环境变量 {name} 应为 1 或 0: {raw!r}")


def _clock_time(name: str, raw: str) -> dt.time:
    try:
        value = dt.time.fromisoformat(raw.strip())
    except ValueError:
        raise BadInput(f"环境变量 {name} 应为时间 HH:MM: {raw!r}") from None
    if value.tzinfo is not None:
        raise BadInput(f"环境变量 {name} 是北京时间，不要带时区: {raw!r}")
    return value


def _synchronous(name: str, raw: str) -> str:
    value = raw.strip().upper()
    if value not in _SYNCHRONOUS:
        raise BadInput(f"环境变量 {name} 应为 {'、'.join(_SYNCHRONOUS)} 之一: {raw!r}")
    return value


def _log_format(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("text", "json"):
        raise BadInput(f"环境变量 {name} 应为 text 或 json: {raw!r}")
    return value


def _web_address(name: str, raw: str) -> str:
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"环境变量 {name} 应为 http:// 或 https:// 开头的网址: {raw!r}")
    return value


def _about(env: str, unit: str, meaning: str, parse: Callable[[str, str], Any]) -> dict[str, Any]:
    """The metadata of a `Settings` field: the variable that sets it, its unit, what it means
    (Chinese, for `jingban config show`) and how its text parses."""
    return {"env": env, "unit": unit, "meaning": meaning, "parse": parse}


# -- applicant text messages (the SMS gateway) -------------------------------------------
SMS_METHODS = ("POST", "PUT", "GET")
SMS_CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")
#: The placeholders a gateway body template may use (`jingban.scheduler.sms`).
SMS_PLACEHOLDERS = ("phone", "text", "case_no", "key")


def _sms_method(name: str, raw: str) -> str:
    value = raw.strip().upper()
    if value not in SMS_METHODS:
        raise BadInput(f"环境变量 {name} 应为 {'、'.join(SMS_METHODS)} 之一: {raw!r}")
    return value


def _sms_content_type(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in SMS_CONTENT_TYPES:
        raise BadInput(f"环境变量 {name} 应为 {'、'.join(SMS_CONTENT_TYPES)} 之一: {raw!r}")
    return value


def _sms_body(name: str, raw: str) -> str:
    template = string.Template(raw.strip())
    unknown = sorted(set(template.get_identifiers()) - set(SMS_PLACEHOLDERS))
    if not template.is_valid() or unknown:
        raise BadInput(
            f"环境变量 {name} 只能使用占位符 "
            + "、".join(f"${{{p}}}" for p in SMS_PLACEHOLDERS)
            + (f"，不认识: {'、'.join(unknown)}" if unknown else "，且 $ 须写成 $$")
        )
    return raw.strip()


def _sms_hours(name: str, raw: str) -> str:
    start, sep, end = raw.strip().partition("-")
    try:
        first, last = dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())
    except ValueError:
        first = last = dt.time(0)
    if not sep or not first < last:
        raise BadInput(f"环境变量 {name} 应为北京时间 HH:MM-HH:MM，如 08:00-20:00: {raw!r}")
    return f"{first:%H:%M}-{last:%H:%M}"


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective settings of one process (see the module docstring)."""

    database_url: str = field(
        default="sqlite:///jingban.db",
        metadata=_about(
            "JINGBAN_DATABASE_URL",
            "URL",
            "数据库地址: SQLite 文件或 PostgreSQL (postgresql+psycopg://用户:密码@主机/库)",
            _text,
        ),
    )
    sqlite_synchronous: str = field(
        default="FULL",
        metadata=_about(
            "JINGBAN_SQLITE_SYNCHRONOUS",
            "OFF/NORMAL/FULL/EXTRA",
            "SQLite 的 PRAGMA synchronous; FULL 保证已提交的操作断电不丢",
            _synchronous,
        ),
    )
    sqlite_busy_seconds: float = field(
        default=10.0,
        metadata=_about(
            "JINGBAN_SQLITE_BUSY_SECONDS",
            "秒",
            "SQLite 写锁被占用时写操作等待的时间，超过即报数据库繁忙 (读不等待)",
            _number(0.1, 600),
        ),
    )
    data_dir: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_DATA_DIR",
            "目录",
            "附加数据目录: 其中的 regions.toml 增加或替换地区登记，<地区>.toml 优先于内置事项目录",
            _text,
        ),
    )
    secret_key_file: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_SECRET_KEY_FILE",
            "文件路径",
            "服务器密钥文件 (证件号码的键控哈希用它；不存入数据库)；未设则为数据目录或 SQLite "
            "数据库旁的 jingban.key，首次使用时创建 (权限 0600)",
            _text,
        ),
    )
    public_url: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_PUBLIC_URL",
            "URL",
            "对外公布的服务地址 (反向代理之后)，jingban serve 启动时显示它，回执上的进度查询"
            "网址和二维码用它；未设则显示监听地址 (回执用工作台地址并提示工作人员)",
            _web_address,
        ),
    )
    serve_host: str = field(
        default="127.0.0.1",
        metadata=_about("JINGBAN_SERVE_HOST", "主机", "jingban serve 监听的地址", _text),
    )
    serve_port: int = field(
        default=8000,
        metadata=_about(
            "JINGBAN_SERVE_PORT", "端口", "jingban serve 监听的端口", _integer(1, 65535)
        ),
    )
    serve_scheduler: bool = field(
        default=True,
        metadata=_about(
            "JINGBAN_SERVE_SCHEDULER",
            "1/0",
            "HTTP 服务进程是否同时运行调度器 (jingban serve --no-scheduler 设为 0)",
            _flag,
        ),
    )
    scan_seconds: int = field(
        default=60,
        metadata=_about("JINGBAN_SCAN_SECONDS", "秒", "调度器扫描时限的间隔", _integer(1, 86400)),
    )
    deliver_seconds: int = field(
        default=30,
        metadata=_about(
            "JINGBAN_DELIVER_SECONDS", "秒", "调度器投递待发预警的间隔", _integer(1, 86400)
        ),
    )
    delivery_lease_seconds: float = field(
        default=300.0,
        metadata=_about(
            "JINGBAN_DELIVERY_LEASE_SECONDS",
            "秒",
            "发送进程领取一条通知后独占它的时间 (每次发送前续期，至少为接收渠道超时的 6 倍)；"
            "进程中途退出时，过期后由下一个发送进程接手",
            _number(1, 86400),
        ),
    )
    elect_seconds: int = field(
        default=5,
        metadata=_about(
            "JINGBAN_ELECT_SECONDS", "秒", "各进程争取主调度器的间隔", _integer(1, 3600)
        ),
    )
    digest_at: dt.time = field(
        default=dt.time(10, 0),
        metadata=_about(
            "JINGBAN_DIGEST_AT", "HH:MM 北京时间", "每个工作日排队发送每日汇总的时间", _clock_time
        ),
    )
    audit_checkpoint_at: dt.time = field(
        default=dt.time(0, 30),
        metadata=_about(
            "JINGBAN_AUDIT_CHECKPOINT_AT",
            "HH:MM 北京时间",
            "主调度器每天写入带密钥签名的审计检查点的时间 (成为主调度器时也补写当天的)",
            _clock_time,
        ),
    )
    calendar_ttl_seconds: float = field(
        default=30.0,
        metadata=_about(
            "JINGBAN_CALENDAR_TTL_SECONDS",
            "秒",
            "进程缓存工作日历的时间，过后重读其他进程导入的通知和闭馆日",
            _number(0, 86400),
        ),
    )
    calendar_recalc_batch: int = field(
        default=200,
        metadata=_about(
            "JINGBAN_CALENDAR_RECALC_BATCH",
            "件",
            "日历变更后重新计算在办办件时限时每批的件数 (每批后记录进度，中断后从此继续)",
            _integer(1, 100_000),
        ),
    )
    token_lifetime_hours: float = field(
        default=10.0,
        metadata=_about(
            "JINGBAN_TOKEN_HOURS",
            "小时",
            "员工登录令牌 (API 令牌和控制台会话) 的有效期",
            _number(0.05, 24 * 30),
        ),
    )
    login_failures: int = field(
        default=5,
        metadata=_about(
            "JINGBAN_LOGIN_FAILURES",
            "次",
            "同一用户名从同一客户端地址在失败窗口内登录失败这么多次后，该地址暂停登录此账号"
            " (其他地址不受影响)",
            _integer(1, 1000),
        ),
    )
    login_delay_after: int = field(
        default=3,
        metadata=_about(
            "JINGBAN_LOGIN_DELAY_AFTER",
            "次",
            "同一用户名在失败窗口内 (所有地址合计) 失败这么多次后，从该账号未登录过的地址每次尝试"
            "须等待，等待时间逐次加倍",
            _integer(1, 1000),
        ),
    )
    login_delay_max_seconds: int = field(
        default=60,
        metadata=_about(
            "JINGBAN_LOGIN_DELAY_MAX_SECONDS",
            "秒",
            "上述逐次加倍的等待时间的上限",
            _integer(1, 3600),
        ),
    )
    login_client_failures: int = field(
        default=20,
        metadata=_about(
            "JINGBAN_LOGIN_CLIENT_FAILURES",
            "次",
            "同一客户端地址在失败窗口内 (所有用户名合计) 登录失败这么多次后暂停该地址登录"
            " (曾从该地址登录过的账号不受影响)",
            _integer(1, 100000),
        ),
    )
    login_known_days: int = field(
        default=30,
        metadata=_about(
            "JINGBAN_LOGIN_KNOWN_DAYS",
            "天",
            "账号在这么多天内成功登录过的地址是它的常用地址，不受账号减速和地址暂停的限制",
            _integer(0, 3650),
        ),
    )
    trusted_proxies: str = field(
        default="127.0.0.1",
        metadata=_about(
            "JINGBAN_TRUSTED_PROXIES",
            "地址列表",
            "信任的反向代理地址 (逗号分隔，可用网段如 10.0.0.0/8): 只有来自这些地址的请求才采用"
            " X-Forwarded-For 和 X-Forwarded-Proto；设为空则一律用连接的地址",
            _text,
        ),
    )
    hsts_seconds: int = field(
        default=31536000,
        metadata=_about(
            "JINGBAN_HSTS_SECONDS",
            "秒",
            "经 HTTPS 访问时 Strict-Transport-Security 的 max-age；0 则不发送",
            _integer(0, 10 * 31536000),
        ),
    )
    failure_window_minutes: float = field(
        default=15.0,
        metadata=_about(
            "JINGBAN_FAILURE_WINDOW_MINUTES",
            "分钟",
            "登录失败和进度查询失败的计数窗口",
            _number(1, 24 * 60),
        ),
    )
    progress_case_failures: int = field(
        default=5,
        metadata=_about(
            "JINGBAN_PROGRESS_CASE_FAILURES",
            "次",
            "同一客户端地址对同一办件编号在失败窗口内查询码错误这么多次后，该地址暂停查询此办件"
            " (其他地址不受影响，持正确查询码的申请人照常查询)",
            _integer(1, 1000),
        ),
    )
    progress_case_hourly_failures: int = field(
        default=100,
        metadata=_about(
            "JINGBAN_PROGRESS_CASE_HOURLY_FAILURES",
            "次/小时",
            "同一办件编号一小时内 (所有地址合计) 查询码错误的上限；超过后，这一小时内查错过此办件的"
            "地址不能再查此办件，未查错过的地址仍可查询",
            _integer(1, 100000),
        ),
    )
    progress_client_failures: int = field(
        default=20,
        metadata=_about(
            "JINGBAN_PROGRESS_CLIENT_FAILURES",
            "次",
            "同一客户端地址在失败窗口内查询失败这么多次后暂停查询",
            _integer(1, 100000),
        ),
    )
    progress_requests: int = field(
        default=30,
        metadata=_about(
            "JINGBAN_PROGRESS_REQUESTS",
            "次",
            "同一客户端地址在请求窗口内最多的进度查询次数 (每个进程分别计数)",
            _integer(1, 10**9),
        ),
    )
    progress_window_seconds: float = field(
        default=60.0,
        metadata=_about(
            "JINGBAN_PROGRESS_WINDOW_SECONDS", "秒", "进度查询请求次数的计数窗口", _number(1, 86400)
        ),
    )
    # Materials kept as files (jingban.storage.attachments).
    attachments_dir: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_ATTACHMENTS_DIR",
            "目录",
            "材料文件的存放目录 (按 SHA-256 存放)；未设则为数据目录或 SQLite 数据库旁的 "
            "attachments 目录，否则为工作目录下的 attachments",
            _text,
        ),
    )
    attachment_max_bytes: int = field(
        default=20 * 1024 * 1024,
        metadata=_about(
            "JINGBAN_ATTACHMENT_MAX_BYTES",
            "字节",
            "单个材料文件的大小上限",
            _integer(1, 1024**3),
        ),
    )
    attachment_types: str = field(
        default="pdf,jpg,png,tiff,ofd",
        metadata=_about(
            "JINGBAN_ATTACHMENT_TYPES",
            "以逗号分隔的类型",
            "可附上的材料文件类型 (按内容识别): pdf、jpg、png、tiff、ofd",
            _text,
        ),
    )

    # Operations (backup, metrics, logs): docs/operations.md.
    pg_bin_dir: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_PG_BIN_DIR",
            "目录",
            "PostgreSQL 客户端程序 pg_dump、pg_restore 所在目录 (jingban db backup/restore 用)；"
            "未设则在 PATH 中找，再找 /usr/lib/postgresql/*/bin",
            _text,
        ),
    )
    log_format: str = field(
        default="text",
        metadata=_about(
            "JINGBAN_LOG_FORMAT",
            "text/json",
            "日志格式: text 为一行文字，json 为每行一个 JSON 对象 (每个请求、每次办件操作一行，"
            "带请求编号)",
            _log_format,
        ),
    )
    metrics_token: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_METRICS_TOKEN",
            "文本",
            "GET /metrics 的访问令牌 (Authorization: Bearer 令牌)；未设则只接受本机 (回环地址)"
            "的请求",
            _text,
        ),
    )

    # Supplement deadlines, 容缺 materials and undertaking checks (the follow-up run).
    supplement_remind_days: int = field(
        default=3,
        metadata=_about(
            "JINGBAN_SUPPLEMENT_REMIND_DAYS",
            "工作日",
            "补正期限届满前这么多个工作日提醒申请人和承办人 (0 则不提醒)；期限届满时按地区规定"
            "视为撤回或提示科长",
            _integer(0, 60),
        ),
    )

    # 送达: the result of an ended case reaches the applicant (jingban.engine.delivery).
    delivery_working_days: int = field(
        default=5,
        metadata=_about(
            "JINGBAN_DELIVERY_WORKING_DAYS",
            "工作日",
            "办结 (含审核不通过) 或不予受理后，须在这么多个工作日内记录办理结果的送达，"
            "逾期未送达的办件亮橙牌；0 则不监督送达",
            _integer(0, 60),
        ),
    )

    # Case events to the provincial platform (docs/exchange.md).
    exchange_url: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_EXCHANGE_URL",
            "网址",
            "省级一体化政务服务平台接收办件事件的地址；未设则事件只在本地排队，不推送",
            _web_address,
        ),
    )
    exchange_secret: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_EXCHANGE_SECRET",
            "文本",
            "推送办件事件时签名 (HMAC-SHA256) 用的密钥，由平台分配",
            _text,
        ),
    )
    exchange_adapter: str = field(
        default="json",
        metadata=_about(
            "JINGBAN_EXCHANGE_ADAPTER", "名称", "办件事件的报文格式 (按省份选择)", _text
        ),
    )
    exchange_timeout_seconds: float = field(
        default=10.0,
        metadata=_about(
            "JINGBAN_EXCHANGE_TIMEOUT_SECONDS",
            "秒",
            "推送一条办件事件等待平台应答的最长时间",
            _number(0.1, 600),
        ),
    )
    exchange_seconds: int = field(
        default=30,
        metadata=_about(
            "JINGBAN_EXCHANGE_SECONDS", "秒", "调度器推送待发办件事件的间隔", _integer(1, 86400)
        ),
    )
    exchange_lease_seconds: float = field(
        default=300.0,
        metadata=_about(
            "JINGBAN_EXCHANGE_LEASE_SECONDS",
            "秒",
            "推送进程领取一条办件事件后独占它的时间 (每次发送前续期，至少为超时的 6 倍)",
            _number(1, 86400),
        ),
    )

    # -- applicant text messages: the HTTP SMS gateway (`jingban.scheduler.sms`) --------
    sms_url: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_SMS_URL",
            "URL",
            "短信网关地址: 办件到受理、补正、中止、恢复、延期、审核不通过、拨付、办结等节点时"
            "给申请人发短信；未设则短信记为未发送 (not_sent)，办件照常",
            _web_address,
        ),
    )
    sms_method: str = field(
        default="POST",
        metadata=_about(
            "JINGBAN_SMS_METHOD",
            "POST/PUT/GET",
            "请求短信网关的方法 (GET 时正文放在查询串)",
            _sms_method,
        ),
    )
    sms_content_type: str = field(
        default="application/json",
        metadata=_about(
            "JINGBAN_SMS_CONTENT_TYPE",
            "application/json 或 application/x-www-form-urlencoded",
            "请求正文的格式，决定占位符的值如何转义",
            _sms_content_type,
        ),
    )
    sms_body: str = field(
        default='{"phone": "${phone}", "text": "${text}", "id": "${key}"}',
        metadata=_about(
            "JINGBAN_SMS_BODY",
            "模板",
            "请求正文模板，占位符 ${phone} 手机号、${text} 短信内容、${case_no} 办件编号、"
            "${key} 本条短信的幂等键 (重发时相同)",
            _sms_body,
        ),
    )
    sms_secret: str | None = field(
        default=None,
        metadata=_about(
            "JINGBAN_SMS_SECRET",
            "文本",
            "签名密钥: 设了则每个请求带 X-Jingban-Timestamp 和 X-Jingban-Signature "
            "(HMAC-SHA256(密钥, 时间戳 + 换行 + 正文) 的十六进制)",
            _text,
        ),
    )
    sms_hours: str = field(
        default="08:00-20:00",
        metadata=_about(
            "JINGBAN_SMS_HOURS",
            "HH:MM-HH:MM (北京时间)",
            "每天只在这段时间内发短信，其余时间产生的短信顺延到下一段开始时发送",
            _sms_hours,
        ),
    )
    sms_timeout_seconds: float = field(
        default=10.0,
        metadata=_about(
            "JINGBAN_SMS_TIMEOUT_SECONDS", "秒", "等待短信网关应答的最长时间", _number(0.5, 120)
        ),
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """The settings ``environ`` gives: each variable present and not blank overrides its
        default. Raises `BadInput` naming the first bad one."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is None or not raw.strip():
                continue
            values[f.name] = f.metadata["parse"](f.metadata["env"], raw)
        return cls(**values)

    @property
    def token_lifetime(self) -> dt.timedelta:
        return dt.timedelta(hours=self.token_lifetime_hours)

    @property
    def delivery_lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.delivery_lease_seconds)

    @property
    def exchange_lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.exchange_lease_seconds)

    @property
    def failure_window(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.failure_window_minutes)

    @property
    def login_known_for(self) -> dt.timedelta:
        return dt.timedelta(days=self.login_known_days)


ENV_NAMES: tuple[str, ...] = tuple(f.metadata["env"] for f in fields(Settings))


def env_name(setting: str) -> str:
    """The environment variable that sets the field ``setting`` (for handing a value on to
    a child process); raises `KeyError` for a field `Settings` does not have."""
    for f in fields(Settings):
        if f.name == setting:
            return str(f.metadata["env"])
    raise KeyError(setting)


def settings() -> Settings:
    """The settings of this process's environment (cached while its values stay the same)."""
    return _settings_for(tuple(os.environ.get(name) for name in ENV_NAMES))


@functools.lru_cache(maxsize=8)
def _settings_for(values: tuple[str | None, ...]) -> Settings:
    return Settings.from_env(
        {k: v for k, v in zip(ENV_NAMES, values, strict=True) if v is not None}
    )


def unknown_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``JINGBAN_*`` variables of ``environ`` that no setting reads (a typo, most often),
    with their values unmasked."""
    return {k: v for k, v in sorted(environ.items()) if k.startswith(PREFIX) and k not in ENV_NAMES}
