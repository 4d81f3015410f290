"""The parent portal's workflows and computations: registering a parent account
(``accounts``), linking it to a guardian record with a centre's one-time code (``linking``),
applications for a place (``applications``), articles (``articles``), a centre's public
profile (``profiles``) and the cost estimate (``cost``)."""
