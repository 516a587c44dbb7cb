"""The server key: a secret kept in a file outside the database, and the keyed hash of
identity numbers made with it.

A case's identity number is found through ``HMAC-SHA256(key, normalised number)``: the hash
is stored in ``cases.applicant_id_hash`` with an index, so a search by identity number never
puts the number itself in a query or an index, and someone holding a copy of the database
without the key file cannot test guessed numbers against it.

Where the key file is: ``$JINGBAN_SECRET_KEY_FILE`` if set; else ``jingban.key`` in
``$JINGBAN_DATA_DIR``; else beside the SQLite database file; else (PostgreSQL without a data
directory) in the working directory. A missing file is created on first use, readable by its
owner only (0600), with 32 random bytes written as hexadecimal text. Losing the key makes
every stored hash useless (searches by identity number then find nothing until the hashes
are recomputed with a new key): back the file up with the database, apart from it.

An in-memory SQLite database (nothing survives the process) gets a random key of the process.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from jingban.errors import BadInput
from jingban.settings import settings

KEY_FILE_NAME = "jingban.key"
KEY_BYTES = 32
_PROCESS_KEY = secrets.token_bytes(KEY_BYTES)


def key_path(database_url: str | None = None) -> Path | None:
    """The key file in force for a database at ``database_url`` (default: the configured
    one); ``None`` for an in-memory SQLite database, whose key lives in the process."""
    config = settings()
    if config.secret_key_file:
        return Path(config.secret_key_file).expanduser()
    if config.data_dir:
        return Path(config.data_dir).expanduser() / KEY_FILE_NAME
    url = make_url(database_url or config.database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return Path(url.database).expanduser().resolve().parent / KEY_FILE_NAME
    return Path.cwd() / KEY_FILE_NAME


def secret_key(path: Path | None = None) -> bytes:
    """The key bytes of the file at ``path`` (default: `key_path` of the configured database),
    creating the file (0600) when it does not exist. Raises `BadInput` in Chinese for a file
    that cannot be read or does not hold a key."""
    if path is None:
        path = key_path()
    if path is None:
        return _PROCESS_KEY
    return _read_or_create(path.resolve())


@functools.lru_cache(maxsize=8)
def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        _create(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"无法读取服务器密钥文件 {path}: {exc}") from None
    if not re.fullmatch(r"[0-9a-fA-F]{64,}", text):
        raise BadInput(f"服务器密钥文件 {path} 内容无效 (应为至少 64 位十六进制字符)")
    return bytes.fromhex(text)


def forget_cached_keys() -> None:
    """Read every key file again on next use (after a rotation moved a new key in place)."""
    _read_or_create.cache_clear()


def _create(path: Path) -> None:
    """Write a new key beside ``path`` and link it into place: a concurrent creator either
    wins (its key is the one) or finds the file there; no reader sees a half-written key."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_hex(KEY_BYTES) + "\n")
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another process's key won
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as exc:
        raise BadInput(f"无法创建服务器密钥文件 {path}: {exc}") from None


def normalise_id_number(id_number: str) -> str:
    """The number as the engine stores it: upper case, without white space."""
    return re.sub(r"\s", "", id_number).upper()


def id_number_hash(id_number: str, key: bytes | None = None) -> str:
    """The keyed hash (HMAC-SHA256, hexadecimal) of the normalised identity number, with
    ``key`` (default: `secret_key` of the configured database)."""
    mac = hmac.new(key if key is not None else secret_key(), digestmod=hashlib.sha256)
    mac.update(normalise_id_number(id_number).encode("utf-8"))
    return mac.hexdigest()


def derived_key(purpose: str, key: bytes | None = None) -> bytes:
    """A 32-byte key for one ``purpose`` (e.g. ``"id-encryption"``, ``"audit-checkpoint"``),
    derived from the server key (default: `secret_key` of the configured database) by
    HMAC-SHA256 over a fixed label: each use has its own key, all kept in the one file, and
    knowing one derived key reveals neither the server key nor another purpose's key."""
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,63}", purpose):
        raise ValueError(f"bad key purpose {purpose!r}")
    base = key if key is not None else secret_key()
    return hmac.new(base, f"jingban/{purpose}".encode("ascii"), hashlib.sha256).digest()
