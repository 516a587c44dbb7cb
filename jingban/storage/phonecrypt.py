"""Applicants' mobile numbers encrypted at rest (PIPL art. 28: contact data is personal data).

A case's mobile number is stored twice, never in clear: the masked form on the case
(``138****5678``, `jingban.engine.phone.mask_mobile`), which every view shows, and the
token in ``applicant_phones.cipher``: AES-256-GCM under ``derived_key("phone-encryption")``
of the server key, ``v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``, with the case
number as associated data. The key id is the identity-number key id of the same server key
(`jingban.storage.idcrypt.key_id`), so one look at a token says which key file it needs.
Only the delivery worker decrypts, to hand the number to the SMS gateway. A key rotation
(`jingban.storage.id_rotation`) moves these tokens with the identity numbers
(`sweep_phones`), and `jingban keys status` counts them (`phone_key_counts`), so a retired
key file is never needed for a phone once the sweep is done.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import bindparam, select, update

from jingban.storage._key_counts import key_counts
from jingban.storage.database import Database
from jingban.storage.idcrypt import TOKEN_FORMAT, IdCipher, IdentityKeyMissing, token_key_id
from jingban.storage.keys import derived_key
from jingban.storage.models_sms import APPLICANT_PHONES

PURPOSE = "phone-encryption"
_NONCE_BYTES = 12
_BATCH = 500


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


def sweep_phones(db: Database, keys: IdCipher) -> int:
    """Re-encrypt every stored mobile number whose token is not under ``keys``' current key,
    batch by batch, each batch committed (what a key rotation and ``jingban keys sweep`` do
    for the identity numbers); returns how many moved. A token another writer changed in
    between is left for the next sweep (the update matches the old token only)."""
    cipher = PhoneCipher(keys)
    token = APPLICANT_PHONES.c.cipher
    target = f"{TOKEN_FORMAT}:{keys.current_id}:%"
    write = (
        update(APPLICANT_PHONES)
        .where(APPLICANT_PHONES.c.case_no == bindparam("phone_case"), token == bindparam("old"))
        .values(cipher=bindparam("new"))
    )
    moved, last = 0, ""
    while True:
        with db.write() as conn:
            rows = conn.execute(
                select(APPLICANT_PHONES.c.case_no, token)
                .where(APPLICANT_PHONES.c.case_no > last, ~token.like(target))
                .order_by(APPLICANT_PHONES.c.case_no)
                .limit(_BATCH)
            ).all()
            if not rows:
                return moved
            batch = [
                {
                    "phone_case": case_no,
                    "old": old,
                    "new": cipher.encrypt(cipher.decrypt(old, case_no), case_no),
                }
                for case_no, old in rows
            ]
            conn.execute(write, batch)
        moved += len(rows)
        last = rows[-1][0]


def phone_key_counts(db: Database) -> dict[str, int]:
    """How many stored mobile numbers each key encrypted, by key id."""
    return key_counts(db, APPLICANT_PHONES.c.cipher)
