"""The knowledge base: articles, revisions, visibility and ranked search."""
