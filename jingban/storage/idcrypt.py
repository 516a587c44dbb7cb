"""Identity numbers encrypted at rest (PIPL art. 28, GB/T 35273: sensitive personal data).

A case's identity number is stored three ways, none of them the number in clear:

- ``cases.applicant_id``: the masked form (`jingban.engine.identity.mask_identity`), what
  every list, page and search shows, so showing a case never decrypts;
- ``cases.applicant_id_hash``: the keyed hash (`jingban.storage.keys.id_number_hash`), what
  a search by the whole number and the reissue check compare;
- ``cases.applicant_id_cipher``: AES-256-GCM under ``derived_key("id-encryption")`` of the
  server key, as the token ``v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``, with the
  case number as associated data (a token copied onto another case does not decrypt).

The key id (8 hexadecimal characters, a keyed digest of the encryption key that reveals
nothing of it) names the server key a token was made with, so rows can move to a new key
one batch at a time (`jingban.storage.id_rotation`). An `IdCipher` holds the current server
key and every other one it may meet: the key a rotation is moving to (``<key file>.next``)
and the keys rotations retired (``<key file>.retired-<key id>``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jingban.errors import BadInput
from jingban.storage.keys import (
    derived_key,
    id_number_hash,
    key_path,
    normalise_id_number,
    secret_key,
)

TOKEN_FORMAT = "v1"
PURPOSE = "id-encryption"
NEXT_SUFFIX = ".next"
RETIRED_INFIX = ".retired-"
_NONCE_BYTES = 12


class IdentityKeyMissing(BadInput):
    """A stored identity number was made with a key this process does not hold, or does not
    decrypt with it (a damaged or moved token)."""


def key_id(server_key: bytes) -> str:
    """The id of the encryption key derived from ``server_key``: 8 hexadecimal characters."""
    mac = hmac.new(derived_key(PURPOSE, server_key), b"jingban/key-id", hashlib.sha256)
    return mac.hexdigest()[:8]


def token_key_id(token: str) -> str | None:
    """The key id a stored token names, or None when it is not a token of this format."""
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != TOKEN_FORMAT:
        return None
    return parts[1]


def _aad(case_no: str) -> bytes:
    return f"jingban/applicant-id/{case_no}".encode()


class SealedTokens:
    """The stored token format: AES-256-GCM under ``derived_key(purpose)`` of each server key,
    ``v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``; seals with the current key and opens
    with any key held (by key id). ``what`` names the sealed thing in error messages."""

    def __init__(self, purpose: str, what: str, server_keys: Iterable[bytes]) -> None:
        self.what = what
        self._aead: dict[str, AESGCM] = {}
        for key in server_keys:
            self._aead.setdefault(key_id(key), AESGCM(derived_key(purpose, key)))
        self.current_id = next(iter(self._aead))

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of every key held, the current one first."""
        return tuple(self._aead)

    def seal(self, plain: bytes, aad: bytes) -> str:
        """The token of ``plain`` under the current key, bound to ``aad``."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead[self.current_id].encrypt(nonce, plain, aad)
        text = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{TOKEN_FORMAT}:{self.current_id}:{text}"

    def open(self, token: str, case_no: str, aad: bytes) -> bytes:
        """The bytes sealed in ``token`` of case ``case_no``; raises `IdentityKeyMissing` when
        its key is not held or the token does not decrypt (damaged, or of another case)."""
        kid = token_key_id(token)
        aead = self._aead.get(kid or "")
        if aead is None:
            raise IdentityKeyMissing(
                f"办件 {case_no} 的{self.what}由密钥 {kid or '(未知)'} 加密，本机没有该密钥；"
                "请确认服务器密钥文件 (见 docs/keys.md) 与数据库匹配"
            )
        body = token.split(":")[2]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise IdentityKeyMissing(
                f"办件 {case_no} 的{self.what}密文无法解密 (已损坏或不属于本办件)"
            ) from None


class IdCipher:
    """Encrypts with the current server key; decrypts with any key it holds (by key id)."""

    def __init__(self, current: bytes, others: Iterable[bytes] = ()) -> None:
        self.current = current
        self.current_id = key_id(current)
        self._server_keys: dict[str, bytes] = {}
        for key in (current, *others):
            self._server_keys.setdefault(key_id(key), key)
        self._tokens = SealedTokens(PURPOSE, "证件号码", self._server_keys.values())

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of every key held, the current one first."""
        return tuple(self._server_keys)

    def encrypt(self, number: str, case_no: str) -> str:
        """The stored token of the (normalised) ``number`` of case ``case_no``."""
        plain = normalise_id_number(number).encode("utf-8")
        return self._tokens.seal(plain, _aad(case_no))

    def decrypt(self, token: str, case_no: str) -> str:
        """The number in ``token`` of case ``case_no``; raises `IdentityKeyMissing` when
        its key is not held or the token does not decrypt."""
        return self._tokens.open(token, case_no, _aad(case_no)).decode("utf-8")

    def hash(self, number: str) -> str:
        """The keyed hash of ``number`` under the current server key."""
        return id_number_hash(number, self.current)

    def server_key(self, kid: str) -> bytes | None:
        """The server key of key id ``kid``, if held."""
        return self._server_keys.get(kid)


def next_key_path(path: Path) -> Path:
    """Where a rotation keeps the key it moves rows to until every row is moved."""
    return path.with_name(path.name + NEXT_SUFFIX)


def retired_key_paths(path: Path) -> list[Path]:
    """The keys earlier rotations retired, beside the key file ``path``, oldest name first."""
    if not path.parent.is_dir():
        return []
    return sorted(path.parent.glob(path.name + RETIRED_INFIX + "*"))


def cipher_for(database_url: str) -> IdCipher:
    """The cipher of the database at ``database_url``: its server key (created on first
    use, `jingban.storage.keys.secret_key`), with the next and the retired keys beside it."""
    path = key_path(database_url)
    current = secret_key(path)
    if path is None:
        return IdCipher(current)
    others = [secret_key(p) for p in retired_key_paths(path)]
    upcoming = next_key_path(path)
    if upcoming.exists():
        others.append(secret_key(upcoming))
    return IdCipher(current, others)
