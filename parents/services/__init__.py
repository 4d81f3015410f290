"""The parent portal's workflows and computations (as evaluation/services)."""
