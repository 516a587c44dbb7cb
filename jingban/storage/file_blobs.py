"""Material files on the local disk, content-addressed: a file's path is its SHA-256.

``<root>/<first two hex digits>/<sha256>``: the same content is stored once however often
it is attached, a stored file is never rewritten, and any change to one shows as a digest
that no longer matches its name (`problem`). A file is written to a temporary name in the
same directory, flushed to disk, then renamed into place, so a crash never leaves a partial
file under a digest.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from jingban.errors import DatabaseUnavailable, DiskFull
from jingban.settings import settings

DIR_NAME = "attachments"
_CHUNK = 1 << 20


def default_root(database_url: str) -> Path:
    """Where files are kept for the database at ``database_url`` unless
    ``JINGBAN_ATTACHMENTS_DIR`` says: in the data directory, else beside a SQLite file,
    else in the working directory."""
    config = settings()
    if config.attachments_dir:
        return Path(config.attachments_dir).expanduser()
    if config.data_dir:
        return Path(config.data_dir).expanduser() / DIR_NAME
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / DIR_NAME
    return Path.cwd() / DIR_NAME


def digest_of(path: Path) -> str:
    """The SHA-256 (hex) of the file at ``path``."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class FileBlobs:
    """The content-addressed files under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        """Where the content with digest ``sha256`` is (or would be) kept."""
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def put(self, data: bytes) -> tuple[str, bool]:
        """Keep ``data``; returns its digest and whether it was newly written (False when the
        same content was already kept). Raises `DiskFull` when the disk is full and
        `DatabaseUnavailable` when the directory cannot be written."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path_of(sha256)
        if target.is_file() and self.problem(sha256, len(data)) is None:
            return sha256, False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.chmod(temp, 0o440)
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            if exc.errno == 28:  # ENOSPC
                raise DiskFull(
                    f"存放材料文件的磁盘已满 ({self.root})，请管理员清理后重试"
                ) from None
            raise DatabaseUnavailable(
                f"无法写入材料文件目录 {self.root} ({exc.strerror})，请管理员检查目录权限"
            ) from None
        return sha256, True

    def remove(self, sha256: str) -> None:
        """Forget the content ``sha256`` (only for a file no attachment names)."""
        self.path_of(sha256).unlink(missing_ok=True)

    def read(self, sha256: str) -> bytes | None:
        """The content kept under ``sha256``, or None when it is missing or changed."""
        path = self.path_of(sha256)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == sha256 else None

    def problem(self, sha256: str, size: int) -> str | None:
        """What is wrong with the kept content ``sha256`` of ``size`` bytes, in Chinese;
        None when it is there, whole and unchanged."""
        path = self.path_of(sha256)
        try:
            actual = path.stat().st_size
        except FileNotFoundError:
            return f"材料文件缺失 ({path})"
        except OSError as exc:
            return f"材料文件无法读取 ({path}: {exc.strerror})"
        if actual != size:
            return f"材料文件大小不符 (应为 {size} 字节，实为 {actual} 字节，文件被改动)"
        if digest_of(path) != sha256:
            return "材料文件内容与审计记录的 SHA-256 不符 (文件被改动)"
        return None
