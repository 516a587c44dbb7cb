"""The scheduler: runs the deadline scans (`jingban.storage.scan`) and daily digests on a
schedule under one elected leader, and sends queued deliveries through its channels."""

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
