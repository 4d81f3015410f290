"""Date formats per language (settings.FORMAT_MODULE_PATH): one way to write a date in each.
Chinese: 2026年12月3日, 2026年12月3日 14:05; English: 3 December 2026. Templates use the named
formats (``|date:"DATE_FORMAT"``, ``|time_tag``), Python code ``luhuituo.core.dates``; a fixed
pattern such as "Y-m-d" is only for machines (form values, URLs, ``datetime`` attributes)."""
