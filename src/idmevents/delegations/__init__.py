"""Delegations: the States (or organizations) a meeting invites, their focal points, quotas and delegates."""
