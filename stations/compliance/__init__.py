"""The compliance engine: which limit applies (rules), exceedance episodes, Decree 45 bands,
and the evaluation of stored means (engine)."""
