"""FastAPI dependencies to know who is acting (for the audit trail) and to demand a role.

The middleware already enforced the route table; routes use these to name the actor, and may
add a stricter check of their own with ``Depends(require(Role.ADMIN))``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from service.auth.principal import ANONYMOUS, LOCAL_ADMIN, Principal, Role


def get_principal(request: Request) -> Principal:
    """The request's principal; a local administrator when access control is switched off."""
    principal = request.scope.get("state", {}).get("principal")
    if isinstance(principal, Principal):
        return principal
    ctx = getattr(request.app.state, "ctx", None)
    if ctx is not None and not ctx.settings.auth_enabled:
        return LOCAL_ADMIN
    return ANONYMOUS


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Callable[[Principal], Principal]:
    """A dependency that answers 401/403 unless the principal holds ``role``."""

    def check(principal: PrincipalDep) -> Principal:
        if principal.is_anonymous:
            raise HTTPException(401, "Cần đăng nhập / login required")
        if not principal.has(role):
            raise HTTPException(
                403, f"Không đủ quyền (cần {role.label}) / forbidden: needs {role.label}"
            )
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require(Role.ADMIN))]
OperatorDep = Annotated[Principal, Depends(require(Role.OPERATOR))]
