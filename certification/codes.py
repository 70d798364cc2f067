"""Verification codes: 120 random bits, written as base32 in groups of four.

`ABCD-EFGH-JKLM-NPQR-STUV-WXYZ` reads out over the phone and survives copying; a code
typed by hand is accepted in either case, with or without the dashes and spaces, and
with the digits 0, 1 and 8 read as the letters O, I and B (base32 has no such digits).
"""

import base64
import re
import secrets

CODE_BYTES = 15  # 120 bits: 24 base32 characters, no padding
GROUP = 4
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_SEPARATORS = re.compile(r"[\s\-]+")
_BASE32 = re.compile(r"^[A-Z2-7]{24}$")


def new_code() -> str:
    return _grouped(base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii"))


def normalise_code(text: str) -> str | None:
    """The stored spelling of a typed code, or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    letters = _SEPARATORS.sub("", text).upper().translate(_LOOKALIKES)
    if not _BASE32.match(letters):
        return None
    return _grouped(letters)


def _grouped(letters: str) -> str:
    return "-".join(letters[i : i + GROUP] for i in range(0, len(letters), GROUP))
