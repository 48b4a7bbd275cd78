"""Who may call which route of the members service (the README's role table is printed from it).

Staff read everything; only `admin` changes the members' legal record (registration, adhesions,
deliberations, schools, tariffs). A `member` reads its own record, status, entitlements, notifications,
support requests and usage, asks for support and acknowledges its notifications: the routes apply
`shared.security.isolation`, so another member's data answers 404.
"""

from __future__ import annotations

from shared.security.policy import STAFF, RoutePolicy
from shared.security.principal import Role

ADMIN = frozenset({Role.ADMIN})
STAFF_AND_MEMBER = STAFF | {Role.MEMBER}


def policy() -> RoutePolicy:
    p = RoutePolicy("members")
    # Members and adhesions
    p.allow("POST", "/v1/members", ADMIN, "register a member")
    p.allow("GET", "/v1/members", STAFF, "list members")
    p.allow("GET", "/v1/members/{member_id}", STAFF_AND_MEMBER, "read a member (a member: itself)")
    p.allow("PATCH", "/v1/members/{member_id}", ADMIN, "update a member")
    p.allow("GET", "/v1/members/{member_id}/history", STAFF, "a member's versions")
    p.allow("GET", "/v1/members/{member_id}/status", STAFF_AND_MEMBER, "a member's status on a date")
    p.allow("POST", "/v1/members/{member_id}/adhesions", ADMIN, "record an adhesion deliberation")
    p.allow("GET", "/v1/members/{member_id}/adhesions", STAFF, "a member's adhesions")
    p.allow("GET", "/v1/adhesions/{adhesion_id}", STAFF, "read an adhesion")
    p.allow("POST", "/v1/adhesions/{adhesion_id}/committee-vote", ADMIN, "record the Comité's vote")
    p.allow("POST", "/v1/adhesions/{adhesion_id}/withdrawal", ADMIN, "record a withdrawal")
    p.allow("POST", "/v1/adhesions/{adhesion_id}/option-changes", ADMIN, "change the option")
    # Deliberations
    p.allow("POST", "/v1/deliberations", ADMIN, "record a deliberation")
    p.allow("GET", "/v1/deliberations", STAFF, "list deliberations")
    p.allow("GET", "/v1/deliberations/{deliberation_id}", STAFF, "read a deliberation")
    # Schools and pupil counts
    p.allow("POST", "/v1/schools", ADMIN, "register a school")
    p.allow("GET", "/v1/schools", STAFF, "list schools")
    p.allow("GET", "/v1/schools/{uai}", STAFF, "read a school")
    p.allow("GET", "/v1/schools/{uai}/member", STAFF, "a school's member on a date")
    p.allow("POST", "/v1/schools/{uai}/transfers", ADMIN, "transfer a school")
    p.allow("POST", "/v1/schools/{uai}/pupil-counts", ADMIN, "record a pupil count")
    p.allow("GET", "/v1/schools/pupil-counts", STAFF, "list pupil counts")
    p.allow("POST", "/v1/schools/pupil-counts/import", ADMIN, "import pupil counts (CSV)")
    # Tariffs, subsidies, notifications
    p.allow("POST", "/v1/tariffs", ADMIN, "adopt a tariff schedule")
    p.allow("GET", "/v1/tariffs", STAFF, "list tariff schedules")
    p.allow("GET", "/v1/tariffs/{year}", STAFF, "the schedule in force")
    p.allow("POST", "/v1/subsidies", frozenset({Role.ADMIN, Role.FINANCE}), "record a subsidy")
    p.allow("GET", "/v1/subsidies", STAFF, "list subsidies")
    p.allow("POST", "/v1/notifications/conditions-changes", ADMIN, "notify a change of conditions")
    p.allow("GET", "/v1/notifications", STAFF_AND_MEMBER, "list notifications (a member: its own)")
    p.allow(
        "POST",
        "/v1/notifications/{notification_id}/acknowledgement",
        frozenset({Role.ADMIN, Role.MEMBER}),
        "acknowledge a notification (a member: its own)",
    )
    # Entitlements, support, usage
    p.allow("GET", "/v1/members/{member_id}/entitlements", STAFF_AND_MEMBER, "a member's entitlements")
    p.allow(
        "POST",
        "/v1/support-requests",
        frozenset({Role.ADMIN, Role.MEMBER}),
        "request support (a member: for itself)",
    )
    p.allow("GET", "/v1/support-requests", STAFF_AND_MEMBER, "list support requests (a member: its own)")
    p.allow("GET", "/v1/support-requests/{request_id}", STAFF_AND_MEMBER, "read a support request")
    p.allow(
        "POST",
        "/v1/support-requests/{request_id}/delivery",
        frozenset({Role.ADMIN, Role.PROCUREMENT}),
        "record the delivery of support",
    )
    p.allow("POST", "/v1/usage-statistics/import", ADMIN, "import ENT usage (CSV)")
    p.allow("GET", "/v1/usage-statistics/members/{member_id}", STAFF_AND_MEMBER, "a member's ENT usage")
    return p
