"""Every write of the risk app, one module per sub-domain: ``matrices`` (matrices and their
criteria), ``register`` (risks), ``treatment`` (treatment actions), ``acceptance`` (acceptance
and its expiry). No re-exports: import from the module, e.g.
``from risk.services.register import risk_create``.

Keyword-only, typed, atomic, the actor passed in, a change record in the same transaction.
Levels are never taken from callers: ``risk.levels`` derives them from the matrix.
"""
