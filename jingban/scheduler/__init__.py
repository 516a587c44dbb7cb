"""The scheduler: deadline scans, daily digests and the channels that deliver alerts."""

from jingban.scheduler.notify import (
    Channel,
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

__all__ = [
    "Channel",
    "ChannelConfigError",
    "DeliveryError",
    "DigestRow",
    "EmailChannel",
    "Message",
    "WebhookChannel",
    "alert_message",
    "backoff",
    "channel_from_config",
    "digest_message",
]
