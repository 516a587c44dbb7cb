"""One HTTP request of a sending channel (robots, the SMS gateway, the provincial platform),
its failures sorted into those worth trying again and those that are not."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request


class HttpFailure(Exception):
    """The request failed: ``message`` says how, in Chinese, naming ``where``; ``retryable``
    is true for a timeout, a dropped connection, a 5xx, 408 or 429."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


def send(request: urllib.request.Request, timeout: float, where: str) -> tuple[int, bytes]:
    """The status and (up to 64 KiB of) the body of the answer to ``request``; raises
    `HttpFailure` for an HTTP error status, a connection that fails or an answer cut off."""
    try:
        with urllib.request.build_opener().open(request, timeout=timeout) as response:
            return response.status, response.read(65536)
    except urllib.error.HTTPError as exc:
        try:
            with exc:
                detail = exc.read(200).decode("utf-8", "replace")
        except OSError:
            detail = ""
        retryable = exc.code >= 500 or exc.code in (408, 429)
        raise HttpFailure(
            f"{where} 返回 HTTP {exc.code} {detail}".rstrip(), retryable=retryable
        ) from exc
    except urllib.error.URLError as exc:
        raise HttpFailure(f"{where} 连接失败：{exc.reason!r}", retryable=True) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise HttpFailure(f"{where} 无响应或响应中断：{exc!r}", retryable=True) from exc
