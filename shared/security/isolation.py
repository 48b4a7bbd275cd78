"""Member (and contractor) isolation: a bound principal sees its own data and nothing else.

Routes use one line each:

    member_id = member_filter(principal, member_id)         # list queries: the filter is forced
    ensure_member_owns(principal, quote.member_id)          # one object: someone else's is a 404

Another member's object answers 404, not 403, so ids cannot be probed for existence. Staff principals
pass through unchanged (what they may do is the role table's business, not this module's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.errors import NotFound
from shared.security.principal import Principal

T = TypeVar("T")


def member_filter(principal: Principal, requested: str | None) -> str | None:
    """The member filter a list query must apply.

    A member principal always gets its own id, whatever it asked for (`?member_id=<other>` lists its
    own data, never the other's); a contractor or connector reads no member's list through it
    unless the caller's route allows it. Staff keep what they asked for (None: every member).
    """
    if principal.is_member:
        return principal.member_id
    return requested


def contractor_filter(principal: Principal, requested: str | None) -> str | None:
    """The same rule for the contractor's purchase orders and invoices."""
    if principal.is_contractor:
        return principal.contractor_id
    return requested


def ensure_member_owns(principal: Principal, owner_member_id: object, *, what: str = "resource") -> None:
    """404 when a member principal reaches for an object of another member."""
    if principal.is_member and str(owner_member_id) != principal.member_id:
        raise NotFound(f"No such {what}.")


def ensure_contractor_owns(
    principal: Principal, owner_contractor_id: object, *, what: str = "resource"
) -> None:
    """404 when a contractor principal reaches for an object of another contractor."""
    if principal.is_contractor and str(owner_contractor_id) != principal.contractor_id:
        raise NotFound(f"No such {what}.")


def visible_or_404(principal: Principal, found: T | None, owner: Callable[[T], object], *, what: str) -> T:
    """`found` when it exists and the principal may see it; the same 404 otherwise (missing and not
    theirs cannot be told apart). `owner` gives the object's member id:

        quote = visible_or_404(principal, await repo.get(quote_id), lambda q: q.member_id, what="quote")
    """
    if found is None:
        raise NotFound(f"No such {what}.")
    ensure_member_owns(principal, owner(found), what=what)
    return found


async def owned_or_404(
    principal: Principal, load: Awaitable[T], owner: Callable[[T], object], *, what: str
) -> T:
    """Await `load` (a use case raising NotFound when the object is missing) for `principal`.

    Staff get the use case's answer unchanged. A member gets the object when it is its own, and
    otherwise the same 404 whether it is missing or another member's (nothing to probe):

        quote = await owned_or_404(principal, quotes.get_quote(quote_id, uow), lambda q: q.member_id,
                                   what="quote")
    """
    if not principal.is_member:
        return await load
    try:
        found: T | None = await load
    except NotFound:
        found = None
    return visible_or_404(principal, found, owner, what=what)
