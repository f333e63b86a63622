"""The GraphiQL page a browser gets at ``/graphql``, with its scripts and styles served by the
hub itself from files in the package: on a server without internet access the page still
works, and no third party learns who opens it."""

from __future__ import annotations

from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

from hub.errors import HubError

ASSETS = Path(__file__).with_name("graphiql")
PATH = "/graphiql"

# What strawberry's page loads from a CDN, and the file in ASSETS with the same bytes (the
# page's integrity attributes check them).
_FROM_CDN = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": (
        "react-dom.production.min.js"
    ),
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": (
        "plugin-explorer.umd.js"
    ),
}


class OutdatedAssets(HubError):
    """strawberry's page loads other versions than the files the hub ships."""

    code = "OUTDATED_ASSETS"


def page() -> str:
    """The page, loading every script and style from ``PATH``."""
    html = get_graphql_ide_html("graphiql")
    for url, name in _FROM_CDN.items():
        if url not in html:
            raise OutdatedAssets(
                f"the GraphiQL page no longer loads {url}: put the files it loads now into "
                f"{ASSETS} and name them in hub/api/ide.py"
            )
        html = html.replace(url, f"{PATH}/{name}")
    return html.replace("<title>Strawberry GraphiQL</title>", "<title>Master-data hub</title>")
