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

from sqlalchemy import bindparam, select, update

from jingban.storage._key_counts import key_counts
from jingban.storage.database import Database
from jingban.storage.idcrypt import TOKEN_FORMAT, IdCipher, SealedTokens
from jingban.storage.models_sms import APPLICANT_PHONES

PURPOSE = "phone-encryption"
_BATCH = 500


def _aad(case_no: str) -> bytes:
    return f"jingban/applicant-phone/{case_no}".encode()


class PhoneCipher:
    """Encrypts with the current server key of an `IdCipher`; decrypts with any it holds."""

    def __init__(self, keys: IdCipher) -> None:
        held = [keys.server_key(kid) for kid in keys.key_ids]
        self._tokens = SealedTokens(PURPOSE, "手机号码", [k for k in held if k is not None])
        self.current_id = self._tokens.current_id

    def encrypt(self, number: str, case_no: str) -> str:
        """The stored token of mobile ``number`` (11 digits) of case ``case_no``."""
        return self._tokens.seal(number.encode("ascii"), _aad(case_no))

    def decrypt(self, token: str, case_no: str) -> str:
        """The number in ``token``; raises `IdentityKeyMissing` when its key is not held or
        the token does not decrypt (damaged, or copied from another case)."""
        return self._tokens.open(token, case_no, _aad(case_no)).decode("ascii")


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
