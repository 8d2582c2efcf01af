"""Password rules for local sign-in: long enough, and not guessable.

Guessability is zxcvbn's estimate (dictionaries of common passwords, names and words, keyboard
patterns, dates, l33t substitutions), not a hand-made list; the officer's own shoulder number and
name count as guessable too."""
from __future__ import annotations

import secrets

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 200
# zxcvbn's 0-4 scale: 3 is "safely unguessable: moderate protection from offline slow-hash attacks".
MIN_SCORE = 3
# Longer than zxcvbn looks at with care; and it is slow on very long input.
_SCORED_PREFIX = 100


def password_problems(password: str, user_inputs: list[str] | tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a new password, in words an officer can act on; [] if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    result = zxcvbn(password[:_SCORED_PREFIX], user_inputs=[u for u in user_inputs if u])
    if result["score"] >= MIN_SCORE:
        return []
    feedback = result.get("feedback") or {}
    detail = " ".join(x for x in [feedback.get("warning") or "", *(feedback.get("suggestions") or [])] if x)
    return [("Too easy to guess: it is a common password or close to one, or built from your own details. "
             + detail).strip()]


def one_time_password() -> str:
    """A password an administrator hands over once: four groups of random letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
