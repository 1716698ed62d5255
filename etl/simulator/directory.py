"""Users and groups, as /core/users/ and /core/groups/ serve them (shapes: tests/fixtures/samples/).

Users 1..max_user: 1-4 are authentik's own (AnonymousUser, akadmin, the outpost's account, a service
account), the rest are the connections' users; like authentik's API, the listing leaves AnonymousUser
out. Every attribute is a function of (seed, pk), with a seeded variety the findings need: superusers
(members of "authentik Admins"), inactive users, external users and service accounts, users sharing an
email, users without one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from .index import FIRST_USER, mix64
from .render import dumps, timestamp
from .shapes import Features

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T0_US = 1_764_435_682_000_000  # 2025-11-29T17:01:22Z: every user joined before its connections
ADMINS, ENGINEERING = "authentik Admins", "engineering"
CONTRACTORS, BREAK_GLASS = "contractors", "break-glass"
# name -> (is_superuser, parent)
GROUPS = {ADMINS: (True, None), ENGINEERING: (False, None), CONTRACTORS: (False, ENGINEERING),
          BREAK_GLASS: (True, None)}  # fmt: skip
OWN_USERS = {
    1: ("AnonymousUser", "internal"),
    2: ("akadmin", "internal"),
    3: ("ak-outpost-embedded", "internal_service_account"),
    4: ("etl-service", "service_account"),
}
# Whatever the seed: akadmin (a superuser) and the first two users (who share an email) are active,
# the third is not, so every finding rule has something to find in the smallest dataset.
PINNED = {2: True, FIRST_USER: True, FIRST_USER + 1: True, FIRST_USER + 2: False}


class Directory:
    def __init__(self, feat: Features, seed: int) -> None:
        self.feat, self.seed = feat, seed
        self.group_pks = {name: _stable_uuid(seed, name) for name in GROUPS}
        self.removed: set[int] = set()  # users deleted in authentik (tests)
        self.promoted: set[int] = set()  # users added to "authentik Admins" (tests)
        self.at_least = 0  # users 2..at_least exist even without connections (the bench's --users)
        self.touched: dict[int, tuple[int, int]] = {}  # pk -> (last_updated, revision): changed users
        self.clock_us = T0_US + 10**13  # after every generated time (~116 days), one second per touch
        self._rendered: dict[int, str] = {}

    def touch(self, pks: list[int]) -> None:
        """Change these users as authentik would (a new name, a new last_updated); adding a user to
        a group (`promoted`) is no such change: authentik leaves the user's last_updated as it was."""
        self.clock_us += 1_000_000
        for i, pk in enumerate(pks):
            self.touched[pk] = (self.clock_us + i, self.touched.get(pk, (0, 0))[1] + 1)
            self._rendered.pop(pk, None)

    def updated_after(self, pks: range | list[int], text: str) -> list[int] | None:
        """The users updated after an ISO time (naive: UTC, as authentik's TIME_ZONE); None if unreadable."""
        try:
            after = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        after_us = (after.replace(tzinfo=after.tzinfo or UTC) - _EPOCH) // timedelta(microseconds=1)
        return [pk for pk in pks if self.updated_us(pk) > after_us]

    def updated_us(self, pk: int) -> int:
        """The user's last_updated (2025.12 shape), in microseconds."""
        return self.touched.get(pk, (T0_US + pk * 1_000_000 + 2_000, 0))[0]

    def user_pks(self, max_user: int) -> range | list[int]:
        """The users the listing shows, in pk order: never AnonymousUser (pk 1), as on a real server."""
        every = range(2, max(max_user, self.at_least) + 1)
        return [pk for pk in every if pk not in self.removed] if self.removed else every

    def _h(self, pk: int) -> int:
        return mix64(self.seed * 1_000_003 + pk)

    def groups_of(self, pk: int) -> list[str]:
        h, names = self._h(pk), []
        if pk == 2 or pk in self.promoted or (pk >= FIRST_USER and h % 53 == 0):
            names.append(ADMINS)
        if pk >= FIRST_USER and h % 3 == 0:
            names.append(ENGINEERING if h % 2 else CONTRACTORS)
        if pk >= FIRST_USER and h % 211 == 5:
            names.append(BREAK_GLASS)
        return names

    def user(self, pk: int) -> dict[str, Any]:
        h, names = self._h(pk), self.groups_of(pk)
        username, kind = OWN_USERS.get(pk, (f"user{pk}", "internal"))
        if pk >= FIRST_USER and h % 7 == 0:
            kind = "external"
        elif pk >= FIRST_USER and h % 101 == 1:
            kind = "service_account"
        joined = T0_US + pk * 1_000_000
        email = "" if pk in (1, 3) or (h % 29 == 0 and pk not in PINNED) else f"{username}@example.com"
        if pk == FIRST_USER + 1 or (pk > FIRST_USER and h % 37 == 0):
            email = f"user{pk - 1}@example.com"  # shares the email of the user before it
        row: dict[str, Any] = {
            "pk": pk, "username": username, "name": f"User {pk}" if pk >= FIRST_USER else username,
            "is_active": PINNED.get(pk, pk != 1 and h % 19 != 0),
            "last_login": None if h % 5 == 0 else timestamp(joined + 3_600_000_000),
        }  # fmt: skip
        if self.feat.identifier:  # 2025.4 on
            row["date_joined"] = timestamp(joined)
        row.update(is_superuser=any(GROUPS[n][0] for n in names), groups=[self.group_pks[n] for n in names])
        row["groups_obj"] = None
        if self.feat.source_v2:
            row.update(roles=[], roles_obj=[])
        row.update(
            email=email, avatar="/static/dist/assets/images/user_default.png",
            attributes={"goauthentik.io/user/token-expires": True, "settings": {"locale": "en"},
                        "ldap_bind_password": f"not-a-real-secret-{h % 10_000}"},
            uid=f"{mix64(h):016x}" * 4,
            path="goauthentik.io" if kind == "internal_service_account" else "users",
            type=kind, uuid=_stable_uuid(self.seed, f"user-{pk}"),
        )  # fmt: skip
        if self.feat.identifier:
            row["password_change_date"] = timestamp(joined + 1_000)
        if self.feat.source_v2:
            row["last_updated"] = timestamp(self.updated_us(pk))
        if pk in self.touched:
            row["name"] = f"{row['name']} (r{self.touched[pk][1]})"
        return row

    def group(self, name: str, members: list[int]) -> dict[str, Any]:
        superuser, parent = GROUPS[name]
        row: dict[str, Any] = {"pk": self.group_pks[name], "num_pk": 17_000 + list(GROUPS).index(name),
                               "name": name, "is_superuser": superuser}  # fmt: skip
        if self.feat.source_v2:
            row.update(parents=[self.group_pks[parent]] if parent else [], parents_obj=None)
        else:
            row.update(parent=self.group_pks[parent] if parent else None, parent_name=parent)
        row.update(users=members, users_obj=None, attributes={"notes": "seeded"}, roles=[], roles_obj=[])
        if self.feat.source_v2:
            children = [self.group_pks[n] for n, (_, p) in GROUPS.items() if p == name]
            row.update(inherited_roles_obj=None, children=children, children_obj=None)
        return row

    def user_json(self, pk: int) -> str:
        """The user's JSON text, rendered once (a user's fields change only when it is promoted)."""
        if pk in self.promoted:
            return dumps(self.user(pk))
        text = self._rendered.get(pk)
        if text is None:
            text = self._rendered[pk] = dumps(self.user(pk))
        return text

    def group_jsons(self, max_user: int) -> list[str]:
        members: dict[str, list[int]] = {name: [] for name in GROUPS}
        for pk in self.user_pks(max_user):
            for name in self.groups_of(pk):
                members[name].append(pk)
        return [dumps(self.group(name, members[name])) for name in sorted(GROUPS, key=self.group_pks.get)]


def _stable_uuid(seed: int, key: str) -> str:
    value = 0
    for ch in f"{seed}:{key}":
        value = mix64(value * 131 + ord(ch))
    return str(uuid.UUID(int=(value << 64 | mix64(value + 1)) & (2**128 - 1)))
