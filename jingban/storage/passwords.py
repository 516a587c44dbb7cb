"""The password policy every password a person sets must pass (their own, an administrator's
initial or reset password)."""

from __future__ import annotations

from jingban.errors import BadInput

MIN_PASSWORD = 8
MAX_PASSWORD = 128
#: Passwords anyone can know: the demo's (printed in the README and on the login page) and
#: the first ones guessed. Refused for any password a person sets.
KNOWN_PASSWORDS = frozenset(
    {
        "jingban-demo",
        "12345678",
        "123456789",
        "1234567890",
        "87654321",
        "11111111",
        "88888888",
        "00000000",
        "password",
        "password1",
        "qwertyui",
        "abcd1234",
        "a1234567",
        "a12345678",
    }
)


def check_password(username: str, password: str) -> None:
    """The password policy: 8 to 128 characters, not the user name, not a known password
    (the demo's included). Raises `BadInput` with the rule broken, in Chinese."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"密码至少 {MIN_PASSWORD} 位")
    if len(password) > MAX_PASSWORD:
        raise BadInput(f"密码不能超过 {MAX_PASSWORD} 位")
    if password.strip().lower() == (username or "").strip().lower():
        raise BadInput("密码不能与用户名相同")
    if password.strip().lower() in KNOWN_PASSWORDS:
        raise BadInput("这个密码是公开的演示密码或常见密码，请换一个")
