"""Mutation testing of the core rules (``make mutate``; see ``mutation/README.md``)."""
