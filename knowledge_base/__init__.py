"""The knowledge base: articles, revisions, visibility and ranked search."""

from knowledge_base import next_steps as _next_steps

# The home page lists flagged articles and drafts for the roles that write articles.
_next_steps.register()
