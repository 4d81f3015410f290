"""A stand-in for another installed app with alert rules of its own (test_check_registry)."""
