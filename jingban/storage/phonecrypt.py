"""Applicants' mobile numbers encrypted at rest (PIPL art. 28: contact data is personal data).

A case's mobile number is stored twice, never in clear: the masked form on the case
(``138****5678``, `jingban.engine.phone.mask_mobile`), which every view shows, and the
token in ``applicant_phones.cipher``: AES-256-GCM under ``derived_key("phone-encryption")``
of the server key, ``v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``, with the case
number as associated data. The key id is the identity-number key id of the same server key
(`jingban.storage.idcrypt.key_id`), so one look at a token says which key file it needs.
Only the delivery worker decrypts, to hand the number to the SMS gateway.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jingban.storage.idcrypt import TOKEN_FORMAT, IdCipher, IdentityKeyMissing, token_key_id
from jingban.storage.keys import derived_key

PURPOSE = "phone-encryption"
_NONCE_BYTES = 12


def _aad(case_no: str) -> bytes:
    return f"jingban/applicant-phone/{case_no}".encode()


class PhoneCipher:
    """Encrypts with the current server key of an `IdCipher`; decrypts with any it holds."""

    def __init__(self, keys: IdCipher) -> None:
        self.current_id = keys.current_id
        self._aead: dict[str, AESGCM] = {}
        for kid in keys.key_ids:
            server_key = keys.server_key(kid)
            if server_key is not None:
                self._aead[kid] = AESGCM(derived_key(PURPOSE, server_key))

    def encrypt(self, number: str, case_no: str) -> str:
        """The stored token of mobile ``number`` (11 digits) of case ``case_no``."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead[self.current_id].encrypt(nonce, number.encode("ascii"), _aad(case_no))
        text = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{TOKEN_FORMAT}:{self.current_id}:{text}"

    def decrypt(self, token: str, case_no: str) -> str:
        """The number in ``token``; raises `IdentityKeyMissing` when its key is not held or
        the token does not decrypt (damaged, or copied from another case)."""
        kid = token_key_id(token)
        aead = self._aead.get(kid or "")
        if aead is None:
            raise IdentityKeyMissing(
                f"办件 {case_no} 的手机号码由密钥 {kid or '(未知)'} 加密，本机没有该密钥；"
                "请确认服务器密钥文件 (见 docs/keys.md) 与数据库匹配"
            )
        body = token.split(":")[2]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(case_no))
        except (InvalidTag, ValueError):
            raise IdentityKeyMissing(
                f"办件 {case_no} 的手机号码密文无法解密 (已损坏或不属于本办件)"
            ) from None
        return plain.decode("ascii")
