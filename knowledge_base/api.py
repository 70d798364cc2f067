"""GET /kb/articles (ranked search) and GET /kb/articles/{slug} (one article).

Open without a token (public articles only); with a token, what the token's user may
read. Not-visible articles are 404s and never counted.
"""

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from knowledge_base import search
from knowledge_base.models import KINDS
from knowledge_base.rendering import render_markdown
from knowledge_base.services import get_visible_article_or_404
from portal.access import current_principal, public
from portal.api.fields import Timestamp
from portal.api.pagination import PAGE_PARAMETERS, page_params

blp = Blueprint("api_kb", __name__, url_prefix="/api/v1", description="Knowledge base")
OPTIONAL_TOKEN = [{}, {"bearerAuth": []}]


class ArticleHitSchema(Schema):
    slug = fields.String()
    title = fields.String()
    snippet = fields.String(
        metadata={"description": "An excerpt as HTML: text escaped, matches wrapped in <mark>."}
    )
    product = fields.String(allow_none=True, metadata={"description": "Product slug"})
    visibility = fields.String()
    kind = fields.String()
    status = fields.String(metadata={"description": "draft or published"})
    updated_at = Timestamp()


class ArticleSchema(Schema):
    slug = fields.String()
    title = fields.String()
    html = fields.String(metadata={"description": "The sanitised article body"})
    product = fields.String(allow_none=True, metadata={"description": "Product slug"})
    releases = fields.List(
        fields.String(),
        metadata={"description": "Versions the article applies to; empty: every release"},
    )
    visibility = fields.String()
    kind = fields.String()
    tags = fields.List(fields.String())
    status = fields.String()
    updated_at = Timestamp()


def _query_param(name: str, description: str, **schema) -> dict:
    """A search filter; an empty value (`?kind=`) is no filter, as `list_articles` reads it."""
    return {
        "in": "query",
        "name": name,
        "required": False,
        "allowEmptyValue": True,
        "description": f"{description} (empty: no filter)",
        "schema": {"type": "string", **schema},
    }


SEARCH_PARAMETERS = [
    _query_param("q", 'Words, "a phrase", or between alternatives, -word to exclude'),
    _query_param("product", "Product slug"),
    _query_param("kind", "Kind of article", enum=list(KINDS)),
    _query_param("tag", "A tag"),
    *PAGE_PARAMETERS,
]


def _search_page_schema() -> type[Schema]:
    """The usual page envelope, and how the search read the query."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(ArticleHitSchema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(
                metadata={"description": f"Matching articles, counted up to {search.RESULTS_MAX:,}"}
            ),
            "more": fields.Boolean(
                metadata={"description": "More articles match than `total` (which stops counting)"}
            ),
            "matched": fields.String(
                metadata={
                    "description": "all: the items have every word; any: no article had them "
                    "all, the items have some of them"
                }
            ),
            "did_you_mean": fields.String(
                allow_none=True,
                metadata={
                    "description": "When nothing matched: the query spelt with words of the "
                    "articles the caller may read, which finds some"
                },
            ),
        },
        name="ArticleSearchPage",
    )


def _hit(hit: search.SearchHit) -> dict:
    article = hit.article
    return {
        "slug": article.slug,
        "title": article.title,
        "snippet": str(hit.snippet),
        "product": article.product.slug if article.product else None,
        "visibility": article.visibility,
        "kind": article.kind,
        "status": article.status,
        "updated_at": article.updated_at,
    }


@blp.get("/kb/articles")
@public
@blp.response(200, _search_page_schema())
@blp.doc(parameters=SEARCH_PARAMETERS, security=OPTIONAL_TOKEN)
def list_articles():
    """Search the articles the caller may read, best match first (newest first without `q`)."""
    page, per_page = page_params()
    args = request.args
    filters = search.SearchFilters(
        product=args.get("product") or None,
        kind=args.get("kind") or None,
        tag=args.get("tag") or None,
    )
    results = search.search_articles(
        args.get("q", ""), current_principal(), filters=filters, page=page, per_page=per_page
    )
    return {
        "items": [_hit(h) for h in results.hits],
        "page": page,
        "per_page": per_page,
        "total": results.total,
        "more": results.more,
        "matched": results.matched,
        "did_you_mean": results.did_you_mean.query if results.did_you_mean else None,
    }


@blp.get("/kb/articles/<slug>")
@public
@blp.response(200, ArticleSchema)
@blp.alt_response(404, description="not_found: no such article, or not visible to the caller")
@blp.doc(security=OPTIONAL_TOKEN)
def get_article(slug: str):
    """One article with its sanitised HTML."""
    article = get_visible_article_or_404(slug, current_principal())
    return {
        "slug": article.slug,
        "title": article.title,
        "html": str(render_markdown(article.body)),
        "product": article.product.slug if article.product else None,
        "releases": [r.version for r in article.releases],
        "visibility": article.visibility,
        "kind": article.kind,
        "tags": article.tags,
        "status": article.status,
        "updated_at": article.updated_at,
    }
