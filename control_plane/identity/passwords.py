"""User passwords, hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile).

Hashing and verifying cost tens of milliseconds of CPU on purpose, so async callers use
the `*_async` forms, which run in a worker thread and keep the event loop serving."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_ph = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4
MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 takes any length; this bounds the work one request can ask for


class PasswordError(ValueError):
    pass


def check_policy(password: object) -> str:
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordError(f"a password must be a string of {MIN_LENGTH} to {MAX_LENGTH} "
                            "characters")
    return password


def hash_password(password: str) -> str:
    return _ph.hash(check_policy(password))


def verify(stored: str, password: str) -> bool:
    """True when `password` matches the stored hash; False for "" (an SSO-only user),
    a wrong password, a malformed hash or an over-long input."""
    if not stored or not isinstance(password, str) or len(password) > MAX_LENGTH:
        return False
    try:
        return _ph.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_async(stored: str, password: str) -> bool:
    return await asyncio.to_thread(verify, stored, password)
