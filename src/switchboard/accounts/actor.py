"""Who is acting: passed explicitly to every domain action."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.accounts.roles import Permission, Role, role_allows
from switchboard.core.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Actor:
    """A logged-in user, or the system itself (channel intake, jobs, demo loader).

    `customer_id` is set for customer accounts and limits them to their own tickets.
    """

    user_id: int | None
    role: Role
    customer_id: int | None = None
    is_system: bool = False

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, role=Role.ADMIN, is_system=True)

    @property
    def is_customer(self) -> bool:
        return self.role is Role.CUSTOMER

    def can(self, permission: Permission) -> bool:
        return self.is_system or role_allows(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"the {self.role.value} role may not {permission.value}")

    def require_any(self, *permissions: Permission) -> Permission:
        """The first of `permissions` the actor holds, or `PermissionDenied`."""
        for permission in permissions:
            if self.can(permission):
                return permission
        names = " or ".join(p.value for p in permissions)
        raise PermissionDenied(f"the {self.role.value} role may not {names}")
