"""Open data: the downloads other directories reuse."""
