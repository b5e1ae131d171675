#!/usr/bin/python3
"""A small TAXII 2.1 client written from the standard, not from weftd's code,
so that the integration tests check weftd against an independent reader.
Standard library only (ssl, http.client): mutual TLS with the organisation's
certificate, one kept-alive connection for every request.

  taxii_client.py --port N --ca CA --cert CERT --key KEY collections
      one line per collection: "<id> <title>"
  taxii_client.py ... objects --collection TITLE [--limit N] [--added-after T]
                  [--match-type T,...] [--match-id ID,...] [--manifest]
      follows `next` until `more` is false; one line per object:
      "<id> <type-or-version> <date_added>", then "pages <n>"
  taxii_client.py ... get PATH
      prints "<status> <content-type>" and the body

Exits 1 with a message on anything a TAXII 2.1 server must not do.
"""

import argparse
import http.client
import json
import ssl
import sys
import urllib.parse

TAXII = "application/taxii+json;version=2.1"
MAX_PAGES = 1000


class Failure(Exception):
    pass


class Client:
    def __init__(self, args):
        context = ssl.create_default_context(cafile=args.ca)
        context.load_cert_chain(args.cert, args.key)
        self.host = args.host
        self.connection = http.client.HTTPSConnection(args.host, args.port, context=context, timeout=20)

    def get(self, path):
        self.connection.request("GET", path, headers={"Accept": TAXII})
        response = self.connection.getresponse()
        body = response.read()
        return response.status, response.getheader("Content-Type", ""), dict(response.getheaders()), body

    def get_json(self, path):
        status, content_type, headers, body = self.get(path)
        if status != 200:
            raise Failure(f"GET {path}: HTTP {status}: {body[:300]!r}")
        if content_type.replace(" ", "") != TAXII:
            raise Failure(f"GET {path}: Content-Type {content_type!r}, expected {TAXII!r}")
        return json.loads(body), headers

    def api_root_path(self):
        discovery, _ = self.get_json("/taxii2/")
        root = discovery.get("default") or discovery["api_roots"][0]
        path = urllib.parse.urlsplit(root).path
        if not path.endswith("/"):
            raise Failure(f"API root {root!r} does not end with '/'")
        info, _ = self.get_json(path)
        if TAXII not in info.get("versions", []):
            raise Failure(f"API root does not list {TAXII}: {info}")
        return path

    def collections(self):
        root = self.api_root_path()
        listed, _ = self.get_json(root + "collections/")
        return root, listed.get("collections", [])


def collection_path(client, title):
    root, collections = client.collections()
    for collection in collections:
        if collection["title"] == title:
            if not collection.get("can_read"):
                raise Failure(f"collection {title} is not readable")
            return f"{root}collections/{collection['id']}/"
    raise Failure(f"no collection titled {title!r}")


def walk_pages(client, args):
    base = collection_path(client, args.collection) + ("manifest/" if args.manifest else "objects/")
    query = {}
    if args.limit:
        query["limit"] = str(args.limit)
    if args.added_after:
        query["added_after"] = args.added_after
    if args.match_type:
        query["match[type]"] = args.match_type
    if args.match_id:
        query["match[id]"] = args.match_id
    pages = 0
    while True:
        pages += 1
        if pages > MAX_PAGES:
            raise Failure("the server keeps saying there is more")
        envelope, headers = client.get_json(base + "?" + urllib.parse.urlencode(query))
        objects = envelope.get("objects", [])
        if args.limit and len(objects) > args.limit:
            raise Failure(f"page {pages} holds {len(objects)} objects, more than limit {args.limit}")
        seen = set()
        for item in objects:
            if item["id"] in seen:
                raise Failure(f"page {pages} holds {item['id']} twice")
            seen.add(item["id"])
            if args.manifest:
                print(item["id"], item["version"], item["date_added"])
            else:
                print(item["id"], item["type"], headers.get("X-TAXII-Date-Added-First", "-"))
        if objects and ("X-TAXII-Date-Added-First" not in headers or "X-TAXII-Date-Added-Last" not in headers):
            raise Failure(f"page {pages} lacks the X-TAXII-Date-Added headers")
        if not envelope.get("more"):
            break
        if "next" not in envelope:
            raise Failure(f"page {pages} says more but gives no next")
        query["next"] = envelope["next"]
    print("pages", pages)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("collections")
    objects = commands.add_parser("objects")
    objects.add_argument("--collection", required=True)
    objects.add_argument("--limit", type=int, default=0)
    objects.add_argument("--added-after")
    objects.add_argument("--match-type")
    objects.add_argument("--match-id")
    objects.add_argument("--manifest", action="store_true")
    get = commands.add_parser("get")
    get.add_argument("path")
    args = parser.parse_args()

    client = Client(args)
    try:
        if args.command == "collections":
            _, collections = client.collections()
            for collection in collections:
                print(collection["id"], collection["title"])
        elif args.command == "objects":
            walk_pages(client, args)
        else:
            status, content_type, _, body = client.get(args.path)
            print(status, content_type)
            print(body.decode("utf-8", "replace"))
    except Failure as failure:
        print("taxii_client:", failure, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
