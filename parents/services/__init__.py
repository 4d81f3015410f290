"""The parent portal's workflows: registering a parent account (``accounts``), linking it to a
guardian record with a centre's one-time code (``linking``)."""
