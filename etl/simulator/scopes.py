"""What a token's user may see, as a real authentik filters it (tried on 2024.10.5 and 2025.12.4).

The connections listing is filtered by the token's user: a superuser (2024.10) or a user with the
global view permission on user-source connections (2025.2 on) sees every connection; anyone else
sees only their own (and, on 2025.x, those they hold an object permission on). The listing still
answers 200 (with `count: 0` for a service account without a role), a retrieve of a connection it
may not see answers 404, and `/sources/all/` answers 403 without the view permission on sources.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    sources: bool = True  # may list /sources/all/ (authentik_core.view_source)
    connections: bool = True  # sees every connection (superuser, or view_usersourceconnection)
    users: frozenset[int] = frozenset()  # otherwise: the users whose connections it sees
    directory: bool = True  # may list /core/users/ and /core/groups/ (view_user, view_group)

    def sees_user(self, user: int) -> bool:
        return self.connections or user in self.users

    @classmethod
    def nothing(cls) -> Scope:
        """A service account with no role: 0 connections, 403 on sources."""
        return cls(sources=False, connections=False, directory=False)

    @classmethod
    def own(cls, *users: int) -> Scope:
        """An ordinary user's token: its own connections only, 403 on sources."""
        return cls(sources=False, connections=False, users=frozenset(users), directory=False)

    @classmethod
    def sources_only(cls) -> Scope:
        """A role with view on sources but not on connections: 200 on sources, 0 connections."""
        return cls(sources=True, connections=False, directory=False)

    @classmethod
    def parse(cls, text: str) -> Scope:
        """The simulator CLI's --scoped-token values: all, nothing, sources, user:N[,N...]."""
        kind, _, rest = text.partition(":")
        if kind == "all" and not rest:
            return cls()
        if kind == "nothing" and not rest:
            return cls.nothing()
        if kind == "sources" and not rest:
            return cls.sources_only()
        if kind == "user" and rest and all(p.isdigit() for p in rest.split(",")):
            return cls.own(*(int(p) for p in rest.split(",")))
        raise ValueError(f"bad token scope {text!r}: use all, nothing, sources or user:N[,N...]")


FULL = Scope()
