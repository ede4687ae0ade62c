"""Password hashing (argon2id) and keyed hashes of random secrets (tokens, session ids)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD = 12

# argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet: 19 MiB, two
# passes, one lane). argon2-cffi's default (64 MiB, three passes, four lanes) cost 213 ms
# of CPU per sign-in against 24 ms for this on the 2-core reference machine; sign-ins were
# the most expensive request in the load test. Hashes made with other parameters still
# verify and are re-hashed at the next successful sign-in (`needs_rehash`).
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_LANES = 1


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_LANES
    )


@cache
def _dummy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches; with no stored hash, spend the same time and say no."""
    try:
        return hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a verified hash was made with other parameters than today's."""
    try:
        return hasher().check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return False


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def keyed_hash(secret_key: str, value: str) -> str:
    """HMAC-SHA256 of a high-entropy secret: what the database stores instead of it."""
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sign(secret_key: str, value: str) -> str:
    """`value.signature`, for the double-submit CSRF cookie of the sign-in form."""
    return f"{value}.{keyed_hash(secret_key, 'csrf:' + value)[:32]}"


def unsign(secret_key: str, signed: str) -> str | None:
    value, _, signature = signed.rpartition(".")
    return value if value and same(sign(secret_key, value), signed) else None
