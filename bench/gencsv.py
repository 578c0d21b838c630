"""Write a CSV of N users in GetCSVHeader's shape (for the import benchmark and growth runs)."""

from __future__ import annotations

import sys


def write(path: str, n: int, prefix: str = "user") -> None:
    header = [
        "name",
        "given_name",
        "family_name",
        "email",
        "email_verified",
        "phone_number",
        "phone_number_verified",
        "cognito:mfa_enabled",
        "cognito:username",
    ]
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        f.writelines(f"User {i},User,N{i},{prefix}{i:07d}@example.com,true,+1555{i:07d},false,false,{prefix}{i:07d}\n" for i in range(n))


if __name__ == "__main__":
    write(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "user")
